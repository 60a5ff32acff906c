#!/usr/bin/env bash
# Single-validator VirtEngine localnet on 127.0.0.1.
#
#   bash chain/scripts/localnet.sh            build, init if needed, start; stays in the
#                                             foreground (Ctrl-C / SIGTERM stops the node)
#   bash chain/scripts/localnet.sh --detach   same, but return once the chain makes blocks
#   bash chain/scripts/localnet.sh --stop     stop a node started by this script
#   bash chain/scripts/localnet.sh --reset    wipe the chain home first (new genesis)
#
# Idempotent: if a node already answers on the RPC port it says so and exits 0,
# so `npm start` can call it every time.
#
# Environment:
#   VE_CHAIN_HOME       chain home (default <repo>/.wrangler/chain; relative = from repo root)
#   VE_CHAIN_ID         chain id (default virtengine-local)
#   VE_CHAIN_RPC_PORT   CometBFT RPC (default 26657)
#   VE_CHAIN_GRPC_PORT  gRPC (default 9090)
#   VE_CHAIN_API_PORT   REST / gRPC-gateway (default 1317)
#   VE_CHAIN_P2P_PORT   P2P (default 26656)
#   VE_CHAIN_PPROF_LADDR  Go pprof listen address (default: off)
#
# Accounts (keyring-backend test, in the chain home): validator, genesis-admin
# (role GenesisAccount), provider (ServiceProvider), customer1, customer2
# (Customer). Their addresses and mnemonics are written to <home>/accounts.json
# for the bridge and tests. Test keys only: never use them anywhere real.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHAIN_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
ROOT=$(cd "$CHAIN_DIR/.." && pwd)

HOME_DIR=${VE_CHAIN_HOME:-.wrangler/chain}
case "$HOME_DIR" in /*) ;; *) HOME_DIR="$ROOT/$HOME_DIR" ;; esac
CHAIN_ID=${VE_CHAIN_ID:-virtengine-local}
RPC_PORT=${VE_CHAIN_RPC_PORT:-26657}
GRPC_PORT=${VE_CHAIN_GRPC_PORT:-9090}
API_PORT=${VE_CHAIN_API_PORT:-1317}
P2P_PORT=${VE_CHAIN_P2P_PORT:-26656}
BIN="$CHAIN_DIR/build/virtengined"
PID_FILE="$HOME_DIR/virtengined.pid"
NODE="tcp://127.0.0.1:$RPC_PORT"
KR=(--keyring-backend test --home "$HOME_DIR")

DETACH=0
for arg in "$@"; do
  case "$arg" in
    --detach) DETACH=1 ;;
    --reset) RESET=1 ;;
    --stop) STOP=1 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

log() { echo "[localnet] $*"; }

node_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid; pid=$(cat "$PID_FILE")
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; return 0; fi
  rm -f "$PID_FILE"; return 1
}

rpc_up() { "$BIN" status --node "$NODE" >/dev/null 2>&1; }

height() {
  "$BIN" status --node "$NODE" 2>/dev/null | sed -n 's/.*"latest_block_height":"\([0-9]*\)".*/\1/p'
}

if [[ "${STOP:-0}" == 1 ]]; then
  if pid=$(node_pid); then
    log "stopping virtengined (pid $pid)"
    kill -INT "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    rm -f "$PID_FILE"
  else
    log "no node started by this script is running"
  fi
  exit 0
fi

command -v go >/dev/null || { echo "Go is required to build virtengined (see chain/README.md)" >&2; exit 1; }

# Build: go's build cache makes this a few seconds when nothing changed.
log "building $BIN"
(cd "$CHAIN_DIR" && go build -o "$BIN" ./cmd/virtengined)

if rpc_up; then
  running_id=$("$BIN" status --node "$NODE" 2>/dev/null | sed -n 's/.*"network":"\([^"]*\)".*/\1/p')
  log "a node is already running on $NODE (chain-id ${running_id:-?}, height $(height)); not starting another"
  exit 0
fi
if pid=$(node_pid); then
  log "virtengined (pid $pid) is running but its RPC does not answer on $NODE; stop it with --stop" >&2
  exit 1
fi

