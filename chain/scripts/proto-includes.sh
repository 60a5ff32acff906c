#!/usr/bin/env bash
# Prints the protoc include flags shared by the Go and TypeScript generators: our proto/ tree plus
# gogoproto, cosmos_proto and the cosmos-sdk protos from the Go module cache at the versions
# chain/go.mod pins, so generated code always matches the Go app. Run from chain/.
set -euo pipefail
go mod download github.com/cosmos/gogoproto github.com/cosmos/cosmos-proto github.com/cosmos/cosmos-sdk
moddir() { go list -m -f '{{.Dir}}' "$1"; }
echo "-I proto -I $(moddir github.com/cosmos/gogoproto) -I $(moddir github.com/cosmos/cosmos-proto)/proto -I $(moddir github.com/cosmos/cosmos-sdk)/proto -I /usr/include"
