#!/usr/bin/env bash
# A real Keystone (OpenStack Identity v3, Debian's Zed packages) on 127.0.0.1 with sqlite and
# fernet tokens, all state under $BASE (default /tmp/ve-keystone). Needs root, not systemd.
# Packages: scripts/setup/40-keystone.sh. Safe to call when already up: then it only prints the
# exports. Usage: [BASE=…] [KEYSTONE_PORT=5000] [OS_SERVICES_URL=http://127.0.0.1:18774] bash infra/keystone/up.sh
#
# Seeds (idempotently, see seed.py): admin (bootstrap) in project "admin"; project "service";
# user "demo" (member of "service"); one application credential each for admin and demo; and the
# catalog entries for compute/network/volumev3/image in RegionOne pointing at $OS_SERVICES_URL,
# where the tests run test/servers/openstack-test-server.ts (Nova/Neutron/Cinder/Glance can't run
# here). Prints `export ...` lines on stdout (KEYSTONE_URL, OS_* credentials, OS_SERVICES_URL).
set -euo pipefail
BASE=${BASE:-/tmp/ve-keystone}
PORT=${KEYSTONE_PORT:-5000}
SERVICES_URL=${OS_SERVICES_URL:-http://127.0.0.1:18774}
ADMIN_PASSWORD=${OS_ADMIN_PASSWORD:-adminpw}
URL="http://127.0.0.1:$PORT/v3"
HERE=$(cd "$(dirname "$0")" && pwd)
C="$BASE/keystone.conf"
log() { echo "[keystone-up] $*" >&2; }
t0=$(date +%s.%N)
elapsed() { awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}'; }

command -v keystone-manage >/dev/null || { log "keystone is not installed: run scripts/setup/40-keystone.sh"; exit 1; }

seed() { # idempotent; prints the exports
  KEYSTONE_URL="$URL" OS_ADMIN_PASSWORD="$ADMIN_PASSWORD" OS_SERVICES_URL="$SERVICES_URL" STATE="$BASE/seed.json" \
    python3 "$HERE/seed.py"
}

if [ -f "$BASE/run/keystone.pid" ] && kill -0 "$(cat "$BASE/run/keystone.pid")" 2>/dev/null \
   && curl -sf -o /dev/null "$URL"; then
  log "already up under $BASE ($URL)"
  seed
  exit 0
fi

mkdir -p "$BASE"/{log,run,fernet-keys,credential-keys}
cat > "$C" <<CONF
[DEFAULT]
log_dir = $BASE/log
log_file = keystone.log
[database]
connection = sqlite:///$BASE/keystone.db
[token]
provider = fernet
# long enough for a test run; the plugin caches tokens until expires_at minus a margin
expiration = 3600
[fernet_tokens]
key_repository = $BASE/fernet-keys
[credential]
key_repository = $BASE/credential-keys
[catalog]
driver = sql
[identity]
# Pitfall: the default bcrypt cost (12) makes every password auth take ~0.3 s of CPU on this
# 2-core box; 4 is the minimum and keeps the auth tests fast. Never do this in production.
password_hash_rounds = 4
CONF

# db_sync/bootstrap are idempotent but cost ~11 s; skip them once the database is bootstrapped.
if [ ! -f "$BASE/.bootstrapped" ]; then
  # Each keystone-manage call prints a harmless eventlet "AttributeError: 'NoneType' object has no
  # attribute 'getcurrent'" traceback at exit: keep it in a log, not on the terminal.
  {
    keystone-manage --config-file "$C" db_sync
    # Pitfall: in sqlite's default rollback journal an idle reader connection in keystone's pool
    # blocks the next writer ("database is locked", a 500 on e.g. the second POST /v3/endpoints).
    # WAL lets readers and the writer proceed; the mode is stored in the database file.
    sqlite3 "$BASE/keystone.db" 'PRAGMA journal_mode=WAL;' >/dev/null
    keystone-manage --config-file "$C" fernet_setup --keystone-user root --keystone-group root
    keystone-manage --config-file "$C" credential_setup --keystone-user root --keystone-group root
    keystone-manage --config-file "$C" bootstrap --bootstrap-password "$ADMIN_PASSWORD" \
      --bootstrap-admin-url "$URL/" --bootstrap-internal-url "$URL/" --bootstrap-public-url "$URL/" \
      --bootstrap-region-id RegionOne
  } >"$BASE/log/manage.log" 2>&1
  touch "$BASE/.bootstrapped"
  log "database bootstrapped ($(elapsed)s)"
fi

# sqlite allows one writer: one worker, one thread, and --lazy-apps (else the master loads the app,
# opens sqlite and forks that open connection into the worker). Pitfall: --http-socket closes the
# connection after each response without saying so; workerd reuses it and fails with "Network
# connection lost". "Connection: close" tells clients; keep-alive (--http11-socket) is no fix, as
# one worker would then sit on an idle client connection while the test server waits to validate
# a token. keystone-wsgi-public's own wsgiref server is the fallback.
if command -v uwsgi >/dev/null && [ -f /usr/lib/uwsgi/plugins/python3_plugin.so ]; then
  OS_KEYSTONE_CONFIG_FILES="$C" setsid uwsgi --plugins python3 --http-socket "127.0.0.1:$PORT" --add-header "Connection: close" \
    --wsgi-file "$(command -v keystone-wsgi-public)" --processes 1 --threads 1 --master --lazy-apps --die-on-term \
    --pidfile "$BASE/run/keystone.pid" --logto "$BASE/log/uwsgi.log" </dev/null >/dev/null 2>&1 &
else
  OS_KEYSTONE_CONFIG_FILES="$C" setsid keystone-wsgi-public --host 127.0.0.1 --port "$PORT" \
    </dev/null >"$BASE/log/wsgi.log" 2>&1 &
  echo $! >"$BASE/run/keystone.pid"
fi
for _ in $(seq 1 120); do curl -sf -o /dev/null "$URL" && break; sleep 0.25; done
curl -sf -o /dev/null "$URL" || { log "keystone did not come up"; tail -20 "$BASE"/log/*.log >&2; exit 1; }
# uwsgi writes its pidfile itself, a moment after binding
for _ in $(seq 1 20); do [ -s "$BASE/run/keystone.pid" ] && break; sleep 0.1; done
log "keystone up on $URL ($(elapsed)s)"
seed
log "seeded ($(elapsed)s)"
