package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	sdkmath "cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/virtengine/virtengine/chain/x/escrow/types"
)

// RegisterInvariants registers the solvency invariant (used when an
// invariant registry such as x/crisis is wired; tests call it directly).
func RegisterInvariants(ir sdk.InvariantRegistry, k *Keeper, moduleAddr sdk.AccAddress) {
	ir.RegisterRoute(types.ModuleName, "solvency", SolvencyInvariant(k, moduleAddr))
}

// SolvencyInvariant: the module account holds exactly the sum of all account
// balances plus all earned-but-unwithdrawn payment balances. Any bug that
// creates or loses coins breaks this equality.
func SolvencyInvariant(k *Keeper, moduleAddr sdk.AccAddress) sdk.Invariant {
	return func(ctx sdk.Context) (string, bool) {
		held, expected, err := k.Holdings(ctx, moduleAddr)
		if err != nil {
			return sdk.FormatInvariant(types.ModuleName, "solvency", err.Error()), true
		}
		broken := !held.Equal(expected)
		return sdk.FormatInvariant(types.ModuleName, "solvency",
			fmt.Sprintf("module holds %s, accounts+payments sum to %s", held, expected)), broken
	}
}

// Holdings returns (module balance, sum of escrowed + earned amounts).
func (k *Keeper) Holdings(ctx context.Context, moduleAddr sdk.AccAddress) (sdkmath.Int, sdkmath.Int, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return sdkmath.Int{}, sdkmath.Int{}, err
	}
	sum := sdkmath.ZeroInt()
	if err := k.Accounts.Walk(ctx, nil, func(_ string, a types.Account) (bool, error) {
		sum = sum.Add(a.Balance.Amount)
		return false, nil
	}); err != nil {
		return sdkmath.Int{}, sdkmath.Int{}, err
	}
	err = k.Payments.Walk(ctx, nil, func(_ collections.Pair[string, string], pm types.Payment) (bool, error) {
		sum = sum.Add(pm.Balance.Amount)
		return false, nil
	})
	return k.bank.GetBalance(ctx, moduleAddr, p.Denom).Amount, sum, err
}
