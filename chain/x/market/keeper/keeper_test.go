package keeper_test

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"cosmossdk.io/collections"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	"github.com/stretchr/testify/require"

	"github.com/virtengine/virtengine/chain/app"
	escrowkeeper "github.com/virtengine/virtengine/chain/x/escrow/keeper"
	escrowtypes "github.com/virtengine/virtengine/chain/x/escrow/types"
	"github.com/virtengine/virtengine/chain/x/market/keeper"
	"github.com/virtengine/virtengine/chain/x/market/types"
	rolestypes "github.com/virtengine/virtengine/chain/x/roles/types"
	veidtypes "github.com/virtengine/virtengine/chain/x/veid/types"
)

type fixture struct {
	t                      *testing.T
	ta                     *app.TestApp
	msg                    types.MsgServer
	cust, p1, p2, p3, anon app.TestAccount
	height                 int64
}

func setup(t *testing.T) *fixture {
	ta, accs := app.SetupTestApp(t, 5, nil)
	f := &fixture{t: t, ta: ta, msg: keeper.NewMsgServerImpl(ta.MarketKeeper),
		cust: accs[0], p1: accs[1], p2: accs[2], p3: accs[3], anon: accs[4], height: 100}
	// The customer has an agreed identity score of 90 (offerings below require 40).
	require.NoError(t, ta.VeidKeeper.Scores.Set(f.ctx(), collections.Join(f.cust.Addr, uint64(1)),
		veidtypes.Score{Account: f.cust.String(), Score: 90, RoundId: 1, How: veidtypes.ROUND_STATE_FINALIZED}))
	for i, p := range []app.TestAccount{f.p1, f.p2, f.p3} {
		require.NoError(t, ta.RolesKeeper.SetRole(f.ctx(), p.Addr, rolestypes.RoleAssignment{Address: p.String(), Role: rolestypes.ROLE_SERVICE_PROVIDER}))
		if i < 2 { // p3 bids only, which needs no provider record
			_, err := f.msg.UpsertProvider(f.ctx(), &types.MsgUpsertProvider{Owner: p.String(), Name: fmt.Sprintf("provider %d", i+1),
				HostUri: "https://provider.example:8443", Attributes: []types.Attribute{{Key: "region", Value: "eu-north"}}})
			require.NoError(t, err)
		}
	}
	return f
}

func (f *fixture) at(h int64) sdk.Context {
	f.height = h
	return f.ctx()
}

func (f *fixture) ctx() sdk.Context {
	return f.ta.NewUncachedContext(false, cmtproto.Header{Height: f.height, ChainID: app.TestChainID})
}

func (f *fixture) bal(a app.TestAccount) int64 {
	return f.ta.BankKeeper.GetBalance(f.ctx(), a.Addr, "uve").Amount.Int64()
}

func (f *fixture) solvent() {
	f.t.Helper()
	msg, broken := escrowkeeper.SolvencyInvariant(f.ta.EscrowKeeper, authtypes.NewModuleAddress(escrowtypes.ModuleName))(f.ctx())
	require.False(f.t, broken, msg)
}

func uve(n int64) sdk.Coin { return sdk.NewInt64Coin("uve", n) }

func (f *fixture) offering() uint64 {
	h := sha256.Sum256([]byte("encrypted description"))
	res, err := f.msg.CreateOffering(f.ctx(), &types.MsgCreateOffering{
		Provider: f.p1.String(), Category: "vm", OfferingType: "openstack.instance",
		Plans: []types.Plan{{Name: "small", Components: []types.PriceComponent{
			{Component: "cpu", Billing: types.BILLING_TYPE_FIXED, Price: uve(2)},
			{Component: "storage_gb_hours", Billing: types.BILLING_TYPE_USAGE, Price: uve(5)},
		}}},
		RequiredIdentityScore: 40, DescriptionHash: h[:], DescriptionKey: "offerings/1/description.enc",
	})
	require.NoError(f.t, err)
	return res.Id
}

func (f *fixture) directOrder(offering uint64, deposit int64) uint64 {
	res, err := f.msg.CreateOrder(f.ctx(), &types.MsgCreateOrder{
		Customer: f.cust.String(), OfferingId: offering, Plan: "small",
		Limits: []types.ComponentLimit{{Component: "cpu", Amount: 3}}, Deposit: uve(deposit),
	})
	require.NoError(f.t, err)
	return res.Id
}