if [[ "${RESET:-0}" == 1 ]]; then
  log "resetting $HOME_DIR"
  rm -rf "$HOME_DIR"
fi

# set_toml FILE SECTION KEY VALUE: set KEY inside [SECTION] ("" = top level),
# because the same key (laddr, address, enable) appears in several sections.
set_toml() {
  local file=$1 section=$2 key=$3 value=$4 tmp
  tmp=$(mktemp)
  awk -v section="$section" -v key="$key" -v value="$value" '
    BEGIN { cur = "" }
    /^\[.*\]$/ { cur = substr($0, 2, length($0) - 2) }
    {
      if (cur == section && $0 ~ "^" key " *=") { print key " = " value; done = 1; next }
      print
    }
    END { if (!done) { print "missing " section "." key > "/dev/stderr"; exit 3 } }
  ' "$file" > "$tmp" && mv "$tmp" "$file"
}

ACCOUNTS=(validator genesis-admin provider customer1 customer2)

if [[ ! -f "$HOME_DIR/config/genesis.json" ]]; then
  log "initializing $CHAIN_ID in $HOME_DIR"
  mkdir -p "$HOME_DIR"
  "$BIN" init localnet --chain-id "$CHAIN_ID" --home "$HOME_DIR" >/dev/null 2>&1
  echo "[" > "$HOME_DIR/accounts.json.tmp"
  sep=""
  for name in "${ACCOUNTS[@]}"; do
    out=$("$BIN" keys add "$name" "${KR[@]}" --output json 2>&1)
    addr=$(echo "$out" | sed -n 's/.*"address":"\([^"]*\)".*/\1/p')
    mnemonic=$(echo "$out" | sed -n 's/.*"mnemonic":"\([^"]*\)".*/\1/p')
    [[ -n "$addr" ]] || { echo "keys add $name failed: $out" >&2; exit 1; }
    # 1,000,000 VE each (1 VE = 10^6 uve).
    "$BIN" genesis add-genesis-account "$addr" 1000000000000uve --home "$HOME_DIR"
    printf '%s\n  {"name": "%s", "address": "%s", "mnemonic": "%s"}' "$sep" "$name" "$addr" "$mnemonic" >> "$HOME_DIR/accounts.json.tmp"
    sep=","
  done
  printf '\n]\n' >> "$HOME_DIR/accounts.json.tmp"
  mv "$HOME_DIR/accounts.json.tmp" "$HOME_DIR/accounts.json"
  chmod 600 "$HOME_DIR/accounts.json"

  addr_of() { "$BIN" keys show "$1" -a "${KR[@]}"; }
  "$BIN" genesis add-role "$(addr_of genesis-admin)" genesis-account --home "$HOME_DIR"
  "$BIN" genesis add-role "$(addr_of provider)" service-provider --home "$HOME_DIR"
  "$BIN" genesis add-role "$(addr_of customer1)" customer --home "$HOME_DIR"
  "$BIN" genesis add-role "$(addr_of customer2)" customer --home "$HOME_DIR"
  "$BIN" genesis add-role "$(addr_of validator)" staker --home "$HOME_DIR"

  "$BIN" genesis gentx validator 100000000uve --chain-id "$CHAIN_ID" --moniker localnet "${KR[@]}" >/dev/null 2>&1
  "$BIN" genesis collect-gentxs --home "$HOME_DIR" >/dev/null 2>&1
  # Short gov periods so proposals (e.g. param changes) finish in a local session.
  genesis="$HOME_DIR/config/genesis.json"
  sed -i 's/"voting_period": "172800s"/"voting_period": "60s"/; s/"expedited_voting_period": "86400s"/"expedited_voting_period": "30s"/; s/"max_deposit_period": "172800s"/"max_deposit_period": "60s"/' "$genesis"
  # The repo's identity scoring pipeline, approved as governance would (x/veid approved_pipelines).
  (cd "$ROOT" && node --import tsx scripts/genesis-pipeline.ts "$genesis") >/dev/null
  "$BIN" genesis validate "$genesis" --home "$HOME_DIR" >/dev/null
fi

