#!/usr/bin/env bash
# Consensus check on the 4-validator loopback localnet (scripts/localnet4.sh):
#   1. all four up: blocks are made; a bank send is committed
#   2. one validator stopped: the chain keeps making blocks (3/4 > 2/3)
#   3. two stopped: the chain halts (2/4 < 2/3)
#   4. both restarted: the chain resumes, and the committed send is still there
# Every wait is bounded; the network is wiped before and after. Takes ~1-2 min.
# Prints "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHAIN_DIR=$(cd "$SCRIPT_DIR/.." && pwd)
export VE_CHAIN4_HOME=${VE_CHAIN4_HOME:-$(mktemp -d /tmp/ve-consensus.XXXXXX)}
NET="bash $SCRIPT_DIR/localnet4.sh"
BIN="$CHAIN_DIR/build/virtengined"
H0="$VE_CHAIN4_HOME/node0"
passed=0 failed=0

ok() { echo "ok   $*"; passed=$((passed + 1)); }
bad() { echo "FAIL $*"; failed=$((failed + 1)); }
height_of() {
  "$BIN" status --node "tcp://127.0.0.1:$1" 2>/dev/null | sed -n 's/.*"latest_block_height":"\([0-9]*\)".*/\1/p'
}
# wait_growth PORT SECONDS: succeeds once height grows by >= 2 within SECONDS.
wait_growth() {
  local start now; start=$(height_of "$1"); start=${start:-0}
  for _ in $(seq 1 $(($2 * 2))); do
    sleep 0.5
    now=$(height_of "$1"); now=${now:-0}
    [[ $now -ge $((start + 2)) ]] && return 0
  done
  return 1
}

cleanup() { $NET reset >/dev/null 2>&1 || true; }
trap cleanup EXIT

$NET reset >/dev/null
$NET start || { bad "localnet4 did not start"; echo "0 passed, 1 failed"; exit 1; }

if wait_growth 27001 30; then ok "four validators produce blocks"; else bad "no blocks with four validators"; fi

to=$("$BIN" keys show val0 -a --keyring-backend test --home "$H0" 2>/dev/null || true)
[[ -n "$to" ]] || to=$("$BIN" keys show user -a --keyring-backend test --home "$H0")
out=$("$BIN" tx bank send user "$to" 12345uve --keyring-backend test --home "$H0" --chain-id virtengine-local4 \
  --node tcp://127.0.0.1:27001 -y -o json 2>&1)
txhash=$(echo "$out" | sed -n 's/.*"txhash":"\([0-9A-F]*\)".*/\1/p')
committed=""
for _ in $(seq 1 30); do
  sleep 0.5
  if "$BIN" q tx "$txhash" --node tcp://127.0.0.1:27001 -o json 2>/dev/null | grep -q '"code":0'; then committed=1; break; fi
done
if [[ -n "$committed" ]]; then ok "bank send $txhash committed"; else bad "bank send not committed: $out"; fi

$NET stop 3 >/dev/null
if wait_growth 27001 30; then ok "chain continues with one validator stopped"; else bad "chain stalled with only one validator down"; fi

$NET stop 2 >/dev/null
sleep 3 # let in-flight rounds finish
h1=$(height_of 27001); sleep 8; h2=$(height_of 27001)
if [[ -n "$h1" && "$h1" == "$h2" ]]; then ok "chain halts with two of four stopped (height $h1)"; else bad "chain kept going with two validators down ($h1 -> $h2)"; fi

$NET start-node 2 >/dev/null
$NET start-node 3 >/dev/null
if wait_growth 27001 60; then ok "chain resumes after restarting both"; else bad "chain did not resume"; fi

for port in 27001 27021 27031; do
  if "$BIN" q tx "$txhash" --node "tcp://127.0.0.1:$port" -o json 2>/dev/null | grep -q '"code":0'; then
    ok "committed send still present via node on $port"
  else
    bad "committed send missing on node $port"
  fi
done

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
