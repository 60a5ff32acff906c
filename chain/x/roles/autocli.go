package roles

import (
	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"

	"github.com/virtengine/virtengine/chain/x/roles/types"
)

// AutoCLIOptions builds `virtengined query roles ...` and `virtengined tx roles ...`
// from the gRPC service descriptors. autocli takes enum values in its short
// form (moderator, service-provider, suspended, ...); the public key as base64.
func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.QueryServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show x/roles params"},
				{RpcMethod: "AccountRoles", Use: "account [address]", Short: "Roles and state of an account",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "address"}}},
				{RpcMethod: "RoleMembers", Use: "members [role]", Short: "Accounts holding a role",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "role"}}},
				{RpcMethod: "AccountState", Use: "state [address]", Short: "State of an account",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "address"}}},
				{RpcMethod: "EncryptionKey", Use: "encryption-key [address] [version]", Short: "An account's encryption key (version 0 = latest)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "address"}, {ProtoField: "version", Optional: true}}},
				{RpcMethod: "EncryptionKeys", Use: "encryption-keys [address]", Short: "All stored key versions of an account",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "address"}}},
				{RpcMethod: "Appeal", Use: "appeal [id]", Short: "One appeal",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}}},
				{RpcMethod: "Appeals", Use: "appeals", Short: "List appeals (--pending-only)"},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: types.MsgServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "NominateRole", Use: "nominate [address] [role]", Short: "Grant a role (GenesisAccount/Administrator)",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "address"}, {ProtoField: "role"}}},
				{RpcMethod: "RevokeRole", Use: "revoke [address] [role]", Short: "Revoke a role",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "address"}, {ProtoField: "role"}}},
				{RpcMethod: "SetAccountState", Use: "set-state [address] [state] [reason]", Short: "Suspend, terminate or reactivate an account",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "address"}, {ProtoField: "state"}, {ProtoField: "reason", Optional: true}}},
				{RpcMethod: "SubmitAppeal", Use: "appeal [reason]", Short: "Appeal a suspension to the moderators",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "reason"}}},
				{RpcMethod: "ResolveAppeal", Use: "resolve-appeal [appeal-id] [approve] [note]", Short: "Approve (true) or reject (false) an appeal",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "appeal_id"}, {ProtoField: "approve"}, {ProtoField: "note", Optional: true}}},
				{RpcMethod: "RegisterEncryptionKey", Use: "register-key [public-key-base64] [version]", Short: "Publish an X25519 public key version",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "public_key"}, {ProtoField: "version"}}},
				{RpcMethod: "UpdateParams", Skip: true}, // gov only
			},
		},
	}
}
