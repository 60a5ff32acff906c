package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	"github.com/virtengine/virtengine/chain/x/veid/types"
)

type msgServer struct{ Keeper }

func NewMsgServerImpl(k Keeper) types.MsgServer { return msgServer{Keeper: k} }

// SubmitScope records a commitment (replacing one with the same id). Every
// validator key named in sealed_to must be published in x/roles, so that the
// evidence really is readable by those validators and nobody else.
func (m msgServer) SubmitScope(ctx context.Context, msg *types.MsgSubmitScope) (*types.MsgSubmitScopeResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	owner, err := m.addr("owner", msg.Owner)
	if err != nil {
		return nil, err
	}
	for _, s := range msg.SealedTo {
		val, err := sdk.ValAddressFromBech32(s.Validator)
		if err != nil {
			return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "sealed_to %q: %s", s.Validator, err)
		}
		ok, err := m.keys.HasEncryptionKey(ctx, sdk.AccAddress(val), s.KeyVersion)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errorsmod.Wrapf(types.ErrUnknownSealKey, "validator %s has no encryption key version %d", s.Validator, s.KeyVersion)
		}
	}
	key := collections.Join(owner, msg.ScopeId)
	exists, err := m.Scopes.Has(ctx, key)
	if err != nil {
		return nil, err
	}
	if !exists {
		p, err := m.Params.Get(ctx)
		if err != nil {
			return nil, err
		}
		scopes, err := m.ScopesOf(ctx, owner)
		if err != nil {
			return nil, err
		}
		if uint32(len(scopes)) >= p.MaxScopesPerAccount {
			return nil, errorsmod.Wrapf(types.ErrTooManyScopes, "%s already has %d scopes", msg.Owner, len(scopes))
		}
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	if msg.ExpiresAt <= sdkCtx.BlockTime().Unix() {
		return nil, errorsmod.Wrapf(types.ErrInvalidScope, "expires_at %d is not in the future", msg.ExpiresAt)
	}
	sc := types.ScopeCommitment{Owner: msg.Owner, ScopeId: msg.ScopeId, ScopeType: msg.ScopeType, ObjectKey: msg.ObjectKey,
		ContentHash: msg.ContentHash, SealedTo: msg.SealedTo, ExpiresAt: msg.ExpiresAt, CreatedAt: sdkCtx.BlockHeight()}
	if err := m.Scopes.Set(ctx, key, sc); err != nil {
		return nil, err
	}
	return &types.MsgSubmitScopeResponse{}, sdkCtx.EventManager().EmitTypedEvent(&types.EventScopeSubmitted{Owner: msg.Owner, ScopeId: msg.ScopeId, ScopeType: msg.ScopeType})
}

func (m msgServer) RevokeScope(ctx context.Context, msg *types.MsgRevokeScope) (*types.MsgRevokeScopeResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	owner, err := m.addr("owner", msg.Owner)
	if err != nil {
		return nil, err
	}
	key := collections.Join(owner, msg.ScopeId)
	sc, err := m.Scopes.Get(ctx, key)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, errorsmod.Wrapf(types.ErrScopeNotFound, "%s has no scope %q", msg.Owner, msg.ScopeId)
	}
	if err != nil {
		return nil, err
	}
	sc.Revoked = true
	if err := m.Scopes.Set(ctx, key, sc); err != nil {
		return nil, err
	}
	return &types.MsgRevokeScopeResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventScopeRevoked{Owner: msg.Owner, ScopeId: msg.ScopeId})
}

func (m msgServer) RequestScore(ctx context.Context, msg *types.MsgRequestScore) (*types.MsgRequestScoreResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	owner, err := m.addr("owner", msg.Owner)
	if err != nil {
		return nil, err
	}
	if id, err := m.OpenRound.Get(ctx, owner); err == nil {
		return nil, errorsmod.Wrapf(types.ErrRoundOpen, "round %d is open for %s", id, msg.Owner)
	} else if !errors.Is(err, collections.ErrNotFound) {
		return nil, err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	scopes, err := m.ScopesOf(ctx, owner)
	if err != nil {
		return nil, err
	}
	active := 0
	for _, s := range scopes {
		if !s.Revoked && s.ExpiresAt > sdkCtx.BlockTime().Unix() {
			active++
		}
	}
	if active == 0 {
		return nil, errorsmod.Wrapf(types.ErrNoActiveScopes, "%s", msg.Owner)
	}
	p, err := m.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	id, err := m.RoundSeq.Next(ctx)
	if err != nil {
		return nil, err
	}
	id++
	r := types.Round{Id: id, Account: msg.Owner, State: types.ROUND_STATE_OPEN, OpenedAt: sdkCtx.BlockHeight(),
		Deadline: sdkCtx.BlockHeight() + int64(p.AttestationWindow)}
	if err := m.Rounds.Set(ctx, id, r); err != nil {
		return nil, err
	}
	if err := m.OpenRound.Set(ctx, owner, id); err != nil {
		return nil, err
	}
	if err := m.RoundDeadlines.Set(ctx, collections.Join(r.Deadline, id)); err != nil {
		return nil, err
	}
	return &types.MsgRequestScoreResponse{RoundId: id}, sdkCtx.EventManager().EmitTypedEvent(&types.EventScoreRequested{RoundId: id, Account: msg.Owner, Deadline: r.Deadline})
}

// AttestScore adds a bonded validator's score and finalizes the round as soon
// as agreeing attesters hold 2/3 of all bonded power.
func (m msgServer) AttestScore(ctx context.Context, msg *types.MsgAttestScore) (*types.MsgAttestScoreResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	op, err := m.addr("operator", msg.Operator)
	if err != nil {
		return nil, err
	}
	val, power, err := m.bondedPower(ctx, op)
	if err != nil {
		return nil, err
	}
	r, err := m.GetRound(ctx, msg.RoundId)
	if err != nil {
		return nil, err
	}
	if r.State != types.ROUND_STATE_OPEN {
		return nil, errorsmod.Wrapf(types.ErrRoundClosed, "round %d is %s", r.Id, r.State)
	}
	p, err := m.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Approves(msg.ModelHash) {
		return nil, errorsmod.Wrapf(types.ErrUnapprovedPipeline, "model_hash %X", msg.ModelHash)
	}
	valStr := val.String()
	for _, a := range r.Attestations {
		if a.Validator == valStr {
			return nil, errorsmod.Wrapf(types.ErrAlreadyAttested, "%s in round %d", valStr, r.Id)
		}
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	r.Attestations = append(r.Attestations, types.Attestation{Validator: valStr, Score: msg.Score, Power: power,
		ModelHash: msg.ModelHash, Height: sdkCtx.BlockHeight()})
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventScoreAttested{RoundId: r.Id, Validator: valStr, Score: msg.Score}); err != nil {
		return nil, err
	}
	total, err := m.staking.GetLastTotalPower(ctx)
	if err != nil {
		return nil, err
	}
	score, _, quorum := types.Aggregate(r.Attestations, total.Int64(), p.Tolerance)
	if quorum {
		return &types.MsgAttestScoreResponse{Finalized: true}, m.finalize(ctx, &r, score, types.ROUND_STATE_FINALIZED, total.Int64())
	}
	return &types.MsgAttestScoreResponse{}, m.Rounds.Set(ctx, r.Id, r)
}

func (m msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if msg.Authority != m.authority {
		return nil, errorsmod.Wrapf(govtypes.ErrInvalidSigner, "expected %s, got %s", m.authority, msg.Authority)
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, m.Params.Set(ctx, msg.Params)
}