func TestDirectOrderLifecycle(t *testing.T) {
	f := setup(t)
	f.at(100)
	_, err := f.msg.CreateOffering(f.ctx(), &types.MsgCreateOffering{Provider: f.cust.String(), Category: "vm", OfferingType: "x",
		Plans: []types.Plan{{Name: "p", Components: []types.PriceComponent{{Component: "c", Billing: types.BILLING_TYPE_FIXED, Price: uve(1)}}}}})
	require.ErrorIs(t, err, types.ErrNotProvider)

	off := f.offering()
	custStart, provStart := f.bal(f.cust), f.bal(f.p1)
	_, err = f.msg.CreateOrder(f.ctx(), &types.MsgCreateOrder{Customer: f.cust.String(), OfferingId: off, Plan: "large", Deposit: uve(1_000_000)})
	require.ErrorIs(t, err, types.ErrPlanNotFound)
	_, err = f.msg.CreateOrder(f.ctx(), &types.MsgCreateOrder{Customer: f.cust.String(), OfferingId: off, Plan: "small", Deposit: uve(10)})
	require.ErrorIs(t, err, types.ErrDepositTooLow)
	_, err = f.msg.CreateOrder(f.ctx(), &types.MsgCreateOrder{Customer: f.cust.String(), OfferingId: 99, Plan: "small", Deposit: uve(1_000_000)})
	require.ErrorIs(t, err, types.ErrOfferingNotFound)
	id := f.directOrder(off, 1_000_000)
	require.Equal(t, custStart-1_000_000, f.bal(f.cust))

	_, err = f.msg.ApproveOrder(f.ctx(), &types.MsgApproveOrder{Provider: f.p2.String(), OrderId: id})
	require.ErrorIs(t, err, types.ErrWrongSigner)
	_, err = f.msg.ApproveOrder(f.ctx(), &types.MsgApproveOrder{Provider: f.p1.String(), OrderId: id})
	require.NoError(t, err)
	l, err := f.ta.MarketKeeper.GetLease(f.ctx(), id)
	require.NoError(t, err)
	require.Equal(t, uve(6), l.Price, "cpu 2uve × limit 3")
	require.Equal(t, types.LEASE_STATE_ACTIVE, l.State)
	_, err = f.msg.CancelOrder(f.ctx(), &types.MsgCancelOrder{Customer: f.cust.String(), OrderId: id})
	require.ErrorIs(t, err, types.ErrOrderState)

	_, err = f.msg.SetOrderState(f.at(101), &types.MsgSetOrderState{Provider: f.p1.String(), OrderId: id, State: types.ORDER_STATE_DONE})
	require.NoError(t, err)

	// Usage-billed component, charged from escrow immediately.
	_, err = f.msg.PostUsage(f.at(150), &types.MsgPostUsage{Provider: f.p1.String(), OrderId: id, Component: "cpu", Amount: 1, PeriodStart: 1, PeriodEnd: 2})
	require.ErrorIs(t, err, types.ErrUnknownComponent, "cpu is fixed-billed")
	_, err = f.msg.PostUsage(f.ctx(), &types.MsgPostUsage{Provider: f.p2.String(), OrderId: id, Component: "storage_gb_hours", Amount: 10, PeriodStart: 1, PeriodEnd: 2})
	require.ErrorIs(t, err, types.ErrWrongSigner)
	r, err := f.msg.PostUsage(f.ctx(), &types.MsgPostUsage{Provider: f.p1.String(), OrderId: id, Component: "storage_gb_hours", Amount: 10, PeriodStart: 1_700_000_000, PeriodEnd: 1_700_003_600})
	require.NoError(t, err)
	require.EqualValues(t, 1, r.Seq)
	usage, err := f.ta.MarketKeeper.UsageOf(f.ctx(), id)
	require.NoError(t, err)
	require.Len(t, usage, 1)
	require.Equal(t, uve(50), usage[0].Cost)
	f.solvent()

	// Only customer or provider may close an active lease.
	_, err = f.msg.CloseLease(f.at(200), &types.MsgCloseLease{Sender: f.anon.String(), OrderId: id})
	require.ErrorIs(t, err, types.ErrWrongSigner)
	_, err = f.msg.CloseLease(f.ctx(), &types.MsgCloseLease{Sender: f.cust.String(), OrderId: id})
	require.NoError(t, err)
	l, err = f.ta.MarketKeeper.GetLease(f.ctx(), id)
	require.NoError(t, err)
	require.Equal(t, types.LEASE_STATE_CLOSED, l.State)
	require.Equal(t, types.LEASE_CLOSE_REASON_CUSTOMER, l.CloseReason)
	// 100 blocks × 6uve + 50uve usage, nothing else.
	require.Equal(t, custStart-650, f.bal(f.cust))
	require.Equal(t, provStart+650, f.bal(f.p1))
	_, err = f.msg.CloseLease(f.ctx(), &types.MsgCloseLease{Sender: f.cust.String(), OrderId: id})
	require.ErrorIs(t, err, types.ErrLeaseState)
	f.solvent()
}

