package keeper

import (
	"context"
	"fmt"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	escrowtypes "github.com/virtengine/virtengine/chain/x/escrow/types"
	"github.com/virtengine/virtengine/chain/x/market/types"
)

type msgServer struct{ Keeper }

// NewMsgServerImpl returns the market Msg service. Handlers re-run
// ValidateBasic because messages also arrive wrapped in authz MsgExec.
func NewMsgServerImpl(k Keeper) types.MsgServer { return msgServer{Keeper: k} }

func (k Keeper) denom(ctx context.Context) (types.Params, error) {
	return k.Params.Get(ctx)
}

func checkDenom(field string, c sdk.Coin, want string) error {
	if c.Denom != want {
		return errorsmod.Wrapf(types.ErrWrongDenom, "%s must be in %s, got %q", field, want, c.Denom)
	}
	return nil
}

func (m msgServer) UpsertProvider(ctx context.Context, msg *types.MsgUpsertProvider) (*types.MsgUpsertProviderResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	if err := m.requireProvider(ctx, msg.Owner); err != nil {
		return nil, err
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	p := types.Provider{Owner: msg.Owner, Name: msg.Name, HostUri: msg.HostUri, Attributes: msg.Attributes,
		InfoHash: msg.InfoHash, InfoKey: msg.InfoKey, CreatedAt: h, UpdatedAt: h}
	if old, err := m.Providers.Get(ctx, msg.Owner); err == nil {
		p.CreatedAt = old.CreatedAt
	}
	if err := m.Providers.Set(ctx, msg.Owner, p); err != nil {
		return nil, err
	}
	return &types.MsgUpsertProviderResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventProviderUpdated{Owner: msg.Owner})
}

func (m msgServer) CreateOffering(ctx context.Context, msg *types.MsgCreateOffering) (*types.MsgCreateOfferingResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	if err := m.requireProvider(ctx, msg.Provider); err != nil {
		return nil, err
	}
	if has, err := m.Providers.Has(ctx, msg.Provider); err != nil {
		return nil, err
	} else if !has {
		return nil, errorsmod.Wrapf(types.ErrProviderNotFound, "%s", msg.Provider)
	}
	p, err := m.denom(ctx)
	if err != nil {
		return nil, err
	}
	for _, pl := range msg.Plans {
		for _, c := range pl.Components {
			if err := checkDenom("price of "+c.Component, c.Price, p.OrderMinDeposit.Denom); err != nil {
				return nil, err
			}
		}
	}
	id, err := m.OfferingSeq.Next(ctx)
	if err != nil {
		return nil, err
	}
	id++ // ids start at 1
	o := types.Offering{
		Id: id, Provider: msg.Provider, Category: msg.Category, OfferingType: msg.OfferingType, Plans: msg.Plans,
		RequiredIdentityScore: msg.RequiredIdentityScore, DescriptionHash: msg.DescriptionHash, DescriptionKey: msg.DescriptionKey,
		State: types.OFFERING_STATE_ACTIVE, CreatedAt: sdk.UnwrapSDKContext(ctx).BlockHeight(),
	}
	if err := m.Offerings.Set(ctx, id, o); err != nil {
		return nil, err
	}
	return &types.MsgCreateOfferingResponse{Id: id}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventOfferingCreated{Id: id, Provider: msg.Provider})
}

func (m msgServer) UpdateOffering(ctx context.Context, msg *types.MsgUpdateOffering) (*types.MsgUpdateOfferingResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	o, err := m.GetOffering(ctx, msg.Id)
	if err != nil {
		return nil, err
	}
	if o.Provider != msg.Provider {
		return nil, errorsmod.Wrapf(types.ErrWrongSigner, "offering %d belongs to %s", o.Id, o.Provider)
	}
	if o.State == types.OFFERING_STATE_ARCHIVED {
		return nil, errorsmod.Wrapf(types.ErrOfferingInactive, "offering %d is archived", o.Id)
	}
	if msg.State != types.OFFERING_STATE_UNSPECIFIED {
		o.State = msg.State
	}
	if len(msg.Plans) > 0 {
		p, err := m.denom(ctx)
		if err != nil {
			return nil, err
		}
		for _, pl := range msg.Plans {
			for _, c := range pl.Components {
				if err := checkDenom("price of "+c.Component, c.Price, p.OrderMinDeposit.Denom); err != nil {
					return nil, err
				}
			}
		}
		o.Plans = msg.Plans
	}
	if len(msg.DescriptionHash) > 0 {
		o.DescriptionHash, o.DescriptionKey = msg.DescriptionHash, msg.DescriptionKey
	}
	if err := m.Offerings.Set(ctx, o.Id, o); err != nil {
		return nil, err
	}
	return &types.MsgUpdateOfferingResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventOfferingUpdated{Id: o.Id, State: o.State})
}

