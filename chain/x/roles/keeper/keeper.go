// Package keeper holds x/roles state: role assignments, account states,
// appeals and encryption keys, all on cosmossdk.io/collections.
package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"
	"cosmossdk.io/log"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/virtengine/virtengine/chain/x/roles/types"
)

type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	// authority may change params (the gov module account).
	authority string

	Schema         collections.Schema
	Params         collections.Item[types.Params]
	Roles          collections.Map[collections.Pair[sdk.AccAddress, int32], types.RoleAssignment]
	RoleMembers    collections.KeySet[collections.Pair[int32, sdk.AccAddress]]
	Statuses       collections.Map[sdk.AccAddress, types.AccountStatus]
	EncryptionKeys collections.Map[collections.Pair[sdk.AccAddress, uint32], types.EncryptionKey]
	Appeals        collections.Map[uint64, types.Appeal]
	AppealSeq      collections.Sequence
	PendingAppeal  collections.Map[sdk.AccAddress, uint64]
}

func NewKeeper(cdc codec.BinaryCodec, storeService corestore.KVStoreService, addressCodec address.Codec, authority string) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("invalid roles authority address %q: %w", authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		cdc:          cdc,
		addressCodec: addressCodec,
		authority:    authority,
		Params:       collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Roles: collections.NewMap(sb, types.RolesKey, "roles",
			collections.PairKeyCodec(sdk.AccAddressKey, collections.Int32Key), codec.CollValue[types.RoleAssignment](cdc)),
		RoleMembers: collections.NewKeySet(sb, types.RoleMembersKey, "role_members",
			collections.PairKeyCodec(collections.Int32Key, sdk.AccAddressKey)),
		Statuses: collections.NewMap(sb, types.AccountStatusKey, "statuses", sdk.AccAddressKey, codec.CollValue[types.AccountStatus](cdc)),
		EncryptionKeys: collections.NewMap(sb, types.EncryptionKeysKey, "encryption_keys",
			collections.PairKeyCodec(sdk.AccAddressKey, collections.Uint32Key), codec.CollValue[types.EncryptionKey](cdc)),
		Appeals:       collections.NewMap(sb, types.AppealsKey, "appeals", collections.Uint64Key, codec.CollValue[types.Appeal](cdc)),
		AppealSeq:     collections.NewSequence(sb, types.AppealSeqKey, "appeal_seq"),
		PendingAppeal: collections.NewMap(sb, types.PendingAppealByKey, "pending_appeal", sdk.AccAddressKey, collections.Uint64Value),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

func (k Keeper) GetAuthority() string { return k.authority }

func (k Keeper) AddressCodec() address.Codec { return k.addressCodec }

func (k Keeper) Logger(ctx context.Context) log.Logger {
	return sdk.UnwrapSDKContext(ctx).Logger().With("module", "x/"+types.ModuleName)
}

// parseAddress converts bech32 to bytes with a registered error naming the field.
func (k Keeper) parseAddress(field, s string) (sdk.AccAddress, error) {
	bz, err := k.addressCodec.StringToBytes(s)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "invalid %s address %q: %s", field, s, err)
	}
	return bz, nil
}

// GetRoles returns the roles held by addr, in role-number order.
func (k Keeper) GetRoles(ctx context.Context, addr sdk.AccAddress) ([]types.RoleAssignment, error) {
	var out []types.RoleAssignment
	rng := collections.NewPrefixedPairRange[sdk.AccAddress, int32](addr)
	err := k.Roles.Walk(ctx, rng, func(_ collections.Pair[sdk.AccAddress, int32], v types.RoleAssignment) (bool, error) {
		out = append(out, v)
		return false, nil
	})
	return out, err
}

func (k Keeper) HasRole(ctx context.Context, addr sdk.AccAddress, role types.Role) (bool, error) {
	return k.Roles.Has(ctx, collections.Join(addr, int32(role)))
}

