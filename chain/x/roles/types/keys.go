package types

import "cosmossdk.io/collections"

const (
	ModuleName = "roles"
	StoreKey   = ModuleName
	RouterKey  = ModuleName
)

// Store prefixes. One byte each; never reuse a retired one.
var (
	ParamsKey          = collections.NewPrefix(0)
	RolesKey           = collections.NewPrefix(1) // (address, role) -> RoleAssignment
	RoleMembersKey     = collections.NewPrefix(2) // (role, address) index for RoleMembers
	AccountStatusKey   = collections.NewPrefix(3) // address -> AccountStatus (absent = active)
	EncryptionKeysKey  = collections.NewPrefix(4) // (address, version) -> EncryptionKey
	AppealsKey         = collections.NewPrefix(5) // id -> Appeal
	AppealSeqKey       = collections.NewPrefix(6)
	PendingAppealByKey = collections.NewPrefix(7) // appellant -> pending appeal id
)
