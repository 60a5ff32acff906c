#!/usr/bin/env bash
# Four-validator VirtEngine localnet on loopback, for consensus tests.
#
#   bash chain/scripts/localnet4.sh start          build, init if needed, start all four
#   bash chain/scripts/localnet4.sh stop [i]       stop all, or validator i (0..3)
#   bash chain/scripts/localnet4.sh start-node i   (re)start validator i
#   bash chain/scripts/localnet4.sh status         height seen by each running node
#   bash chain/scripts/localnet4.sh reset          stop and wipe
#
# Each validator bonds the same stake, so one may stop and the chain goes on
# (3/4 > 2/3 of the power), while two stopped halt it until one returns.
# Validator i listens on 127.0.0.1: P2P 27000+10i, RPC 27001+10i, gRPC 27002+10i
# (REST off). Homes: ${VE_CHAIN4_HOME:-<repo>/.wrangler/chain4}/node<i>, logs node<i>.log.
# Chain id virtengine-local4; test keyring; the funded account "user" lives in node0's keyring.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHAIN_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
ROOT=$(cd "$CHAIN_DIR/.." && pwd)
BASE=${VE_CHAIN4_HOME:-.wrangler/chain4}
case "$BASE" in /*) ;; *) BASE="$ROOT/$BASE" ;; esac
CHAIN_ID=virtengine-local4
BIN="$CHAIN_DIR/build/virtengined"
N=4

home() { echo "$BASE/node$1"; }
p2p_port() { echo $((27000 + 10 * $1)); }
rpc_port() { echo $((27001 + 10 * $1)); }
grpc_port() { echo $((27002 + 10 * $1)); }
pid_file() { echo "$BASE/node$1.pid"; }
log() { echo "[localnet4] $*"; }

set_toml() { # FILE SECTION KEY VALUE (same helper as localnet.sh)
  local file=$1 section=$2 key=$3 value=$4 tmp
  tmp=$(mktemp)
  awk -v section="$section" -v key="$key" -v value="$value" '
    BEGIN { cur = "" }
    /^\[.*\]$/ { cur = substr($0, 2, length($0) - 2) }
    { if (cur == section && $0 ~ "^" key " *=") { print key " = " value; done = 1; next } print }
    END { if (!done) { print "missing " section "." key > "/dev/stderr"; exit 3 } }
  ' "$file" > "$tmp" && mv "$tmp" "$file"
}

running_pid() {
  local f; f=$(pid_file "$1")
  [[ -f "$f" ]] || return 1
  local pid; pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then echo "$pid"; return 0; fi
  rm -f "$f"; return 1
}

height() {
  "$BIN" status --node "tcp://127.0.0.1:$(rpc_port "$1")" 2>/dev/null |
    sed -n 's/.*"latest_block_height":"\([0-9]*\)".*/\1/p'
}

build() {
  (cd "$CHAIN_DIR" && go build -o "$BIN" ./cmd/virtengined)
}