// HighestRank is the rank of addr's strongest role (RankNone when it has none).
func (k Keeper) HighestRank(ctx context.Context, addr sdk.AccAddress) (int, error) {
	ras, err := k.GetRoles(ctx, addr)
	if err != nil {
		return 0, err
	}
	roles := make([]types.Role, len(ras))
	for i, ra := range ras {
		roles[i] = ra.Role
	}
	return types.HighestRank(roles), nil
}

// SetRole writes an assignment and its reverse index together.
func (k Keeper) SetRole(ctx context.Context, addr sdk.AccAddress, ra types.RoleAssignment) error {
	if err := k.Roles.Set(ctx, collections.Join(addr, int32(ra.Role)), ra); err != nil {
		return err
	}
	return k.RoleMembers.Set(ctx, collections.Join(int32(ra.Role), addr))
}

func (k Keeper) DeleteRole(ctx context.Context, addr sdk.AccAddress, role types.Role) error {
	if err := k.Roles.Remove(ctx, collections.Join(addr, int32(role))); err != nil {
		return err
	}
	return k.RoleMembers.Remove(ctx, collections.Join(int32(role), addr))
}

// GetAccountState returns the state of addr; accounts without a record are active.
func (k Keeper) GetAccountState(ctx context.Context, addr sdk.AccAddress) (types.AccountState, error) {
	st, err := k.Statuses.Get(ctx, addr)
	if errors.Is(err, collections.ErrNotFound) {
		return types.ACCOUNT_STATE_ACTIVE, nil
	}
	if err != nil {
		return types.ACCOUNT_STATE_UNSPECIFIED, err
	}
	return st.State, nil
}

// GetAccountStatus returns the full status record (synthesised for active accounts).
func (k Keeper) GetAccountStatus(ctx context.Context, addr sdk.AccAddress) (types.AccountStatus, error) {
	st, err := k.Statuses.Get(ctx, addr)
	if errors.Is(err, collections.ErrNotFound) {
		s, _ := k.addressCodec.BytesToString(addr)
		return types.AccountStatus{Address: s, State: types.ACCOUNT_STATE_ACTIVE}, nil
	}
	return st, err
}

// SetAccountStatus stores st; an active state deletes the record so that the
// common case costs no storage and the ante lookup stays a single miss.
func (k Keeper) SetAccountStatus(ctx context.Context, addr sdk.AccAddress, st types.AccountStatus) error {
	if st.State == types.ACCOUNT_STATE_ACTIVE {
		return k.Statuses.Remove(ctx, addr)
	}
	return k.Statuses.Set(ctx, addr, st)
}

// LatestEncryptionKey returns the highest version registered by addr.
func (k Keeper) LatestEncryptionKey(ctx context.Context, addr sdk.AccAddress) (types.EncryptionKey, bool, error) {
	rng := collections.NewPrefixedPairRange[sdk.AccAddress, uint32](addr).Descending()
	it, err := k.EncryptionKeys.Iterate(ctx, rng)
	if err != nil {
		return types.EncryptionKey{}, false, err
	}
	defer it.Close()
	if !it.Valid() {
		return types.EncryptionKey{}, false, nil
	}
	v, err := it.Value()
	return v, err == nil, err
}

// EncryptionKeysOf lists every stored key version of addr, oldest first.
func (k Keeper) EncryptionKeysOf(ctx context.Context, addr sdk.AccAddress) ([]types.EncryptionKey, error) {
	var out []types.EncryptionKey
	rng := collections.NewPrefixedPairRange[sdk.AccAddress, uint32](addr)
	err := k.EncryptionKeys.Walk(ctx, rng, func(_ collections.Pair[sdk.AccAddress, uint32], v types.EncryptionKey) (bool, error) {
		out = append(out, v)
		return false, nil
	})
	return out, err
}

// HasEncryptionKey reports whether owner registered key version (used by
// x/veid to check that scope evidence is sealed to published validator keys).
func (k Keeper) HasEncryptionKey(ctx context.Context, owner sdk.AccAddress, version uint32) (bool, error) {
	return k.EncryptionKeys.Has(ctx, collections.Join(owner, version))
}
