#!/usr/bin/env bash
# Debian's protoc and the well-known .proto files (google/protobuf/descriptor.proto, imported by
# gogoproto), for test/chain/proto-gen.test.ts: it regenerates the bridge's TypeScript codecs from
# chain/proto (chain/scripts/protocgen-ts.sh) and compares them with the committed ones.
set -euo pipefail
PKGS=(protobuf-compiler libprotobuf-dev)
missing=()
for p in "${PKGS[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if ((${#missing[@]})); then
  echo "[setup] installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }
fi
test -f /usr/include/google/protobuf/descriptor.proto
protoc --version >/dev/null