func findPlan(o types.Offering, name string) (types.Plan, bool) {
	for _, p := range o.Plans {
		if p.Name == name {
			return p, true
		}
	}
	return types.Plan{}, false
}

func (m msgServer) CreateOrder(ctx context.Context, msg *types.MsgCreateOrder) (*types.MsgCreateOrderResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	p, err := m.denom(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkDenom("deposit", msg.Deposit, p.OrderMinDeposit.Denom); err != nil {
		return nil, err
	}
	if msg.Deposit.IsLT(p.OrderMinDeposit) {
		return nil, errorsmod.Wrapf(types.ErrDepositTooLow, "deposit %s is below order_min_deposit %s", msg.Deposit, p.OrderMinDeposit)
	}
	state := types.ORDER_STATE_OPEN
	if msg.OfferingId != 0 {
		off, err := m.GetOffering(ctx, msg.OfferingId)
		if err != nil {
			return nil, err
		}
		if off.State != types.OFFERING_STATE_ACTIVE {
			return nil, errorsmod.Wrapf(types.ErrOfferingInactive, "offering %d is %s", off.Id, off.State)
		}
		if off.RequiredIdentityScore > 0 {
			cust, err := m.addr("customer", msg.Customer)
			if err != nil {
				return nil, err
			}
			sc, found, err := m.scores.LatestScore(ctx, cust)
			if err != nil {
				return nil, err
			}
			if !found || sc.Score < off.RequiredIdentityScore {
				have := "no score"
				if found {
					have = fmt.Sprintf("score %d", sc.Score)
				}
				return nil, errorsmod.Wrapf(types.ErrIdentityScore, "offering %d requires %d, customer has %s", off.Id, off.RequiredIdentityScore, have)
			}
		}
		plan, ok := findPlan(off, msg.Plan)
		if !ok {
			return nil, errorsmod.Wrapf(types.ErrPlanNotFound, "offering %d has no plan %q", off.Id, msg.Plan)
		}
		for _, l := range msg.Limits {
			found := false
			for _, c := range plan.Components {
				found = found || c.Component == l.Component
			}
			if !found {
				return nil, errorsmod.Wrapf(types.ErrUnknownComponent, "plan %q has no component %q", plan.Name, l.Component)
			}
		}
		state = types.ORDER_STATE_PENDING_PROVIDER
	} else if err := checkDenom("max_price", msg.MaxPrice, p.OrderMinDeposit.Denom); err != nil {
		return nil, err
	}
	id, err := m.OrderSeq.Next(ctx)
	if err != nil {
		return nil, err
	}
	id++
	o := types.Order{
		Id: id, Customer: msg.Customer, OfferingId: msg.OfferingId, Plan: msg.Plan, Limits: msg.Limits, State: state,
		DetailsHash: msg.DetailsHash, DetailsKey: msg.DetailsKey, MaxPrice: msg.MaxPrice, EscrowAccount: types.OrderEscrowID(id),
		Category: msg.Category, CreatedAt: sdk.UnwrapSDKContext(ctx).BlockHeight(),
	}
	if o.MaxPrice.Denom == "" {
		o.MaxPrice = sdk.NewCoin(p.OrderMinDeposit.Denom, sdkmath.ZeroInt())
	}
	if err := m.escrow.CreateAccount(ctx, o.EscrowAccount, msg.Customer, msg.Deposit); err != nil {
		return nil, err
	}
	if err := m.Orders.Set(ctx, id, o); err != nil {
		return nil, err
	}
	return &types.MsgCreateOrderResponse{Id: id}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventOrderCreated{Id: id, Customer: msg.Customer, OfferingId: msg.OfferingId})
}

