package types

import (
	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

func DefaultParams() Params {
	return Params{
		MaxBidsPerOrder: 20, // Akash's order_max_bids default
		BidMinDeposit:   sdk.NewInt64Coin(sdk.DefaultBondDenom, 500_000),
		OrderMinDeposit: sdk.NewInt64Coin(sdk.DefaultBondDenom, 1_000_000),
	}
}

func (p Params) Validate() error {
	if p.MaxBidsPerOrder == 0 || p.MaxBidsPerOrder > 1000 {
		return errorsmod.Wrapf(ErrInvalidParams, "max_bids_per_order must be in 1..1000, got %d", p.MaxBidsPerOrder)
	}
	if err := p.BidMinDeposit.Validate(); err != nil || p.BidMinDeposit.IsNegative() {
		return errorsmod.Wrapf(ErrInvalidParams, "bid_min_deposit %s", p.BidMinDeposit)
	}
	if err := p.OrderMinDeposit.Validate(); err != nil || !p.OrderMinDeposit.IsPositive() {
		return errorsmod.Wrapf(ErrInvalidParams, "order_min_deposit must be positive, got %s", p.OrderMinDeposit)
	}
	return nil
}