# Configuration is (re)applied on every start so port variables take effect.
cfg="$HOME_DIR/config/config.toml"
app="$HOME_DIR/config/app.toml"
set_toml "$cfg" consensus timeout_commit '"1s"'
set_toml "$cfg" consensus timeout_propose '"1s"'
set_toml "$cfg" rpc laddr "\"tcp://127.0.0.1:$RPC_PORT\""
set_toml "$cfg" p2p laddr "\"tcp://127.0.0.1:$P2P_PORT\""
# Go pprof for profiling the node (e.g. VE_CHAIN_PPROF_LADDR=127.0.0.1:19250); off by default.
set_toml "$cfg" rpc pprof_laddr "\"${VE_CHAIN_PPROF_LADDR:-}\""
set_toml "$cfg" p2p pex 'false'
set_toml "$cfg" p2p addr_book_strict 'false'
set_toml "$app" "" minimum-gas-prices '"0uve"'
set_toml "$app" api enable 'true'
set_toml "$app" api address "\"tcp://127.0.0.1:$API_PORT\""
set_toml "$app" api enabled-unsafe-cors 'true'
set_toml "$app" grpc enable 'true'
set_toml "$app" grpc address "\"127.0.0.1:$GRPC_PORT\""
client="$HOME_DIR/config/client.toml"
set_toml "$client" "" chain-id "\"$CHAIN_ID\""
set_toml "$client" "" keyring-backend '"test"'
set_toml "$client" "" node "\"$NODE\""

# Plain logs unless a person is watching a terminal (npm start writes .run/chain.log).
COLOR=()
[[ -t 1 && $DETACH == 0 ]] || COLOR=(--log_no_color)
if [[ $DETACH == 1 ]]; then
  NODE_LOG="$HOME_DIR/node.log"
  log "starting virtengined in the background (log: $NODE_LOG)"
  nohup "$BIN" start --home "$HOME_DIR" "${COLOR[@]}" > "$NODE_LOG" 2>&1 &
else
  NODE_LOG=""
  "$BIN" start --home "$HOME_DIR" "${COLOR[@]}" &
fi
pid=$!
echo "$pid" > "$PID_FILE"

stop_node() {
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
  exit 0
}
[[ $DETACH == 1 ]] || trap stop_node INT TERM

# Ready = RPC answers and at least one block is committed.
for _ in $(seq 1 120); do
  if ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$PID_FILE"
    echo "virtengined exited during startup" >&2
    [[ -n "$NODE_LOG" ]] && tail -n 30 "$NODE_LOG" >&2
    exit 1
  fi
  h=$(height || true)
  if [[ -n "$h" && "$h" -ge 1 ]]; then break; fi
  sleep 0.5
done

# First start only: give the demo provider its public x/market record, so it
# can list offerings right away. A failure here only warns.
if [[ ! -f "$HOME_DIR/.provider-registered" ]]; then
  if out=$("$BIN" tx market upsert-provider --name "Local demo provider" --host-uri "http://127.0.0.1:${PORT:-8787}" \
      --from provider "${KR[@]}" --chain-id "$CHAIN_ID" --node "$NODE" -y -o json 2>&1) && [[ "$out" == *'"code":0'* ]]; then
    touch "$HOME_DIR/.provider-registered"
    log "registered the demo provider's x/market record"
  else
    log "warning: could not register the demo provider record: $out"
  fi
fi

cat <<EOF
[localnet] virtengined is running (pid $pid), chain-id $CHAIN_ID, height ${h:-?}
  home      $HOME_DIR
  binary    $BIN
  RPC       http://127.0.0.1:$RPC_PORT   (CometBFT)
  gRPC      127.0.0.1:$GRPC_PORT
  REST      http://127.0.0.1:$API_PORT
  accounts  $HOME_DIR/accounts.json (keyring-backend test):
EOF
for name in "${ACCOUNTS[@]}"; do
  printf '    %-14s %s\n' "$name" "$("$BIN" keys show "$name" -a "${KR[@]}")"
done
echo "  try: $BIN q roles account \$($BIN keys show genesis-admin -a --keyring-backend test --home $HOME_DIR) --home $HOME_DIR"

if [[ $DETACH == 1 ]]; then
  log "detached; stop with: bash chain/scripts/localnet.sh --stop"
  exit 0
fi
wait "$pid"
rm -f "$PID_FILE"
