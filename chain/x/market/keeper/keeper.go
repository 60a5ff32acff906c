// Package keeper holds x/market state: offerings, orders, bids, leases and
// usage records. Money never sits in x/market: order funds and bid deposits
// live in x/escrow accounts, and leases are escrow payments.
package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/virtengine/virtengine/chain/x/market/types"
	rolestypes "github.com/virtengine/virtengine/chain/x/roles/types"
)

type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	authority    string
	escrow       types.EscrowKeeper
	roles        types.RolesKeeper
	scores       types.ScoreKeeper

	Schema      collections.Schema
	Params      collections.Item[types.Params]
	Providers   collections.Map[string, types.Provider]
	Offerings   collections.Map[uint64, types.Offering]
	OfferingSeq collections.Sequence
	Orders      collections.Map[uint64, types.Order]
	OrderSeq    collections.Sequence
	Bids        collections.Map[collections.Pair[uint64, string], types.Bid]
	Leases      collections.Map[uint64, types.Lease]
	Usage       collections.Map[collections.Pair[uint64, uint64], types.UsageRecord]
}

func NewKeeper(cdc codec.BinaryCodec, storeService corestore.KVStoreService, addressCodec address.Codec,
	escrow types.EscrowKeeper, roles types.RolesKeeper, scores types.ScoreKeeper, authority string,
) Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("invalid market authority %q: %w", authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := Keeper{
		cdc: cdc, addressCodec: addressCodec, authority: authority, escrow: escrow, roles: roles, scores: scores,
		Params:      collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Providers:   collections.NewMap(sb, types.ProvidersKey, "providers", collections.StringKey, codec.CollValue[types.Provider](cdc)),
		Offerings:   collections.NewMap(sb, types.OfferingsKey, "offerings", collections.Uint64Key, codec.CollValue[types.Offering](cdc)),
		OfferingSeq: collections.NewSequence(sb, types.OfferingSeqKey, "offering_seq"),
		Orders:      collections.NewMap(sb, types.OrdersKey, "orders", collections.Uint64Key, codec.CollValue[types.Order](cdc)),
		OrderSeq:    collections.NewSequence(sb, types.OrderSeqKey, "order_seq"),
		Bids: collections.NewMap(sb, types.BidsKey, "bids",
			collections.PairKeyCodec(collections.Uint64Key, collections.StringKey), codec.CollValue[types.Bid](cdc)),
		Leases: collections.NewMap(sb, types.LeasesKey, "leases", collections.Uint64Key, codec.CollValue[types.Lease](cdc)),
		Usage: collections.NewMap(sb, types.UsageKey, "usage",
			collections.PairKeyCodec(collections.Uint64Key, collections.Uint64Key), codec.CollValue[types.UsageRecord](cdc)),
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

func (k Keeper) GetOffering(ctx context.Context, id uint64) (types.Offering, error) {
	o, err := k.Offerings.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return o, errorsmod.Wrapf(types.ErrOfferingNotFound, "offering %d", id)
	}
	return o, err
}

func (k Keeper) GetOrder(ctx context.Context, id uint64) (types.Order, error) {
	o, err := k.Orders.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return o, errorsmod.Wrapf(types.ErrOrderNotFound, "order %d", id)
	}
	return o, err
}

func (k Keeper) GetLease(ctx context.Context, orderID uint64) (types.Lease, error) {
	l, err := k.Leases.Get(ctx, orderID)
	if errors.Is(err, collections.ErrNotFound) {
		return l, errorsmod.Wrapf(types.ErrLeaseNotFound, "lease for order %d", orderID)
	}
	return l, err
}

func (k Keeper) BidsOf(ctx context.Context, orderID uint64) ([]types.Bid, error) {
	var out []types.Bid
	err := k.Bids.Walk(ctx, collections.NewPrefixedPairRange[uint64, string](orderID),
		func(_ collections.Pair[uint64, string], b types.Bid) (bool, error) {
			out = append(out, b)
			return false, nil
		})
	return out, err
}

func (k Keeper) UsageOf(ctx context.Context, orderID uint64) ([]types.UsageRecord, error) {
	var out []types.UsageRecord
	err := k.Usage.Walk(ctx, collections.NewPrefixedPairRange[uint64, uint64](orderID),
		func(_ collections.Pair[uint64, uint64], u types.UsageRecord) (bool, error) {
			out = append(out, u)
			return false, nil
		})
	return out, err
}

func (k Keeper) requireProvider(ctx context.Context, provider string) error {
	a, err := k.addr("provider", provider)
	if err != nil {
		return err
	}
	ok, err := k.roles.HasRole(ctx, a, rolestypes.ROLE_SERVICE_PROVIDER)
	if err != nil {
		return err
	}
	if !ok {
		return errorsmod.Wrapf(types.ErrNotProvider, "%s does not hold the ServiceProvider role", provider)
	}
	return nil
}

func (k Keeper) setOrderState(ctx context.Context, o *types.Order, state types.OrderState, by string) error {
	prev := o.State
	o.State = state
	if err := k.Orders.Set(ctx, o.Id, *o); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventOrderStateChanged{Id: o.Id, Previous: prev, State: state, By: by})
}

func (k Keeper) setLeaseState(ctx context.Context, l *types.Lease, state types.LeaseState, reason types.LeaseCloseReason) error {
	l.State = state
	if state == types.LEASE_STATE_CLOSED {
		l.CloseReason = reason
		l.ClosedAt = sdk.UnwrapSDKContext(ctx).BlockHeight()
	}
	if err := k.Leases.Set(ctx, l.OrderId, *l); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventLeaseStateChanged{OrderId: l.OrderId, State: state, Reason: reason})
}

// closeBid ends a bid and refunds its deposit from escrow.
func (k Keeper) closeBid(ctx context.Context, b *types.Bid, state types.BidState) error {
	if _, err := k.escrow.CloseAccount(ctx, types.BidEscrowID(b.OrderId, b.Provider)); err != nil {
		return err
	}
	b.State = state
	if err := k.Bids.Set(ctx, collections.Join(b.OrderId, b.Provider), *b); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventBidClosed{OrderId: b.OrderId, Provider: b.Provider, State: state})
}
