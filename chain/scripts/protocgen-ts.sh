#!/usr/bin/env bash
# Regenerates the bridge's TypeScript codecs (src/bridge/chain/gen/) from proto/ with protoc and
# ts-proto, the same .proto files the Go types come from. The output is committed; the test
# test/chain/proto-gen.test.ts regenerates into a temporary folder and fails when they differ.
#   usage: chain/scripts/protocgen-ts.sh [out-dir]      (default: src/bridge/chain/gen)
# Needs protoc (Debian: protobuf-compiler, installed by scripts/setup/15-protoc.sh) and the npm
# devDependency ts-proto. Besides our files, the two cosmos-sdk messages our messages embed
# (Coin, PageRequest/PageResponse) are generated too; option-only imports (gogoproto, amino,
# cosmos_proto, cosmos.msg) produce no code.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$(realpath -m "${1:-$ROOT/src/bridge/chain/gen}")
cd "$ROOT/chain"
command -v protoc >/dev/null || { echo "protoc missing: apt-get install -y protobuf-compiler" >&2; exit 1; }
read -r -a INCLUDES <<<"$(scripts/proto-includes.sh)"
rm -rf "$OUT" && mkdir -p "$OUT"
# forceLong=bigint: uint64/int64 as bigint, as cosmjs-types has them. removeEnumPrefix: OrderState.PENDING
# rather than OrderState.ORDER_STATE_PENDING. importSuffix=.ts: the repo imports TypeScript by its
# own file name. No JSON methods: the bridge only speaks binary protobuf.
OPTS=forceLong=bigint,esModuleInterop=true,removeEnumPrefix=true,unrecognizedEnum=false,outputJsonMethods=false,useExactTypes=false,importSuffix=.ts,emitImportedFiles=false,outputTypeAnnotations=static-only
protoc "${INCLUDES[@]}" \
  --plugin=protoc-gen-ts_proto="$ROOT/node_modules/.bin/protoc-gen-ts_proto" \
  --ts_proto_out="$OUT" --ts_proto_opt="$OPTS" \
  $(find proto -name '*.proto' | sort | sed 's|^proto/||') \
  cosmos/base/v1beta1/coin.proto cosmos/base/query/v1beta1/pagination.proto
echo "generated: $(find "$OUT" -name '*.ts' | wc -l) files in ${OUT#"$ROOT"/}"
