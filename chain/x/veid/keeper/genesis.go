package keeper

import (
	"context"

	"cosmossdk.io/collections"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/virtengine/virtengine/chain/x/veid/types"
)

func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for _, s := range gs.Scopes {
		a, err := k.addr("scope owner", s.Owner)
		if err != nil {
			return err
		}
		if err := k.Scopes.Set(ctx, collections.Join(a, s.ScopeId), s); err != nil {
			return err
		}
	}
	for _, r := range gs.Rounds {
		if err := k.Rounds.Set(ctx, r.Id, r); err != nil {
			return err
		}
		if r.State == types.ROUND_STATE_OPEN {
			a, err := k.addr("round account", r.Account)
			if err != nil {
				return err
			}
			if err := k.OpenRound.Set(ctx, a, r.Id); err != nil {
				return err
			}
			if err := k.RoundDeadlines.Set(ctx, collections.Join(r.Deadline, r.Id)); err != nil {
				return err
			}
		}
	}
	for _, s := range gs.Scores {
		a, err := k.addr("score account", s.Account)
		if err != nil {
			return err
		}
		if err := k.Scores.Set(ctx, collections.Join(a, s.RoundId), s); err != nil {
			return err
		}
	}
	return k.RoundSeq.Set(ctx, gs.NextRoundId-1)
}

func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p}
	if err := k.Scopes.Walk(ctx, nil, func(_ collections.Pair[sdk.AccAddress, string], s types.ScopeCommitment) (bool, error) {
		gs.Scopes = append(gs.Scopes, s)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Rounds.Walk(ctx, nil, func(_ uint64, r types.Round) (bool, error) {
		gs.Rounds = append(gs.Rounds, r)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Scores.Walk(ctx, nil, func(_ collections.Pair[sdk.AccAddress, uint64], s types.Score) (bool, error) {
		gs.Scores = append(gs.Scores, s)
		return false, nil
	}); err != nil {
		return nil, err
	}
	seq, err := k.RoundSeq.Peek(ctx)
	if err != nil {
		return nil, err
	}
	gs.NextRoundId = seq + 1
	return gs, nil
}
