package types

import errorsmod "cosmossdk.io/errors"

// Registered error codes; part of the client API, never renumber.
var (
	ErrInvalidAddress   = errorsmod.Register(ModuleName, 2, "invalid address")
	ErrInvalidAmount    = errorsmod.Register(ModuleName, 3, "invalid amount")
	ErrWrongDenom       = errorsmod.Register(ModuleName, 4, "wrong denom")
	ErrInvalidOffering  = errorsmod.Register(ModuleName, 5, "invalid offering")
	ErrOfferingNotFound = errorsmod.Register(ModuleName, 6, "offering not found")
	ErrOfferingInactive = errorsmod.Register(ModuleName, 7, "offering is not active")
	ErrInvalidOrder     = errorsmod.Register(ModuleName, 8, "invalid order")
	ErrOrderNotFound    = errorsmod.Register(ModuleName, 9, "order not found")
	ErrOrderState       = errorsmod.Register(ModuleName, 10, "order is not in a state that allows this")
	ErrWrongSigner      = errorsmod.Register(ModuleName, 11, "signer is not the party allowed to do this")
	ErrNotProvider      = errorsmod.Register(ModuleName, 12, "account is not a ServiceProvider")
	ErrSelfBid          = errorsmod.Register(ModuleName, 13, "provider cannot bid on its own order")
	ErrDuplicateBid     = errorsmod.Register(ModuleName, 14, "provider already bid on this order")
	ErrBidAboveMax      = errorsmod.Register(ModuleName, 15, "bid price above the order's maximum")
	ErrTooManyBids      = errorsmod.Register(ModuleName, 16, "order has the maximum number of bids")
	ErrBidNotFound      = errorsmod.Register(ModuleName, 17, "bid not found")
	ErrBidState         = errorsmod.Register(ModuleName, 18, "bid is not open")
	ErrDepositTooLow    = errorsmod.Register(ModuleName, 19, "deposit below the minimum")
	ErrLeaseNotFound    = errorsmod.Register(ModuleName, 20, "lease not found")
	ErrLeaseState       = errorsmod.Register(ModuleName, 21, "lease is not in a state that allows this")
	ErrUnknownComponent = errorsmod.Register(ModuleName, 22, "component not in the order's plan")
	ErrInvalidUsage     = errorsmod.Register(ModuleName, 23, "invalid usage record")
	ErrInvalidParams    = errorsmod.Register(ModuleName, 24, "invalid params")
	ErrInvalidGenesis   = errorsmod.Register(ModuleName, 25, "invalid genesis state")
	ErrPlanNotFound     = errorsmod.Register(ModuleName, 26, "plan not found in offering")
	ErrIdentityScore    = errorsmod.Register(ModuleName, 27, "customer identity score below the offering's requirement")
)
