#!/usr/bin/env bash
# Regenerates x/*/types/*.pb.go from proto/ with plain protoc + protoc-gen-gocosmos.
# The generated files are committed, so building needs none of this; run it only
# after editing a .proto. Needs: protoc (Debian: protobuf-compiler) and
#   go install github.com/cosmos/gogoproto/protoc-gen-gocosmos@v1.7.2
# Imports come from scripts/proto-includes.sh (shared with protocgen-ts.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$(go env GOPATH)/bin:$PATH"
command -v protoc >/dev/null || { echo "protoc missing: apt-get install -y protobuf-compiler" >&2; exit 1; }
command -v protoc-gen-gocosmos >/dev/null || go install github.com/cosmos/gogoproto/protoc-gen-gocosmos@v1.7.2

read -r -a INCLUDES <<<"$(scripts/proto-includes.sh)"

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for dir in $(find proto -name '*.proto' -exec dirname {} \; | sort -u); do
  protoc "${INCLUDES[@]}" \
    --gocosmos_out=plugins=grpc,Mgoogle/protobuf/any.proto=github.com/cosmos/gogoproto/types/any:"$out" \
    "$dir"/*.proto
done
# protoc writes by go_package path; copy into this module's tree.
cp -r "$out"/github.com/virtengine/virtengine/chain/* ./
echo "generated: $(cd "$out" && find . -name '*.pb.go' | wc -l) files"
