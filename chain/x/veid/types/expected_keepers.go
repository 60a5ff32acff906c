package types

import (
	"context"

	sdkmath "cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"
)

type StakingKeeper interface {
	GetValidator(ctx context.Context, addr sdk.ValAddress) (stakingtypes.Validator, error)
	GetLastValidatorPower(ctx context.Context, operator sdk.ValAddress) (int64, error)
	GetLastTotalPower(ctx context.Context) (sdkmath.Int, error)
}

// EncryptionKeys checks a validator operator published the key a scope is sealed to.
type EncryptionKeys interface {
	HasEncryptionKey(ctx context.Context, owner sdk.AccAddress, version uint32) (bool, error)
}