init_net() {
  [[ -f "$(home 0)/config/genesis.json" ]] && return 0
  log "initializing $N validators in $BASE"
  mkdir -p "$BASE"
  local i h addr
  for i in $(seq 0 $((N - 1))); do
    h=$(home "$i")
    "$BIN" init "val$i" --chain-id "$CHAIN_ID" --home "$h" >/dev/null 2>&1
    "$BIN" keys add "val$i" --keyring-backend test --home "$h" >/dev/null 2>&1
    addr=$("$BIN" keys show "val$i" -a --keyring-backend test --home "$h")
    "$BIN" genesis add-genesis-account "$addr" 1000000000000uve --home "$h"
    "$BIN" genesis gentx "val$i" 100000000uve --chain-id "$CHAIN_ID" --keyring-backend test --home "$h" >/dev/null 2>&1
    if [[ $i -gt 0 ]]; then
      "$BIN" genesis add-genesis-account "$addr" 1000000000000uve --home "$(home 0)"
      cp "$h"/config/gentx/*.json "$(home 0)/config/gentx/"
    fi
  done
  "$BIN" keys add user --keyring-backend test --home "$(home 0)" >/dev/null 2>&1
  local user; user=$("$BIN" keys show user -a --keyring-backend test --home "$(home 0)")
  "$BIN" genesis add-genesis-account "$user" 1000000000000uve --home "$(home 0)"
  "$BIN" genesis add-role "$user" genesis-account --home "$(home 0)"
  "$BIN" genesis collect-gentxs --home "$(home 0)" >/dev/null 2>&1
  "$BIN" genesis validate "$(home 0)/config/genesis.json" --home "$(home 0)" >/dev/null

  local peers="" id
  for i in $(seq 0 $((N - 1))); do
    id=$("$BIN" comet show-node-id --home "$(home "$i")")
    peers+="${peers:+,}$id@127.0.0.1:$(p2p_port "$i")"
  done
  for i in $(seq 0 $((N - 1))); do
    h=$(home "$i")
    [[ $i -gt 0 ]] && cp "$(home 0)/config/genesis.json" "$h/config/genesis.json"
    local cfg="$h/config/config.toml" app="$h/config/app.toml"
    set_toml "$cfg" consensus timeout_commit '"1s"'
    set_toml "$cfg" consensus timeout_propose '"1s"'
    set_toml "$cfg" rpc laddr "\"tcp://127.0.0.1:$(rpc_port "$i")\""
    set_toml "$cfg" rpc pprof_laddr '""'
    set_toml "$cfg" p2p laddr "\"tcp://127.0.0.1:$(p2p_port "$i")\""
    set_toml "$cfg" p2p persistent_peers "\"$peers\""
    set_toml "$cfg" p2p pex 'false'
    set_toml "$cfg" p2p addr_book_strict 'false'
    set_toml "$cfg" p2p allow_duplicate_ip 'true'
    set_toml "$app" "" minimum-gas-prices '"0uve"'
    set_toml "$app" api enable 'false'
    set_toml "$app" grpc address "\"127.0.0.1:$(grpc_port "$i")\""
  done
}

start_node() {
  local i=$1
  if pid=$(running_pid "$i"); then log "node$i already running (pid $pid)"; return 0; fi
  nohup "$BIN" start --home "$(home "$i")" --log_no_color >> "$BASE/node$i.log" 2>&1 &
  echo $! > "$(pid_file "$i")"
  log "node$i started (pid $!, RPC 127.0.0.1:$(rpc_port "$i"))"
}

stop_node() {
  local i=$1 pid
  if pid=$(running_pid "$i"); then
    kill -INT "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
    rm -f "$(pid_file "$i")"
    log "node$i stopped"
  fi
}

case "${1:-start}" in
  start)
    build
    init_net
    for i in $(seq 0 $((N - 1))); do start_node "$i"; done
    for _ in $(seq 1 120); do
      h=$(height 0 || true)
      [[ -n "$h" && "$h" -ge 1 ]] && break
      sleep 0.5
    done
    log "chain $CHAIN_ID at height ${h:-?}; node0 RPC http://127.0.0.1:$(rpc_port 0)"
    ;;
  start-node) build; start_node "${2:?validator index 0..3}" ;;
  stop)
    if [[ -n "${2:-}" ]]; then stop_node "$2"; else for i in $(seq 0 $((N - 1))); do stop_node "$i"; done; fi
    ;;
  status)
    for i in $(seq 0 $((N - 1))); do
      if pid=$(running_pid "$i"); then echo "node$i pid $pid height $(height "$i" || echo '?')"; else echo "node$i stopped"; fi
    done
    ;;
  reset)
    for i in $(seq 0 $((N - 1))); do stop_node "$i"; done
    rm -rf "$BASE"
    log "wiped $BASE"
    ;;
  *) sed -n '2,16p' "$0"; exit 2 ;;
esac
