#!/usr/bin/env bash
# A single-node SLURM 22.05 cluster with accounting (slurmdbd on MariaDB), munge and slurmrestd,
# all on loopback under $BASE (default /tmp/ve-slurm; unix socket paths must stay under 108 chars).
# Needs root, not systemd. Packages: scripts/setup/10-slurm.sh. Safe to call when already up:
# it then only prints the exports. Usage: [BASE=…] [WITH_DBD=0] bash infra/slurm/up.sh
# Prints `export ...` lines on stdout (SLURM_CONF, SLURMRESTD_URL, SLURM_JWT, …).
set -euo pipefail
BASE=${BASE:-/tmp/ve-slurm}
CTLD_PORT=${CTLD_PORT:-6817}
SLURMD_PORT=${SLURMD_PORT:-6818}
DBD_PORT=${DBD_PORT:-6819}
REST_PORT=${REST_PORT:-6820}
MYSQL_PORT=${MYSQL_PORT:-3307}
WITH_DBD=${WITH_DBD:-1}
log() { echo "[slurm-up] $*" >&2; }
t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}'; }

print_env() {
  local token; token=$(SLURM_CONF="$BASE/etc/slurm.conf" scontrol token username=root lifespan=86400 | sed 's/^SLURM_JWT=//')
  echo "export SLURM_CONF=$BASE/etc/slurm.conf"
  echo "export SLURMRESTD_URL=http://127.0.0.1:$REST_PORT"
  echo "export SLURMRESTD_SOCKET=$BASE/run/slurmrestd.sock"
  echo "export SLURM_USER_NAME=root"
  echo "export SLURM_JWT=$token"
}
if [ -f "$BASE/run/slurmctld.pid" ] && kill -0 "$(cat "$BASE/run/slurmctld.pid")" 2>/dev/null \
   && SLURM_CONF="$BASE/etc/slurm.conf" sinfo -h -o '%T' 2>/dev/null | grep -Eqx 'idle|mixed|allocated|completing'; then
  log "already up under $BASE"
  print_env
  exit 0
fi

mkdir -p "$BASE"/{etc,munge,state,spool,log,run,jobs}
chmod 755 "$BASE/munge"                       # munged: socket dir must be world-executable
[ -f "$BASE/munge/munge.key" ] || { mungekey --create --keyfile="$BASE/munge/munge.key" --bits=1024; chmod 400 "$BASE/munge/munge.key"; }
[ -f "$BASE/etc/jwt_hs256.key" ] || { dd if=/dev/urandom of="$BASE/etc/jwt_hs256.key" bs=32 count=1 status=none; chmod 600 "$BASE/etc/jwt_hs256.key"; }
chmod 1777 "$BASE/jobs"

CPUS=$(nproc)
MEM=$(awk '/MemTotal/{print int($2/1024) - 256}' /proc/meminfo)   # a bit below real, else node drains

if [ "$WITH_DBD" = 1 ]; then
ACCT="AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=$DBD_PORT
# for slurmdbd connections this is the munge socket path (AuthInfo is not used there)
AccountingStoragePass=$BASE/munge/munge.socket.2"
else
ACCT="AccountingStorageType=accounting_storage/none"
fi

cat > "$BASE/etc/slurm.conf" <<EOF
ClusterName=testcluster
SlurmctldHost=localhost
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$BASE/munge/munge.socket.2
CredType=cred/munge
AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=$BASE/etc/jwt_hs256.key
StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool
SlurmctldPidFile=$BASE/run/slurmctld.pid
SlurmdPidFile=$BASE/run/slurmd.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
$ACCT
JobCompType=jobcomp/filetxt
JobCompLoc=$BASE/log/jobcomp.txt
MinJobAge=300
NodeName=localhost CPUs=$CPUS RealMemory=$MEM State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$BASE/etc/slurm.conf"

# 1. munge
munged --key-file="$BASE/munge/munge.key" --socket="$BASE/munge/munge.socket.2" \
  --pid-file="$BASE/munge/munged.pid" --log-file="$BASE/munge/munged.log" --seed-file="$BASE/munge/munged.seed"
munge -S "$BASE/munge/munge.socket.2" -n | unmunge -S "$BASE/munge/munge.socket.2" >/dev/null
log "munged up ($(elapsed)s)"

