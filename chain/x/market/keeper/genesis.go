package keeper

import (
	"context"

	"cosmossdk.io/collections"

	"github.com/virtengine/virtengine/chain/x/market/types"
)

func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for _, p := range gs.Providers {
		if err := k.Providers.Set(ctx, p.Owner, p); err != nil {
			return err
		}
	}
	for _, o := range gs.Offerings {
		if err := k.Offerings.Set(ctx, o.Id, o); err != nil {
			return err
		}
	}
	for _, o := range gs.Orders {
		if err := k.Orders.Set(ctx, o.Id, o); err != nil {
			return err
		}
	}
	for _, b := range gs.Bids {
		if err := k.Bids.Set(ctx, collections.Join(b.OrderId, b.Provider), b); err != nil {
			return err
		}
	}
	for _, l := range gs.Leases {
		if err := k.Leases.Set(ctx, l.OrderId, l); err != nil {
			return err
		}
	}
	for _, u := range gs.Usage {
		if err := k.Usage.Set(ctx, collections.Join(u.OrderId, u.Seq), u); err != nil {
			return err
		}
	}
	// Sequences hold "last id handed out"; ids are seq+1 (see CreateOrder).
	if err := k.OfferingSeq.Set(ctx, gs.NextOfferingId-1); err != nil {
		return err
	}
	return k.OrderSeq.Set(ctx, gs.NextOrderId-1)
}

func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p}
	if err := k.Providers.Walk(ctx, nil, func(_ string, pr types.Provider) (bool, error) {
		gs.Providers = append(gs.Providers, pr)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Offerings.Walk(ctx, nil, func(_ uint64, o types.Offering) (bool, error) {
		gs.Offerings = append(gs.Offerings, o)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Orders.Walk(ctx, nil, func(_ uint64, o types.Order) (bool, error) {
		gs.Orders = append(gs.Orders, o)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Bids.Walk(ctx, nil, func(_ collections.Pair[uint64, string], b types.Bid) (bool, error) {
		gs.Bids = append(gs.Bids, b)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Leases.Walk(ctx, nil, func(_ uint64, l types.Lease) (bool, error) {
		gs.Leases = append(gs.Leases, l)
		return false, nil
	}); err != nil {
		return nil, err
	}
	if err := k.Usage.Walk(ctx, nil, func(_ collections.Pair[uint64, uint64], u types.UsageRecord) (bool, error) {
		gs.Usage = append(gs.Usage, u)
		return false, nil
	}); err != nil {
		return nil, err
	}
	offSeq, err := k.OfferingSeq.Peek(ctx)
	if err != nil {
		return nil, err
	}
	ordSeq, err := k.OrderSeq.Peek(ctx)
	if err != nil {
		return nil, err
	}
	gs.NextOfferingId, gs.NextOrderId = offSeq+1, ordSeq+1
	return gs, nil
}