func (m msgServer) CancelOrder(ctx context.Context, msg *types.MsgCancelOrder) (*types.MsgCancelOrderResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	o, err := m.GetOrder(ctx, msg.OrderId)
	if err != nil {
		return nil, err
	}
	if o.Customer != msg.Customer {
		return nil, errorsmod.Wrapf(types.ErrWrongSigner, "order %d belongs to %s", o.Id, o.Customer)
	}
	if o.State != types.ORDER_STATE_PENDING_PROVIDER && o.State != types.ORDER_STATE_OPEN {
		return nil, errorsmod.Wrapf(types.ErrOrderState, "order %d is %s; close its lease instead", o.Id, o.State)
	}
	bids, err := m.BidsOf(ctx, o.Id)
	if err != nil {
		return nil, err
	}
	for i := range bids {
		if bids[i].State == types.BID_STATE_OPEN {
			if err := m.closeBid(ctx, &bids[i], types.BID_STATE_CLOSED); err != nil {
				return nil, err
			}
		}
	}
	if _, err := m.escrow.CloseAccount(ctx, o.EscrowAccount); err != nil {
		return nil, err
	}
	return &types.MsgCancelOrderResponse{}, m.setOrderState(ctx, &o, types.ORDER_STATE_CANCELED, msg.Customer)
}

// planRate is the fixed charge per block: Σ price × quantity (limit, default 1).
func planRate(plan types.Plan, limits []types.ComponentLimit, denom string) sdk.Coin {
	rate := sdk.NewCoin(denom, sdkmath.ZeroInt())
	for _, c := range plan.Components {
		if c.Billing != types.BILLING_TYPE_FIXED {
			continue
		}
		qty := sdkmath.OneInt()
		for _, l := range limits {
			if l.Component == c.Component {
				qty = sdkmath.NewIntFromUint64(l.Amount)
			}
		}
		rate = rate.AddAmount(c.Price.Amount.Mul(qty))
	}
	return rate
}

func (m msgServer) pendingForProvider(ctx context.Context, orderID uint64, provider string) (types.Order, types.Offering, error) {
	o, err := m.GetOrder(ctx, orderID)
	if err != nil {
		return o, types.Offering{}, err
	}
	if o.State != types.ORDER_STATE_PENDING_PROVIDER {
		return o, types.Offering{}, errorsmod.Wrapf(types.ErrOrderState, "order %d is %s, not pending provider", o.Id, o.State)
	}
	off, err := m.GetOffering(ctx, o.OfferingId)
	if err != nil {
		return o, off, err
	}
	if off.Provider != provider {
		return o, off, errorsmod.Wrapf(types.ErrWrongSigner, "order %d is for %s's offering", o.Id, off.Provider)
	}
	return o, off, nil
}

func (m msgServer) ApproveOrder(ctx context.Context, msg *types.MsgApproveOrder) (*types.MsgApproveOrderResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	o, off, err := m.pendingForProvider(ctx, msg.OrderId, msg.Provider)
	if err != nil {
		return nil, err
	}
	plan, ok := findPlan(off, o.Plan)
	if !ok {
		return nil, errorsmod.Wrapf(types.ErrPlanNotFound, "offering %d no longer has plan %q", off.Id, o.Plan)
	}
	p, err := m.denom(ctx)
	if err != nil {
		return nil, err
	}
	rate := planRate(plan, o.Limits, p.OrderMinDeposit.Denom)
	if err := m.startLease(ctx, &o, msg.Provider, rate); err != nil {
		return nil, err
	}
	return &types.MsgApproveOrderResponse{}, nil
}