func TestCancelAndReject(t *testing.T) {
	f := setup(t)
	f.at(100)
	off := f.offering()
	start := f.bal(f.cust)
	a := f.directOrder(off, 2_000_000)
	b := f.directOrder(off, 3_000_000)
	_, err := f.msg.CancelOrder(f.ctx(), &types.MsgCancelOrder{Customer: f.p1.String(), OrderId: a})
	require.ErrorIs(t, err, types.ErrWrongSigner)
	_, err = f.msg.CancelOrder(f.ctx(), &types.MsgCancelOrder{Customer: f.cust.String(), OrderId: a})
	require.NoError(t, err)
	_, err = f.msg.RejectOrder(f.ctx(), &types.MsgRejectOrder{Provider: f.p1.String(), OrderId: b})
	require.NoError(t, err)
	require.Equal(t, start, f.bal(f.cust), "both deposits refunded")
	o, err := f.ta.MarketKeeper.GetOrder(f.ctx(), b)
	require.NoError(t, err)
	require.Equal(t, types.ORDER_STATE_REJECTED, o.State)
	_, err = f.msg.ApproveOrder(f.ctx(), &types.MsgApproveOrder{Provider: f.p1.String(), OrderId: b})
	require.ErrorIs(t, err, types.ErrOrderState)
	// Paused offerings take no orders.
	_, err = f.msg.UpdateOffering(f.ctx(), &types.MsgUpdateOffering{Provider: f.p1.String(), Id: off, State: types.OFFERING_STATE_PAUSED})
	require.NoError(t, err)
	_, err = f.msg.CreateOrder(f.ctx(), &types.MsgCreateOrder{Customer: f.cust.String(), OfferingId: off, Plan: "small", Deposit: uve(1_000_000)})
	require.ErrorIs(t, err, types.ErrOfferingInactive)
	_, err = f.msg.UpdateOffering(f.ctx(), &types.MsgUpdateOffering{Provider: f.p2.String(), Id: off, State: types.OFFERING_STATE_ACTIVE})
	require.ErrorIs(t, err, types.ErrWrongSigner)
	f.solvent()
}

func TestAuction(t *testing.T) {
	f := setup(t)
	f.at(100)
	p := types.DefaultParams()
	p.MaxBidsPerOrder = 2
	require.NoError(t, f.ta.MarketKeeper.Params.Set(f.ctx(), p))
	res, err := f.msg.CreateOrder(f.ctx(), &types.MsgCreateOrder{Customer: f.cust.String(), Category: "hpc", MaxPrice: uve(10), Deposit: uve(5_000_000)})
	require.NoError(t, err)
	id := res.Id
	dep := uve(500_000)
	bid := func(who app.TestAccount, price int64, deposit sdk.Coin) error {
		_, err := f.msg.CreateBid(f.ctx(), &types.MsgCreateBid{Provider: who.String(), OrderId: id, Price: uve(price), Deposit: deposit})
		return err
	}
	p1Start := f.bal(f.p1)
	require.ErrorIs(t, bid(f.p1, 11, dep), types.ErrBidAboveMax)
	require.ErrorIs(t, bid(f.p1, 8, uve(10)), types.ErrDepositTooLow)
	require.ErrorIs(t, bid(f.p1, 8, sdk.NewInt64Coin("stake", 500_000)), types.ErrWrongDenom)
	require.ErrorIs(t, bid(f.anon, 8, dep), types.ErrNotProvider)
	require.NoError(t, f.ta.RolesKeeper.SetRole(f.ctx(), f.cust.Addr, rolestypes.RoleAssignment{Address: f.cust.String(), Role: rolestypes.ROLE_SERVICE_PROVIDER}))
	require.ErrorIs(t, bid(f.cust, 8, dep), types.ErrSelfBid)
	require.NoError(t, bid(f.p1, 8, dep))
	require.Equal(t, p1Start-500_000, f.bal(f.p1))
	require.ErrorIs(t, bid(f.p1, 7, dep), types.ErrDuplicateBid)
	require.NoError(t, bid(f.p2, 7, dep))
	require.ErrorIs(t, bid(f.p3, 6, dep), types.ErrTooManyBids)
	f.solvent()

	_, err = f.msg.CreateLease(f.ctx(), &types.MsgCreateLease{Customer: f.p1.String(), OrderId: id, Provider: f.p2.String()})
	require.ErrorIs(t, err, types.ErrWrongSigner)
	_, err = f.msg.CreateLease(f.ctx(), &types.MsgCreateLease{Customer: f.cust.String(), OrderId: id, Provider: f.p2.String()})
	require.NoError(t, err)
	require.Equal(t, p1Start, f.bal(f.p1), "losing bid deposit refunded")
	bids, err := f.ta.MarketKeeper.BidsOf(f.ctx(), id)
	require.NoError(t, err)
	states := map[string]types.BidState{}
	for _, b := range bids {
		states[b.Provider] = b.State
	}
	require.Equal(t, types.BID_STATE_LOST, states[f.p1.String()])
	require.Equal(t, types.BID_STATE_ACTIVE, states[f.p2.String()])
	l, err := f.ta.MarketKeeper.GetLease(f.ctx(), id)
	require.NoError(t, err)
	require.Equal(t, uve(7), l.Price)
	require.ErrorIs(t, bid(f.p3, 6, dep), types.ErrOrderState, "order no longer open")

	// Provider closes: gets paid for 10 blocks and its deposit back.
	p2Before := f.bal(f.p2)
	_, err = f.msg.CloseLease(f.at(110), &types.MsgCloseLease{Sender: f.p2.String(), OrderId: id})
	require.NoError(t, err)
	require.Equal(t, p2Before+70+500_000, f.bal(f.p2))
	f.solvent()
}

