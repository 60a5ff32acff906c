package types

import errorsmod "cosmossdk.io/errors"

// Registered errors: clients (the bridge, the edge API) match on codespace
// "roles" + code, so codes are part of the API and must never be renumbered.
var (
	ErrInvalidAddress       = errorsmod.Register(ModuleName, 2, "invalid address")
	ErrInvalidRole          = errorsmod.Register(ModuleName, 3, "invalid role")
	ErrUnauthorized         = errorsmod.Register(ModuleName, 4, "signer lacks the role required for this action")
	ErrRoleEscalation       = errorsmod.Register(ModuleName, 5, "role ranks above the signer's own")
	ErrGenesisOnlyRole      = errorsmod.Register(ModuleName, 6, "GenesisAccount role is set in genesis only")
	ErrRoleAlreadyAssigned  = errorsmod.Register(ModuleName, 7, "account already holds this role")
	ErrRoleNotAssigned      = errorsmod.Register(ModuleName, 8, "account does not hold this role")
	ErrInvalidAccountState  = errorsmod.Register(ModuleName, 9, "invalid account state")
	ErrAccountSuspended     = errorsmod.Register(ModuleName, 10, "account is suspended")
	ErrAccountTerminated    = errorsmod.Register(ModuleName, 11, "account is terminated")
	ErrNoStateChange        = errorsmod.Register(ModuleName, 12, "account is already in that state")
	ErrNotSuspended         = errorsmod.Register(ModuleName, 13, "account is not suspended")
	ErrAppealNotFound       = errorsmod.Register(ModuleName, 14, "appeal not found")
	ErrAppealNotPending     = errorsmod.Register(ModuleName, 15, "appeal is not pending")
	ErrAppealAlreadyPending = errorsmod.Register(ModuleName, 16, "account already has a pending appeal")
	ErrInvalidKey           = errorsmod.Register(ModuleName, 17, "invalid encryption public key")
	ErrKeyVersion           = errorsmod.Register(ModuleName, 18, "encryption key version must increase")
	ErrKeyNotFound          = errorsmod.Register(ModuleName, 19, "encryption key not found")
	ErrInvalidReason        = errorsmod.Register(ModuleName, 20, "invalid reason text")
	ErrInvalidParams        = errorsmod.Register(ModuleName, 21, "invalid params")
	ErrInvalidGenesis       = errorsmod.Register(ModuleName, 22, "invalid genesis state")
)