func (k Keeper) startLease(ctx context.Context, o *types.Order, provider string, rate sdk.Coin) error {
	if err := k.escrow.CreatePayment(ctx, o.EscrowAccount, types.LeasePaymentID, provider, rate); err != nil {
		return err
	}
	l := types.Lease{
		OrderId: o.Id, Customer: o.Customer, Provider: provider, Price: rate,
		State: types.LEASE_STATE_ACTIVE, CreatedAt: sdk.UnwrapSDKContext(ctx).BlockHeight(),
	}
	if err := k.Leases.Set(ctx, o.Id, l); err != nil {
		return err
	}
	if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventLeaseCreated{OrderId: o.Id, Provider: provider, Price: rate.String()}); err != nil {
		return err
	}
	return k.setOrderState(ctx, o, types.ORDER_STATE_EXECUTING, provider)
}

func (m msgServer) RejectOrder(ctx context.Context, msg *types.MsgRejectOrder) (*types.MsgRejectOrderResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	o, _, err := m.pendingForProvider(ctx, msg.OrderId, msg.Provider)
	if err != nil {
		return nil, err
	}
	if _, err := m.escrow.CloseAccount(ctx, o.EscrowAccount); err != nil {
		return nil, err
	}
	return &types.MsgRejectOrderResponse{}, m.setOrderState(ctx, &o, types.ORDER_STATE_REJECTED, msg.Provider)
}

func (m msgServer) SetOrderState(ctx context.Context, msg *types.MsgSetOrderState) (*types.MsgSetOrderStateResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	o, err := m.GetOrder(ctx, msg.OrderId)
	if err != nil {
		return nil, err
	}
	if o.State != types.ORDER_STATE_EXECUTING {
		return nil, errorsmod.Wrapf(types.ErrOrderState, "order %d is %s, not executing", o.Id, o.State)
	}
	l, err := m.GetLease(ctx, o.Id)
	if err != nil {
		return nil, err
	}
	if l.Provider != msg.Provider {
		return nil, errorsmod.Wrapf(types.ErrWrongSigner, "order %d is served by %s", o.Id, l.Provider)
	}
	if msg.State == types.ORDER_STATE_ERRED && l.State != types.LEASE_STATE_CLOSED {
		// Provisioning failed: stop billing and refund what is left.
		if err := m.closeLease(ctx, &l, types.LEASE_CLOSE_REASON_PROVIDER_ERRED); err != nil {
			return nil, err
		}
	}
	return &types.MsgSetOrderStateResponse{}, m.setOrderState(ctx, &o, msg.State, msg.Provider)
}

func (m msgServer) CreateBid(ctx context.Context, msg *types.MsgCreateBid) (*types.MsgCreateBidResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	if err := m.requireProvider(ctx, msg.Provider); err != nil {
		return nil, err
	}
	p, err := m.denom(ctx)
	if err != nil {
		return nil, err
	}
	o, err := m.GetOrder(ctx, msg.OrderId)
	if err != nil {
		return nil, err
	}
	if o.State != types.ORDER_STATE_OPEN {
		return nil, errorsmod.Wrapf(types.ErrOrderState, "order %d is %s, not open for bids", o.Id, o.State)
	}
	if o.Customer == msg.Provider {
		return nil, errorsmod.Wrapf(types.ErrSelfBid, "%s placed order %d", msg.Provider, o.Id)
	}
	if has, err := m.Bids.Has(ctx, collections.Join(o.Id, msg.Provider)); err != nil {
		return nil, err
	} else if has {
		return nil, errorsmod.Wrapf(types.ErrDuplicateBid, "%s on order %d", msg.Provider, o.Id)
	}
	if o.BidCount >= p.MaxBidsPerOrder {
		return nil, errorsmod.Wrapf(types.ErrTooManyBids, "order %d already has %d bids", o.Id, o.BidCount)
	}
	if err := checkDenom("price", msg.Price, o.MaxPrice.Denom); err != nil {
		return nil, err
	}
	if o.MaxPrice.IsLT(msg.Price) {
		return nil, errorsmod.Wrapf(types.ErrBidAboveMax, "price %s exceeds max_price %s", msg.Price, o.MaxPrice)
	}
	if err := checkDenom("deposit", msg.Deposit, p.BidMinDeposit.Denom); err != nil {
		return nil, err
	}
	if msg.Deposit.IsLT(p.BidMinDeposit) {
		return nil, errorsmod.Wrapf(types.ErrDepositTooLow, "deposit %s is below bid_min_deposit %s", msg.Deposit, p.BidMinDeposit)
	}
	if err := m.escrow.CreateAccount(ctx, types.BidEscrowID(o.Id, msg.Provider), msg.Provider, msg.Deposit); err != nil {
		return nil, err
	}
	b := types.Bid{OrderId: o.Id, Provider: msg.Provider, Price: msg.Price, Deposit: msg.Deposit, State: types.BID_STATE_OPEN,
		CreatedAt: sdk.UnwrapSDKContext(ctx).BlockHeight()}
	if err := m.Bids.Set(ctx, collections.Join(o.Id, msg.Provider), b); err != nil {
		return nil, err
	}
	o.BidCount++
	if err := m.Orders.Set(ctx, o.Id, o); err != nil {
		return nil, err
	}
	return &types.MsgCreateBidResponse{}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventBidCreated{OrderId: o.Id, Provider: msg.Provider, Price: msg.Price.String()})
}