func TestInsufficientFunds(t *testing.T) {
	f := setup(t)
	f.at(100)
	res, err := f.msg.CreateOffering(f.ctx(), &types.MsgCreateOffering{Provider: f.p1.String(), Category: "hpc", OfferingType: "slurm",
		Plans: []types.Plan{{Name: "small", Components: []types.PriceComponent{{Component: "cpu", Billing: types.BILLING_TYPE_FIXED, Price: uve(50_000)}}}}})
	require.NoError(t, err)
	id := f.directOrder(res.Id, 1_000_000)
	_, err = f.msg.ApproveOrder(f.ctx(), &types.MsgApproveOrder{Provider: f.p1.String(), OrderId: id})
	require.NoError(t, err)

	// 20 blocks × 3 cpu × 50_000 > 1_000_000: the sweep finds it overdrawn.
	ep, err := f.ta.EscrowKeeper.Params.Get(f.ctx())
	require.NoError(t, err)
	ep.SettleInterval, ep.OverdraftGraceBlocks = 10, 30
	require.NoError(t, f.ta.EscrowKeeper.Params.Set(f.ctx(), ep))
	require.NoError(t, f.ta.EscrowKeeper.EndBlocker(f.at(120)))
	l, err := f.ta.MarketKeeper.GetLease(f.ctx(), id)
	require.NoError(t, err)
	require.Equal(t, types.LEASE_STATE_INSUFFICIENT_FUNDS, l.State)

	// A top-up within the grace period reactivates the lease.
	dm := escrowkeeper.NewMsgServerImpl(f.ta.EscrowKeeper)
	_, err = dm.Deposit(f.at(125), &escrowtypes.MsgDeposit{Depositor: f.cust.String(), AccountId: types.OrderEscrowID(id), Amount: uve(2_000_000)})
	require.NoError(t, err)
	l, err = f.ta.MarketKeeper.GetLease(f.ctx(), id)
	require.NoError(t, err)
	require.Equal(t, types.LEASE_STATE_ACTIVE, l.State)

	// Runs dry again; now anyone may close it.
	require.NoError(t, f.ta.EscrowKeeper.EndBlocker(f.at(150)))
	l, err = f.ta.MarketKeeper.GetLease(f.ctx(), id)
	require.NoError(t, err)
	require.Equal(t, types.LEASE_STATE_INSUFFICIENT_FUNDS, l.State)
	_, err = f.msg.CloseLease(f.ctx(), &types.MsgCloseLease{Sender: f.anon.String(), OrderId: id})
	require.NoError(t, err)
	l, err = f.ta.MarketKeeper.GetLease(f.ctx(), id)
	require.NoError(t, err)
	require.Equal(t, types.LEASE_CLOSE_REASON_INSUFFICIENT_FUNDS, l.CloseReason)
	f.solvent()

	// Second order left alone: the escrow grace sweep closes the lease itself.
	id2 := f.directOrder(res.Id, 1_000_000)
	_, err = f.msg.ApproveOrder(f.ctx(), &types.MsgApproveOrder{Provider: f.p1.String(), OrderId: id2})
	require.NoError(t, err)
	require.NoError(t, f.ta.EscrowKeeper.EndBlocker(f.at(170)))
	require.NoError(t, f.ta.EscrowKeeper.EndBlocker(f.at(200)))
	l, err = f.ta.MarketKeeper.GetLease(f.ctx(), id2)
	require.NoError(t, err)
	require.Equal(t, types.LEASE_STATE_CLOSED, l.State)
	require.Equal(t, types.LEASE_CLOSE_REASON_INSUFFICIENT_FUNDS, l.CloseReason)
	f.solvent()
}

