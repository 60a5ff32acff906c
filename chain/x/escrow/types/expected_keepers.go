package types

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

type BankKeeper interface {
	SendCoinsFromAccountToModule(ctx context.Context, sender sdk.AccAddress, module string, amt sdk.Coins) error
	SendCoinsFromModuleToAccount(ctx context.Context, module string, recipient sdk.AccAddress, amt sdk.Coins) error
	GetBalance(ctx context.Context, addr sdk.AccAddress, denom string) sdk.Coin
}

type AccountKeeper interface {
	GetModuleAddress(name string) sdk.AccAddress
}

// Hooks lets x/market react to funds running out without escrow knowing
// about leases.
type Hooks interface {
	// OnAccountOverdrawn: payments stopped for lack of funds.
	OnAccountOverdrawn(ctx context.Context, acc Account) error
	// OnAccountRestored: a deposit paid the overdraft within the grace period.
	OnAccountRestored(ctx context.Context, acc Account) error
	// OnAccountClosedOverdrawn: the grace period passed; the account is closed.
	OnAccountClosedOverdrawn(ctx context.Context, acc Account) error
}
