// Package keeper implements x/veid: identity scope commitments, scoring
// rounds attested by bonded validators, and the agreed scores. Scores are
// computed off chain (ML inference is not deterministic across machines);
// only attestations and the stake-weighted result are on chain.
package keeper

import (
	"context"
	"errors"
	"fmt"
	"math"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/virtengine/virtengine/chain/x/veid/types"
)

type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	authority    string
	staking      types.StakingKeeper
	keys         types.EncryptionKeys

	Schema         collections.Schema
	Params         collections.Item[types.Params]
	Scopes         collections.Map[collections.Pair[sdk.AccAddress, string], types.ScopeCommitment]
	Rounds         collections.Map[uint64, types.Round]
	RoundSeq       collections.Sequence
	OpenRound      collections.Map[sdk.AccAddress, uint64]
	RoundDeadlines collections.KeySet[collections.Pair[int64, uint64]]
	Scores         collections.Map[collections.Pair[sdk.AccAddress, uint64], types.Score]
}

func NewKeeper(cdc codec.BinaryCodec, storeService corestore.KVStoreService, addressCodec address.Codec,
	staking types.StakingKeeper, keys types.EncryptionKeys, authority string,
) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("invalid veid authority %q: %w", authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		cdc: cdc, addressCodec: addressCodec, authority: authority, staking: staking, keys: keys,
		Params: collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Scopes: collections.NewMap(sb, types.ScopesKey, "scopes",
			collections.PairKeyCodec(sdk.AccAddressKey, collections.StringKey), codec.CollValue[types.ScopeCommitment](cdc)),
		Rounds:    collections.NewMap(sb, types.RoundsKey, "rounds", collections.Uint64Key, codec.CollValue[types.Round](cdc)),
		RoundSeq:  collections.NewSequence(sb, types.RoundSeqKey, "round_seq"),
		OpenRound: collections.NewMap(sb, types.OpenRoundByAcct, "open_round", sdk.AccAddressKey, collections.Uint64Value),
		RoundDeadlines: collections.NewKeySet(sb, types.RoundsByDeadline, "round_deadlines",
			collections.PairKeyCodec(collections.Int64Key, collections.Uint64Key)),
		Scores: collections.NewMap(sb, types.ScoresKey, "scores",
			collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint64Key), codec.CollValue[types.Score](cdc)),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

func (k Keeper) GetAuthority() string { return k.authority }

func (k Keeper) addr(field, s string) (sdk.AccAddress, error) {
	bz, err := k.addressCodec.StringToBytes(s)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "invalid %s address %q: %s", field, s, err)
	}
	return bz, nil
}

func (k Keeper) ScopesOf(ctx context.Context, owner sdk.AccAddress) ([]types.ScopeCommitment, error) {
	var out []types.ScopeCommitment
	err := k.Scopes.Walk(ctx, collections.NewPrefixedPairRange[sdk.AccAddress, string](owner),
		func(_ collections.Pair[sdk.AccAddress, string], s types.ScopeCommitment) (bool, error) {
			out = append(out, s)
			return false, nil
		})
	return out, err
}

// ScoreHistory lists an account's agreed scores, oldest first.
func (k Keeper) ScoreHistory(ctx context.Context, acct sdk.AccAddress) ([]types.Score, error) {
	var out []types.Score
	err := k.Scores.Walk(ctx, collections.NewPrefixedPairRange[sdk.AccAddress, uint64](acct),
		func(_ collections.Pair[sdk.AccAddress, uint64], s types.Score) (bool, error) {
			out = append(out, s)
			return false, nil
		})
	return out, err
}

// LatestScore is what other modules (x/market) compare against requirements.
func (k Keeper) LatestScore(ctx context.Context, acct sdk.AccAddress) (types.Score, bool, error) {
	it, err := k.Scores.Iterate(ctx, collections.NewPrefixedPairRange[sdk.AccAddress, uint64](acct).Descending())
	if err != nil {
		return types.Score{}, false, err
	}
	defer it.Close()
	if !it.Valid() {
		return types.Score{}, false, nil
	}
	v, err := it.Value()
	return v, err == nil, err
}

func (k Keeper) GetRound(ctx context.Context, id uint64) (types.Round, error) {
	r, err := k.Rounds.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return r, errorsmod.Wrapf(types.ErrRoundNotFound, "round %d", id)
	}
	return r, err
}