func TestGenesisRoundTrip(t *testing.T) {
	f := setup(t)
	f.at(100)
	off := f.offering()
	id := f.directOrder(off, 1_000_000)
	_, err := f.msg.ApproveOrder(f.ctx(), &types.MsgApproveOrder{Provider: f.p1.String(), OrderId: id})
	require.NoError(t, err)
	_, err = f.msg.PostUsage(f.ctx(), &types.MsgPostUsage{Provider: f.p1.String(), OrderId: id, Component: "storage_gb_hours", Amount: 1, PeriodStart: 1, PeriodEnd: 1})
	require.NoError(t, err)
	gs, err := f.ta.MarketKeeper.ExportGenesis(f.ctx())
	require.NoError(t, err)
	require.NoError(t, gs.Validate())
	require.EqualValues(t, 2, gs.NextOrderId)

	g := setup(t)
	require.NoError(t, g.ta.MarketKeeper.Providers.Clear(g.ctx(), nil)) // setup's own records
	require.NoError(t, g.ta.MarketKeeper.InitGenesis(g.at(100), gs))
	again, err := g.ta.MarketKeeper.ExportGenesis(g.ctx())
	require.NoError(t, err)
	require.Equal(t, gs, again)
}

func TestValidateBasic(t *testing.T) {
	f := setup(t)
	good := f.cust.String()
	h := sha256.Sum256(nil)
	for name, tc := range map[string]struct {
		msg  sdk.HasValidateBasic
		want error
	}{
		"bad customer":         {&types.MsgCreateOrder{Customer: "cosmos1xyz", Deposit: uve(1), Category: "x", MaxPrice: uve(1)}, types.ErrInvalidAddress},
		"zero deposit":         {&types.MsgCreateOrder{Customer: good, Deposit: uve(0), Category: "x", MaxPrice: uve(1)}, types.ErrInvalidAmount},
		"open without max":     {&types.MsgCreateOrder{Customer: good, Deposit: uve(1), Category: "x"}, types.ErrInvalidAmount},
		"open without cat":     {&types.MsgCreateOrder{Customer: good, Deposit: uve(1), MaxPrice: uve(1)}, types.ErrInvalidOrder},
		"short hash":           {&types.MsgCreateOrder{Customer: good, Deposit: uve(1), OfferingId: 1, Plan: "p", DetailsHash: []byte{1}, DetailsKey: "k"}, types.ErrInvalidOrder},
		"hash without key":     {&types.MsgCreateOrder{Customer: good, Deposit: uve(1), OfferingId: 1, Plan: "p", DetailsHash: h[:]}, types.ErrInvalidOrder},
		"zero bid":             {&types.MsgCreateBid{Provider: good, OrderId: 1, Price: uve(0), Deposit: uve(1)}, types.ErrInvalidAmount},
		"bid order 0":          {&types.MsgCreateBid{Provider: good, Price: uve(1), Deposit: uve(1)}, types.ErrOrderNotFound},
		"usage zero":           {&types.MsgPostUsage{Provider: good, OrderId: 1, Component: "c", PeriodStart: 1, PeriodEnd: 2}, types.ErrInvalidUsage},
		"usage bad period":     {&types.MsgPostUsage{Provider: good, OrderId: 1, Component: "c", Amount: 1, PeriodStart: 5, PeriodEnd: 2}, types.ErrInvalidUsage},
		"state executing":      {&types.MsgSetOrderState{Provider: good, OrderId: 1, State: types.ORDER_STATE_EXECUTING}, types.ErrOrderState},
		"score > 100":          {&types.MsgCreateOffering{Provider: good, Category: "c", OfferingType: "t", RequiredIdentityScore: 101}, types.ErrInvalidOffering},
		"no plans":             {&types.MsgCreateOffering{Provider: good, Category: "c", OfferingType: "t"}, types.ErrInvalidOffering},
		"bad billing":          {&types.MsgCreateOffering{Provider: good, Category: "c", OfferingType: "t", Plans: []types.Plan{{Name: "p", Components: []types.PriceComponent{{Component: "c", Price: uve(1)}}}}}, types.ErrInvalidOffering},
		"close lease bad addr": {&types.MsgCloseLease{Sender: "", OrderId: 1}, types.ErrInvalidAddress},
	} {
		t.Run(name, func(t *testing.T) { require.ErrorIs(t, tc.msg.ValidateBasic(), tc.want) })
	}
}

