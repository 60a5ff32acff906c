#!/usr/bin/env bash
# Stops everything infra/slurm/up.sh started, by the pid files it wrote under $BASE.
BASE=${BASE:-/tmp/ve-slurm}
export SLURM_CONF="$BASE/etc/slurm.conf"
stop() { # pidfile signal
  [ -f "$1" ] || return 0
  local p; p=$(cat "$1")
  if kill -0 "$p" 2>/dev/null; then
    kill "-$2" "$p"
    for i in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p"
  fi
  rm -f "$1"
}
stop "$BASE/run/slurmrestd-jwt.pid" INT
stop "$BASE/run/slurmrestd-local.pid" INT
stop "$BASE/run/slurmd.pid" TERM
stop "$BASE/run/slurmctld.pid" TERM
stop "$BASE/run/slurmdbd.pid" TERM
stop "$BASE/mysql/run/mysqld.pid" TERM
stop "$BASE/munge/munged.pid" TERM
echo "[slurm-down] stopped" >&2
