package keeper

import (
	"context"

	"cosmossdk.io/collections"

	"github.com/virtengine/virtengine/chain/x/escrow/types"
)

// InitGenesis loads state; the coins themselves are in the escrow module
// account's bank balance, which the solvency invariant ties to this state.
func (k *Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for _, a := range gs.Accounts {
		if err := k.Accounts.Set(ctx, a.Id, a); err != nil {
			return err
		}
		if a.State != types.ACCOUNT_STATE_CLOSED {
			if err := k.LiveAccounts.Set(ctx, a.Id); err != nil {
				return err
			}
		}
	}
	for _, p := range gs.Payments {
		if err := k.Payments.Set(ctx, collections.Join(p.AccountId, p.PaymentId), p); err != nil {
			return err
		}
	}
	return nil
}

func (k *Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p}
	if err := k.Accounts.Walk(ctx, nil, func(_ string, a types.Account) (bool, error) {
		gs.Accounts = append(gs.Accounts, a)
		return false, nil
	}); err != nil {
		return nil, err
	}
	err = k.Payments.Walk(ctx, nil, func(_ collections.Pair[string, string], pm types.Payment) (bool, error) {
		gs.Payments = append(gs.Payments, pm)
		return false, nil
	})
	return gs, err
}
