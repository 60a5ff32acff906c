package types

import errorsmod "cosmossdk.io/errors"

// Registered error codes; part of the client API, never renumber.
var (
	ErrInvalidAddress  = errorsmod.Register(ModuleName, 2, "invalid address")
	ErrInvalidID       = errorsmod.Register(ModuleName, 3, "invalid escrow id")
	ErrInvalidAmount   = errorsmod.Register(ModuleName, 4, "invalid amount")
	ErrWrongDenom      = errorsmod.Register(ModuleName, 5, "wrong denom")
	ErrAccountNotFound = errorsmod.Register(ModuleName, 6, "escrow account not found")
	ErrAccountExists   = errorsmod.Register(ModuleName, 7, "escrow account already exists")
	ErrAccountClosed   = errorsmod.Register(ModuleName, 8, "escrow account is closed")
	ErrPaymentNotFound = errorsmod.Register(ModuleName, 9, "payment not found")
	ErrPaymentExists   = errorsmod.Register(ModuleName, 10, "payment already exists")
	ErrPaymentClosed   = errorsmod.Register(ModuleName, 11, "payment is closed")
	ErrUnauthorized    = errorsmod.Register(ModuleName, 12, "signer is not the payee")
	ErrInvalidParams   = errorsmod.Register(ModuleName, 13, "invalid params")
	ErrInvalidGenesis  = errorsmod.Register(ModuleName, 14, "invalid genesis state")
)
