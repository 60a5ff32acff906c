package types

import (
	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

const (
	DefaultSettleInterval       uint64 = 10
	DefaultOverdraftGraceBlocks uint64 = 600 // ten minutes at 1 s blocks
)

func DefaultParams() Params {
	return Params{
		SettleInterval:       DefaultSettleInterval,
		OverdraftGraceBlocks: DefaultOverdraftGraceBlocks,
		Denom:                sdk.DefaultBondDenom,
	}
}

func (p Params) Validate() error {
	if p.SettleInterval == 0 || p.SettleInterval > 100_000 {
		return errorsmod.Wrapf(ErrInvalidParams, "settle_interval must be in 1..100000, got %d", p.SettleInterval)
	}
	if p.OverdraftGraceBlocks > 10_000_000 {
		return errorsmod.Wrapf(ErrInvalidParams, "overdraft_grace_blocks too large: %d", p.OverdraftGraceBlocks)
	}
	if err := sdk.ValidateDenom(p.Denom); err != nil {
		return errorsmod.Wrapf(ErrInvalidParams, "denom: %s", err)
	}
	return nil
}
