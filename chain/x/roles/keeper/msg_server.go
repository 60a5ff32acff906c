package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	"github.com/virtengine/virtengine/chain/x/roles/types"
)

type msgServer struct{ Keeper }

// NewMsgServerImpl returns the x/roles Msg service. Every handler repeats the
// stateless checks (ValidateBasic) because messages can also arrive through
// authz MsgExec or gov proposals, where the outer ante path validated only
// the wrapper.
func NewMsgServerImpl(k Keeper) types.MsgServer { return &msgServer{Keeper: k} }

var _ types.MsgServer = msgServer{}

func (k Keeper) checkReasonLen(ctx context.Context, field, s string) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if len(s) > int(p.MaxReasonLength) {
		return errorsmod.Wrapf(types.ErrInvalidReason, "%s is %d bytes, more than max_reason_length %d", field, len(s), p.MaxReasonLength)
	}
	return nil
}

// NominateRole: only GenesisAccount / Administrator, and never a role ranked
// above the signer's own strongest role.
func (m msgServer) NominateRole(ctx context.Context, msg *types.MsgNominateRole) (*types.MsgNominateRoleResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	signer, err := m.parseAddress("authority", msg.Authority)
	if err != nil {
		return nil, err
	}
	target, err := m.parseAddress("nominee", msg.Address)
	if err != nil {
		return nil, err
	}
	rank, err := m.HighestRank(ctx, signer)
	if err != nil {
		return nil, err
	}
	if rank < types.MinRankNominate {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "%s is not a GenesisAccount or Administrator and cannot nominate", msg.Authority)
	}
	if types.RoleRank(msg.Role) > rank {
		return nil, errorsmod.Wrapf(types.ErrRoleEscalation, "cannot grant %s: it ranks above the signer's own role", msg.Role)
	}
	st, err := m.GetAccountState(ctx, target)
	if err != nil {
		return nil, err
	}
	if st == types.ACCOUNT_STATE_TERMINATED {
		return nil, errorsmod.Wrapf(types.ErrAccountTerminated, "%s is terminated", msg.Address)
	}
	has, err := m.HasRole(ctx, target, msg.Role)
	if err != nil {
		return nil, err
	}
	if has {
		return nil, errorsmod.Wrapf(types.ErrRoleAlreadyAssigned, "%s already holds %s", msg.Address, msg.Role)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	if err := m.SetRole(ctx, target, types.RoleAssignment{
		Address: msg.Address, Role: msg.Role, GrantedBy: msg.Authority, GrantedAtHeight: sdkCtx.BlockHeight(),
	}); err != nil {
		return nil, err
	}
	return &types.MsgNominateRoleResponse{}, sdkCtx.EventManager().EmitTypedEvent(&types.EventRoleAssigned{
		Address: msg.Address, Role: msg.Role, GrantedBy: msg.Authority,
	})
}

// RevokeRole follows the nominate rule, and additionally an account cannot
// strip roles from someone who outranks it (an Administrator cannot touch a
// GenesisAccount's roles).
func (m msgServer) RevokeRole(ctx context.Context, msg *types.MsgRevokeRole) (*types.MsgRevokeRoleResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	signer, err := m.parseAddress("authority", msg.Authority)
	if err != nil {
		return nil, err
	}
	target, err := m.parseAddress("address", msg.Address)
	if err != nil {
		return nil, err
	}
	rank, err := m.HighestRank(ctx, signer)
	if err != nil {
		return nil, err
	}
	if rank < types.MinRankNominate {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "%s is not a GenesisAccount or Administrator and cannot revoke", msg.Authority)
	}
	if types.RoleRank(msg.Role) > rank {
		return nil, errorsmod.Wrapf(types.ErrRoleEscalation, "cannot revoke %s: it ranks above the signer's own role", msg.Role)
	}
	targetRank, err := m.HighestRank(ctx, target)
	if err != nil {
		return nil, err
	}
	if targetRank > rank {
		return nil, errorsmod.Wrapf(types.ErrRoleEscalation, "%s outranks the signer", msg.Address)
	}
	has, err := m.HasRole(ctx, target, msg.Role)
	if err != nil {
		return nil, err
	}
	if !has {
		return nil, errorsmod.Wrapf(types.ErrRoleNotAssigned, "%s does not hold %s", msg.Address, msg.Role)
	}
	if err := m.DeleteRole(ctx, target, msg.Role); err != nil {
		return nil, err
	}
	return &types.MsgRevokeRoleResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventRoleRevoked{
		Address: msg.Address, Role: msg.Role, RevokedBy: msg.Authority,
	})
}

