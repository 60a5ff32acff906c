package types

import errorsmod "cosmossdk.io/errors"

// Registered error codes; part of the client API, never renumber.
var (
	ErrInvalidAddress     = errorsmod.Register(ModuleName, 2, "invalid address")
	ErrInvalidScope       = errorsmod.Register(ModuleName, 3, "invalid scope commitment")
	ErrScopeNotFound      = errorsmod.Register(ModuleName, 4, "scope not found")
	ErrTooManyScopes      = errorsmod.Register(ModuleName, 5, "too many scopes")
	ErrUnknownSealKey     = errorsmod.Register(ModuleName, 6, "scope sealed to a validator key that is not registered")
	ErrNoActiveScopes     = errorsmod.Register(ModuleName, 7, "account has no active scope to score")
	ErrRoundOpen          = errorsmod.Register(ModuleName, 8, "a scoring round is already open for this account")
	ErrRoundNotFound      = errorsmod.Register(ModuleName, 9, "round not found")
	ErrRoundClosed        = errorsmod.Register(ModuleName, 10, "round is not open")
	ErrNotBondedValidator = errorsmod.Register(ModuleName, 11, "signer is not a bonded validator operator")
	ErrAlreadyAttested    = errorsmod.Register(ModuleName, 12, "validator already attested in this round")
	ErrInvalidScore       = errorsmod.Register(ModuleName, 13, "score must be 0..100")
	ErrNoScore            = errorsmod.Register(ModuleName, 14, "account has no score")
	ErrInvalidParams      = errorsmod.Register(ModuleName, 15, "invalid params")
	ErrInvalidGenesis     = errorsmod.Register(ModuleName, 16, "invalid genesis state")
	ErrUnapprovedPipeline = errorsmod.Register(ModuleName, 17, "scoring pipeline is not approved by governance")
)