# 2. optional MariaDB + slurmdbd
if [ "$WITH_DBD" = 1 ]; then
  M="$BASE/mysql"; mkdir -p "$M/data" "$M/run"
  [ -d "$M/data/mysql" ] || mariadb-install-db --no-defaults --datadir="$M/data" --user=root \
      --auth-root-authentication-method=socket --skip-test-db >"$M/install.log" 2>&1
  setsid mariadbd --no-defaults --datadir="$M/data" --socket="$M/run/mysqld.sock" --pid-file="$M/run/mysqld.pid" \
      --bind-address=127.0.0.1 --port="$MYSQL_PORT" --user=root --log-error="$M/error.log" \
      --innodb-buffer-pool-size=64M </dev/null >/dev/null 2>&1 &
  for i in $(seq 1 120); do mariadb --no-defaults -S "$M/run/mysqld.sock" -uroot -e 'select 1' >/dev/null 2>&1 && break; sleep 0.25; done
  mariadb --no-defaults -S "$M/run/mysqld.sock" -uroot -e "CREATE DATABASE IF NOT EXISTS slurm_acct_db;
    CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurmpw';
    CREATE USER IF NOT EXISTS 'slurm'@'127.0.0.1' IDENTIFIED BY 'slurmpw';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';"
  log "mariadb up ($(elapsed)s)"
  cat > "$BASE/etc/slurmdbd.conf" <<EOF
AuthType=auth/munge
AuthInfo=socket=$BASE/munge/munge.socket.2
AuthAltTypes=auth/jwt
AuthAltParameters=jwt_key=$BASE/etc/jwt_hs256.key
DbdHost=localhost
DbdPort=$DBD_PORT
SlurmUser=root
DebugLevel=info
LogFile=$BASE/log/slurmdbd.log
PidFile=$BASE/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$MYSQL_PORT
StorageUser=slurm
StoragePass=slurmpw
StorageLoc=slurm_acct_db
EOF
  chmod 600 "$BASE/etc/slurmdbd.conf"          # slurmdbd refuses a world-readable conf
  slurmdbd                                       # finds slurmdbd.conf next to $SLURM_CONF
  for i in $(seq 1 120); do sacctmgr -n show cluster >/dev/null 2>&1 && break; sleep 0.25; done
  sacctmgr -i add cluster testcluster >/dev/null 2>&1 || true
  sacctmgr -i add account testacct Description=test Organization=test >/dev/null 2>&1 || true
  sacctmgr -i add user root Account=testacct >/dev/null 2>&1 || true
  sacctmgr -i add user nobody Account=testacct >/dev/null 2>&1 || true
  log "slurmdbd up ($(elapsed)s)"
fi

# 3. slurmctld + slurmd (both daemonize; slurmd needs -N because hostname != NodeName)
slurmctld -f "$SLURM_CONF"
slurmd -f "$SLURM_CONF" -N localhost
for i in $(seq 1 120); do sinfo -h -o '%T' 2>/dev/null | grep -qx idle && break; sleep 0.25; done
sinfo -h -o '%T' | grep -qx idle || { log "node not idle"; tail -20 "$BASE/log/slurmctld.log" >&2; exit 1; }
log "slurmctld+slurmd up, node idle ($(elapsed)s)"

# 4. slurmrestd #1: JWT over TCP loopback, dropped to nobody (must NOT be root/SlurmUser)
#    SLURM_JWT=daemon makes slurmrestd forward the client's token to slurmctld (else: "Rejecting thread config token").
#    Without slurmdbd, restrict -s to non-db plugins: dbv0.0.3x plugins fatal with "slurm not configured with slurmdbd".
if [ "$WITH_DBD" = 1 ]; then OPENAPI=""; else OPENAPI="-s openapi/v0.0.38,openapi/v0.0.37,openapi/v0.0.36"; fi
SLURM_JWT=daemon setsid slurmrestd -f "$SLURM_CONF" -u nobody -g nogroup -a rest_auth/jwt $OPENAPI \
  "127.0.0.1:$REST_PORT" </dev/null >"$BASE/log/slurmrestd-jwt.log" 2>&1 &
echo $! > "$BASE/run/slurmrestd-jwt.pid"
# 5. slurmrestd #2: rest_auth/local on a unix socket (peer uid via SO_PEERCRED); runs as root, so needs the check disabled.
rm -f "$BASE/run/slurmrestd.sock"
SLURMRESTD_SECURITY=disable_user_check setsid slurmrestd -f "$SLURM_CONF" -a rest_auth/local $OPENAPI \
  "unix:$BASE/run/slurmrestd.sock" </dev/null >"$BASE/log/slurmrestd-local.log" 2>&1 &
echo $! > "$BASE/run/slurmrestd-local.pid"
for i in $(seq 1 120); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$REST_PORT/slurm/v0.0.38/ping" || true)
  [ "$code" = 401 ] && [ -S "$BASE/run/slurmrestd.sock" ] && break; sleep 0.25; done
log "slurmrestd up ($(elapsed)s)"

print_env