func (k Keeper) getBid(ctx context.Context, orderID uint64, provider string) (types.Bid, error) {
	b, err := k.Bids.Get(ctx, collections.Join(orderID, provider))
	if err != nil {
		return b, errorsmod.Wrapf(types.ErrBidNotFound, "no bid by %s on order %d", provider, orderID)
	}
	return b, nil
}

func (m msgServer) CloseBid(ctx context.Context, msg *types.MsgCloseBid) (*types.MsgCloseBidResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	b, err := m.getBid(ctx, msg.OrderId, msg.Provider)
	if err != nil {
		return nil, err
	}
	if b.State != types.BID_STATE_OPEN {
		return nil, errorsmod.Wrapf(types.ErrBidState, "bid is %s; an accepted bid ends with its lease", b.State)
	}
	return &types.MsgCloseBidResponse{}, m.closeBid(ctx, &b, types.BID_STATE_CLOSED)
}

func (m msgServer) CreateLease(ctx context.Context, msg *types.MsgCreateLease) (*types.MsgCreateLeaseResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	o, err := m.GetOrder(ctx, msg.OrderId)
	if err != nil {
		return nil, err
	}
	if o.Customer != msg.Customer {
		return nil, errorsmod.Wrapf(types.ErrWrongSigner, "order %d belongs to %s", o.Id, o.Customer)
	}
	if o.State != types.ORDER_STATE_OPEN {
		return nil, errorsmod.Wrapf(types.ErrOrderState, "order %d is %s, not open", o.Id, o.State)
	}
	win, err := m.getBid(ctx, o.Id, msg.Provider)
	if err != nil {
		return nil, err
	}
	if win.State != types.BID_STATE_OPEN {
		return nil, errorsmod.Wrapf(types.ErrBidState, "bid by %s is %s", msg.Provider, win.State)
	}
	bids, err := m.BidsOf(ctx, o.Id)
	if err != nil {
		return nil, err
	}
	for i := range bids {
		if bids[i].Provider != win.Provider && bids[i].State == types.BID_STATE_OPEN {
			if err := m.closeBid(ctx, &bids[i], types.BID_STATE_LOST); err != nil {
				return nil, err
			}
		}
	}
	// The winner's deposit stays in escrow until the lease ends.
	win.State = types.BID_STATE_ACTIVE
	if err := m.Bids.Set(ctx, collections.Join(o.Id, win.Provider), win); err != nil {
		return nil, err
	}
	return &types.MsgCreateLeaseResponse{}, m.startLease(ctx, &o, win.Provider, win.Price)
}

// closeLease stops the payment, pays the provider, refunds the customer and
// returns the winning bid's deposit.
func (k Keeper) closeLease(ctx context.Context, l *types.Lease, reason types.LeaseCloseReason) error {
	acc, err := k.escrow.GetAccount(ctx, types.OrderEscrowID(l.OrderId))
	if err != nil {
		return err
	}
	if acc.State != escrowtypes.ACCOUNT_STATE_CLOSED { // the escrow grace sweep may have closed it
		if _, err := k.escrow.CloseAccount(ctx, acc.Id); err != nil {
			return err
		}
	}
	if b, err := k.Bids.Get(ctx, collections.Join(l.OrderId, l.Provider)); err == nil && b.State == types.BID_STATE_ACTIVE {
		if err := k.closeBid(ctx, &b, types.BID_STATE_CLOSED); err != nil {
			return err
		}
	}
	return k.setLeaseState(ctx, l, types.LEASE_STATE_CLOSED, reason)
}