// SetAccountState: Moderators and above suspend and reactivate, Administrators
// and above terminate, and only accounts ranked strictly below the signer can
// be touched (so nobody can suspend a GenesisAccount, and an Administrator
// cannot suspend a peer). Termination is final.
func (m msgServer) SetAccountState(ctx context.Context, msg *types.MsgSetAccountState) (*types.MsgSetAccountStateResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	if err := m.checkReasonLen(ctx, "reason", msg.Reason); err != nil {
		return nil, err
	}
	signer, err := m.parseAddress("authority", msg.Authority)
	if err != nil {
		return nil, err
	}
	target, err := m.parseAddress("address", msg.Address)
	if err != nil {
		return nil, err
	}
	rank, err := m.HighestRank(ctx, signer)
	if err != nil {
		return nil, err
	}
	if rank < types.MinRankModerate {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "%s is not a Moderator, Administrator or GenesisAccount", msg.Authority)
	}
	if msg.State == types.ACCOUNT_STATE_TERMINATED && rank < types.MinRankTerminate {
		return nil, errorsmod.Wrap(types.ErrUnauthorized, "only an Administrator or GenesisAccount may terminate an account")
	}
	targetRank, err := m.HighestRank(ctx, target)
	if err != nil {
		return nil, err
	}
	if targetRank >= rank {
		return nil, errorsmod.Wrapf(types.ErrRoleEscalation, "%s does not rank below the signer", msg.Address)
	}
	prev, err := m.GetAccountState(ctx, target)
	if err != nil {
		return nil, err
	}
	if prev == types.ACCOUNT_STATE_TERMINATED {
		return nil, errorsmod.Wrapf(types.ErrAccountTerminated, "%s is terminated; termination is final", msg.Address)
	}
	if prev == msg.State {
		return nil, errorsmod.Wrapf(types.ErrNoStateChange, "%s is already %s", msg.Address, msg.State)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	if err := m.SetAccountStatus(ctx, target, types.AccountStatus{
		Address: msg.Address, State: msg.State, Reason: msg.Reason, UpdatedBy: msg.Authority, UpdatedAtHeight: sdkCtx.BlockHeight(),
	}); err != nil {
		return nil, err
	}
	// A pending appeal is moot once the account is no longer suspended.
	if msg.State != types.ACCOUNT_STATE_SUSPENDED {
		if err := m.closePendingAppeal(ctx, target, msg.Authority, msg.State == types.ACCOUNT_STATE_ACTIVE, "account state set to "+msg.State.String()); err != nil {
			return nil, err
		}
	}
	return &types.MsgSetAccountStateResponse{}, sdkCtx.EventManager().EmitTypedEvent(&types.EventAccountStateChanged{
		Address: msg.Address, Previous: prev, State: msg.State, Reason: msg.Reason, UpdatedBy: msg.Authority,
	})
}

func (k Keeper) closePendingAppeal(ctx context.Context, appellant sdk.AccAddress, by string, approved bool, note string) error {
	id, err := k.PendingAppeal.Get(ctx, appellant)
	if errors.Is(err, collections.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	a, err := k.Appeals.Get(ctx, id)
	if err != nil {
		return err
	}
	a.Status = types.APPEAL_STATUS_REJECTED
	if approved {
		a.Status = types.APPEAL_STATUS_APPROVED
	}
	a.ResolvedBy, a.ResolutionNote = by, note
	if err := k.Appeals.Set(ctx, id, a); err != nil {
		return err
	}
	if err := k.PendingAppeal.Remove(ctx, appellant); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventAppealResolved{
		AppealId: id, Appellant: a.Appellant, Status: a.Status, ResolvedBy: by,
	})
}

// SubmitAppeal: the only message the ante decorator lets a suspended account send.
func (m msgServer) SubmitAppeal(ctx context.Context, msg *types.MsgSubmitAppeal) (*types.MsgSubmitAppealResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	if err := m.checkReasonLen(ctx, "reason", msg.Reason); err != nil {
		return nil, err
	}
	appellant, err := m.parseAddress("appellant", msg.Appellant)
	if err != nil {
		return nil, err
	}
	st, err := m.GetAccountState(ctx, appellant)
	if err != nil {
		return nil, err
	}
	if st != types.ACCOUNT_STATE_SUSPENDED {
		return nil, errorsmod.Wrapf(types.ErrNotSuspended, "%s is %s; only suspended accounts appeal", msg.Appellant, st)
	}
	if has, err := m.PendingAppeal.Has(ctx, appellant); err != nil {
		return nil, err
	} else if has {
		return nil, errorsmod.Wrapf(types.ErrAppealAlreadyPending, "%s already has a pending appeal", msg.Appellant)
	}
	id, err := m.AppealSeq.Next(ctx)
	if err != nil {
		return nil, err
	}
	// Sequence starts at 0; ids start at 1 so that 0 can mean "none".
	id++
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	if err := m.Appeals.Set(ctx, id, types.Appeal{
		Id: id, Appellant: msg.Appellant, Reason: msg.Reason, Status: types.APPEAL_STATUS_PENDING, SubmittedAtHeight: sdkCtx.BlockHeight(),
	}); err != nil {
		return nil, err
	}
	if err := m.PendingAppeal.Set(ctx, appellant, id); err != nil {
		return nil, err
	}
	return &types.MsgSubmitAppealResponse{AppealId: id}, sdkCtx.EventManager().EmitTypedEvent(&types.EventAppealSubmitted{
		AppealId: id, Appellant: msg.Appellant,
	})
}