// bondedPower returns the validator's power from the last end block, or an
// error if the operator account's validator is not bonded.
func (k Keeper) bondedPower(ctx context.Context, operator sdk.AccAddress) (sdk.ValAddress, int64, error) {
	val := sdk.ValAddress(operator)
	v, err := k.staking.GetValidator(ctx, val)
	if err != nil {
		return nil, 0, errorsmod.Wrapf(types.ErrNotBondedValidator, "%s operates no validator", operator)
	}
	if v.GetStatus() != stakingtypes.Bonded || v.IsJailed() {
		return nil, 0, errorsmod.Wrapf(types.ErrNotBondedValidator, "validator %s is %s", val, v.GetStatus())
	}
	p, err := k.staking.GetLastValidatorPower(ctx, val)
	if err != nil || p <= 0 {
		return nil, 0, errorsmod.Wrapf(types.ErrNotBondedValidator, "validator %s has no bonded power", val)
	}
	return val, p, nil
}

// finalize records the round's result and the account's new score.
func (k Keeper) finalize(ctx context.Context, r *types.Round, score uint32, how types.RoundState, total int64) error {
	acct, err := k.addr("account", r.Account)
	if err != nil {
		return err
	}
	tolerance := uint32(0)
	if p, err := k.Params.Get(ctx); err == nil {
		tolerance = p.Tolerance
	}
	r.State, r.Score, r.TotalPower, r.Disputed = how, score, total, types.Disputed(r.Attestations, tolerance)
	if err := k.Rounds.Set(ctx, r.Id, *r); err != nil {
		return err
	}
	if err := k.OpenRound.Remove(ctx, acct); err != nil {
		return err
	}
	if err := k.RoundDeadlines.Remove(ctx, collections.Join(r.Deadline, r.Id)); err != nil {
		return err
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	s := types.Score{Account: r.Account, Score: score, RoundId: r.Id, Height: h, How: how, Attesters: uint32(len(r.Attestations))}
	if err := k.Scores.Set(ctx, collections.Join(acct, r.Id), s); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventScoreFinalized{
		RoundId: r.Id, Account: r.Account, Score: score, How: how, Attesters: s.Attesters, Disputed: r.Disputed})
}

// EndBlocker decides rounds whose deadline has come: with whatever
// attestations arrived (weighted median), or expired if none did.
func (k Keeper) EndBlocker(ctx context.Context) error {
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	var due []collections.Pair[int64, uint64]
	rng := new(collections.Range[collections.Pair[int64, uint64]]).EndInclusive(collections.Join(h, uint64(math.MaxUint64)))
	if err := k.RoundDeadlines.Walk(ctx, rng, func(key collections.Pair[int64, uint64]) (bool, error) {
		due = append(due, key)
		return false, nil
	}); err != nil {
		return err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	for _, key := range due {
		// Each round in its own cache: one failure is logged, not a chain halt.
		cacheCtx, write := sdkCtx.CacheContext()
		if err := k.closeRound(cacheCtx, key); err != nil {
			sdkCtx.Logger().Error("veid round deadline failed; skipped", "module", "x/"+types.ModuleName, "round", key.K2(), "err", err)
			continue
		}
		write()
	}
	return nil
}

func (k Keeper) closeRound(ctx context.Context, key collections.Pair[int64, uint64]) error {
	r, err := k.GetRound(ctx, key.K2())
	if err != nil {
		return err
	}
	if r.State != types.ROUND_STATE_OPEN {
		return k.RoundDeadlines.Remove(ctx, key)
	}
	total, err := k.staking.GetLastTotalPower(ctx)
	if err != nil {
		return err
	}
	if len(r.Attestations) > 0 {
		return k.finalize(ctx, &r, types.WeightedMedian(r.Attestations), types.ROUND_STATE_FINALIZED_AT_DEADLINE, total.Int64())
	}
	acct, err := k.addr("account", r.Account)
	if err != nil {
		return err
	}
	r.State = types.ROUND_STATE_EXPIRED
	if err := k.Rounds.Set(ctx, r.Id, r); err != nil {
		return err
	}
	if err := k.OpenRound.Remove(ctx, acct); err != nil {
		return err
	}
	if err := k.RoundDeadlines.Remove(ctx, key); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventRoundExpired{RoundId: r.Id, Account: r.Account})
}