func (m msgServer) CloseLease(ctx context.Context, msg *types.MsgCloseLease) (*types.MsgCloseLeaseResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	l, err := m.GetLease(ctx, msg.OrderId)
	if err != nil {
		return nil, err
	}
	var reason types.LeaseCloseReason
	switch {
	case l.State == types.LEASE_STATE_CLOSED:
		return nil, errorsmod.Wrapf(types.ErrLeaseState, "lease for order %d is already closed", l.OrderId)
	case msg.Sender == l.Customer:
		reason = types.LEASE_CLOSE_REASON_CUSTOMER
	case msg.Sender == l.Provider:
		reason = types.LEASE_CLOSE_REASON_PROVIDER
	case l.State == types.LEASE_STATE_INSUFFICIENT_FUNDS:
		reason = types.LEASE_CLOSE_REASON_INSUFFICIENT_FUNDS // anyone may clean up
	default:
		return nil, errorsmod.Wrapf(types.ErrWrongSigner, "only the customer or provider may close an active lease")
	}
	return &types.MsgCloseLeaseResponse{}, m.closeLease(ctx, &l, reason)
}

func (m msgServer) PostUsage(ctx context.Context, msg *types.MsgPostUsage) (*types.MsgPostUsageResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	l, err := m.GetLease(ctx, msg.OrderId)
	if err != nil {
		return nil, err
	}
	if l.Provider != msg.Provider {
		return nil, errorsmod.Wrapf(types.ErrWrongSigner, "order %d is served by %s", l.OrderId, l.Provider)
	}
	if l.State != types.LEASE_STATE_ACTIVE {
		return nil, errorsmod.Wrapf(types.ErrLeaseState, "lease for order %d is %s", l.OrderId, l.State)
	}
	o, err := m.GetOrder(ctx, msg.OrderId)
	if err != nil {
		return nil, err
	}
	var price *sdk.Coin
	if o.OfferingId != 0 {
		off, err := m.GetOffering(ctx, o.OfferingId)
		if err != nil {
			return nil, err
		}
		if plan, ok := findPlan(off, o.Plan); ok {
			for _, c := range plan.Components {
				if c.Component == msg.Component && c.Billing == types.BILLING_TYPE_USAGE {
					price = &c.Price
				}
			}
		}
	}
	if price == nil {
		return nil, errorsmod.Wrapf(types.ErrUnknownComponent, "order %d has no usage-billed component %q", o.Id, msg.Component)
	}
	cost := sdk.NewCoin(price.Denom, price.Amount.Mul(sdkmath.NewIntFromUint64(msg.Amount)))
	if cost.IsPositive() {
		if err := m.escrow.Charge(ctx, o.EscrowAccount, types.LeasePaymentID, cost); err != nil {
			return nil, err
		}
	}
	seq := uint64(1)
	rng := collections.NewPrefixedPairRange[uint64, uint64](o.Id).Descending()
	it, err := m.Usage.Iterate(ctx, rng)
	if err != nil {
		return nil, err
	}
	if it.Valid() {
		k, err := it.Key()
		if err != nil {
			it.Close()
			return nil, err
		}
		seq = k.K2() + 1
	}
	it.Close()
	rec := types.UsageRecord{OrderId: o.Id, Seq: seq, Component: msg.Component, Amount: msg.Amount,
		PeriodStart: msg.PeriodStart, PeriodEnd: msg.PeriodEnd, Cost: cost, PostedAt: sdk.UnwrapSDKContext(ctx).BlockHeight()}
	if err := m.Usage.Set(ctx, collections.Join(o.Id, seq), rec); err != nil {
		return nil, err
	}
	return &types.MsgPostUsageResponse{Seq: seq}, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventUsagePosted{
		OrderId: o.Id, Seq: seq, Component: msg.Component, Amount: msg.Amount, Cost: cost.String()})
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