// ResolveAppeal: a Moderator (or above) that outranks the appellant decides.
func (m msgServer) ResolveAppeal(ctx context.Context, msg *types.MsgResolveAppeal) (*types.MsgResolveAppealResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	if err := m.checkReasonLen(ctx, "note", msg.Note); err != nil {
		return nil, err
	}
	mod, err := m.parseAddress("moderator", msg.Moderator)
	if err != nil {
		return nil, err
	}
	rank, err := m.HighestRank(ctx, mod)
	if err != nil {
		return nil, err
	}
	if rank < types.MinRankModerate {
		return nil, errorsmod.Wrapf(types.ErrUnauthorized, "%s is not a Moderator, Administrator or GenesisAccount", msg.Moderator)
	}
	a, err := m.Appeals.Get(ctx, msg.AppealId)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, errorsmod.Wrapf(types.ErrAppealNotFound, "appeal %d", msg.AppealId)
	}
	if err != nil {
		return nil, err
	}
	if a.Status != types.APPEAL_STATUS_PENDING {
		return nil, errorsmod.Wrapf(types.ErrAppealNotPending, "appeal %d is %s", a.Id, a.Status)
	}
	appellant, err := m.parseAddress("appellant", a.Appellant)
	if err != nil {
		return nil, err
	}
	appellantRank, err := m.HighestRank(ctx, appellant)
	if err != nil {
		return nil, err
	}
	if appellantRank >= rank {
		return nil, errorsmod.Wrapf(types.ErrRoleEscalation, "appellant %s does not rank below the moderator", a.Appellant)
	}
	if msg.Approve {
		prev, err := m.GetAccountState(ctx, appellant)
		if err != nil {
			return nil, err
		}
		sdkCtx := sdk.UnwrapSDKContext(ctx)
		if err := m.SetAccountStatus(ctx, appellant, types.AccountStatus{
			Address: a.Appellant, State: types.ACCOUNT_STATE_ACTIVE, UpdatedBy: msg.Moderator, UpdatedAtHeight: sdkCtx.BlockHeight(),
		}); err != nil {
			return nil, err
		}
		if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventAccountStateChanged{
			Address: a.Appellant, Previous: prev, State: types.ACCOUNT_STATE_ACTIVE, Reason: "appeal approved", UpdatedBy: msg.Moderator,
		}); err != nil {
			return nil, err
		}
	}
	return &types.MsgResolveAppealResponse{}, m.closePendingAppeal(ctx, appellant, msg.Moderator, msg.Approve, msg.Note)
}

// RegisterEncryptionKey stores a new key version. Versions must strictly
// increase so a client that sees version N knows every older envelope used a
// key < N. Only the newest max_encryption_keys versions are kept.
func (m msgServer) RegisterEncryptionKey(ctx context.Context, msg *types.MsgRegisterEncryptionKey) (*types.MsgRegisterEncryptionKeyResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	owner, err := m.parseAddress("owner", msg.Owner)
	if err != nil {
		return nil, err
	}
	latest, found, err := m.LatestEncryptionKey(ctx, owner)
	if err != nil {
		return nil, err
	}
	if found && msg.Version <= latest.Version {
		return nil, errorsmod.Wrapf(types.ErrKeyVersion, "version %d is not greater than the registered version %d", msg.Version, latest.Version)
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	key := types.EncryptionKey{Owner: msg.Owner, PublicKey: msg.PublicKey, Version: msg.Version, RegisteredAtHeight: sdkCtx.BlockHeight()}
	if err := m.EncryptionKeys.Set(ctx, collections.Join(owner, msg.Version), key); err != nil {
		return nil, err
	}
	if err := m.pruneKeys(ctx, owner); err != nil {
		return nil, err
	}
	return &types.MsgRegisterEncryptionKeyResponse{}, sdkCtx.EventManager().EmitTypedEvent(&types.EventEncryptionKeyRegistered{
		Owner: msg.Owner, Version: msg.Version, PublicKey: msg.PublicKey,
	})
}

func (k Keeper) pruneKeys(ctx context.Context, owner sdk.AccAddress) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	keys, err := k.EncryptionKeysOf(ctx, owner)
	if err != nil {
		return err
	}
	for i := 0; len(keys)-i > int(p.MaxEncryptionKeys); i++ {
		if err := k.EncryptionKeys.Remove(ctx, collections.Join(owner, keys[i].Version)); err != nil {
			return err
		}
	}
	return nil
}

func (m msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if msg.Authority != m.authority {
		return nil, errorsmod.Wrapf(govtypes.ErrInvalidSigner, "expected %s, got %s", m.authority, msg.Authority)
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, err
	}
	if err := m.Params.Set(ctx, msg.Params); err != nil {
		return nil, err
	}
	return &types.MsgUpdateParamsResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventParamsUpdated{Params: &msg.Params})
}
