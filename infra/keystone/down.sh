#!/usr/bin/env bash
# Stops the Keystone infra/keystone/up.sh started, by its pid file. State stays under $BASE
# (the next up.sh skips the 11 s bootstrap); CLEAN=1 removes it too.
BASE=${BASE:-/tmp/ve-keystone}
f="$BASE/run/keystone.pid"
if [ -f "$f" ]; then
  p=$(cat "$f")
  if kill -0 "$p" 2>/dev/null; then
    kill -TERM "$p"
    for _ in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$p" 2>/dev/null && kill -KILL "$p"
  fi
  rm -f "$f"
fi
[ "${CLEAN:-0}" = 1 ] && rm -rf "$BASE"
echo "[keystone-down] stopped" >&2