func TestIdentityScoreRequirement(t *testing.T) {
	f := setup(t)
	off := f.offering() // requires 40
	_, err := f.msg.CreateOrder(f.ctx(), &types.MsgCreateOrder{Customer: f.anon.String(), OfferingId: off, Plan: "small", Deposit: uve(1_000_000)})
	require.ErrorIs(t, err, types.ErrIdentityScore)
	require.ErrorContains(t, err, "customer has no score")
	require.NoError(t, f.ta.VeidKeeper.Scores.Set(f.ctx(), collections.Join(f.anon.Addr, uint64(7)),
		veidtypes.Score{Account: f.anon.String(), Score: 39, RoundId: 7, How: veidtypes.ROUND_STATE_FINALIZED}))
	_, err = f.msg.CreateOrder(f.ctx(), &types.MsgCreateOrder{Customer: f.anon.String(), OfferingId: off, Plan: "small", Deposit: uve(1_000_000)})
	require.ErrorContains(t, err, "requires 40, customer has score 39")
	require.NoError(t, f.ta.VeidKeeper.Scores.Set(f.ctx(), collections.Join(f.anon.Addr, uint64(8)),
		veidtypes.Score{Account: f.anon.String(), Score: 41, RoundId: 8, How: veidtypes.ROUND_STATE_FINALIZED}))
	_, err = f.msg.CreateOrder(f.ctx(), &types.MsgCreateOrder{Customer: f.anon.String(), OfferingId: off, Plan: "small", Deposit: uve(1_000_000)})
	require.NoError(t, err, "the latest score counts")
}

func TestProviders(t *testing.T) {
	f := setup(t)
	_, err := f.msg.UpsertProvider(f.ctx(), &types.MsgUpsertProvider{Owner: f.anon.String(), Name: "x"})
	require.ErrorIs(t, err, types.ErrNotProvider)
	// p3 has the role but no record: it cannot list offerings yet.
	_, err = f.msg.CreateOffering(f.ctx(), &types.MsgCreateOffering{Provider: f.p3.String(), Category: "vm", OfferingType: "x",
		Plans: []types.Plan{{Name: "p", Components: []types.PriceComponent{{Component: "c", Billing: types.BILLING_TYPE_FIXED, Price: uve(1)}}}}})
	require.ErrorIs(t, err, types.ErrProviderNotFound)
	require.ErrorIs(t, (&types.MsgUpsertProvider{Owner: f.p3.String(), Name: "n", HostUri: "ftp://x"}).ValidateBasic(), types.ErrInvalidProvider)
	require.ErrorIs(t, (&types.MsgUpsertProvider{Owner: f.p3.String(), Name: "n", Attributes: []types.Attribute{{Key: "a"}, {Key: "a"}}}).ValidateBasic(), types.ErrInvalidProvider)

	// Update keeps created_at.
	_, err = f.msg.UpsertProvider(f.at(200), &types.MsgUpsertProvider{Owner: f.p1.String(), Name: "renamed"})
	require.NoError(t, err)
	q := keeper.NewQueryServerImpl(f.ta.MarketKeeper)
	res, err := q.Provider(f.ctx(), &types.QueryProviderRequest{Owner: f.p1.String()})
	require.NoError(t, err)
	require.Equal(t, "renamed", res.Provider.Name)
	require.EqualValues(t, 100, res.Provider.CreatedAt)
	require.EqualValues(t, 200, res.Provider.UpdatedAt)
	all, err := q.Providers(f.ctx(), &types.QueryProvidersRequest{})
	require.NoError(t, err)
	require.Len(t, all.Providers, 2)
}
