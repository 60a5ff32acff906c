package keeper_test

import (
	"context"
	"testing"

	sdkmath "cosmossdk.io/math"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	"github.com/stretchr/testify/require"

	"github.com/virtengine/virtengine/chain/app"
	"github.com/virtengine/virtengine/chain/x/escrow/keeper"
	"github.com/virtengine/virtengine/chain/x/escrow/types"
)

type recHooks struct{ overdrawn, restored, closed []string }

func (h *recHooks) OnAccountOverdrawn(_ context.Context, a types.Account) error {
	h.overdrawn = append(h.overdrawn, a.Id)
	return nil
}
func (h *recHooks) OnAccountRestored(_ context.Context, a types.Account) error {
	h.restored = append(h.restored, a.Id)
	return nil
}
func (h *recHooks) OnAccountClosedOverdrawn(_ context.Context, a types.Account) error {
	h.closed = append(h.closed, a.Id)
	return nil
}

type fixture struct {
	t                 *testing.T
	ta                *app.TestApp
	k                 *keeper.Keeper
	hooks             *recHooks
	cust, prov, other app.TestAccount
	height            int64
}

func setup(t *testing.T) *fixture {
	ta, accs := app.SetupTestApp(t, 3, nil)
	f := &fixture{t: t, ta: ta, k: ta.EscrowKeeper, hooks: &recHooks{}, cust: accs[0], prov: accs[1], other: accs[2], height: 100}
	ta.EscrowKeeper.SetHooks(f.hooks)
	return f
}

// at returns a context at height h writing straight to the committed store.
func (f *fixture) at(h int64) sdk.Context {
	f.height = h
	return f.ta.NewUncachedContext(false, cmtproto.Header{Height: h, ChainID: app.TestChainID})
}

func uve(n int64) sdk.Coin { return sdk.NewInt64Coin("uve", n) }

func (f *fixture) bal(a app.TestAccount) int64 {
	return f.ta.BankKeeper.GetBalance(f.at(f.height), a.Addr, "uve").Amount.Int64()
}

func (f *fixture) solvent() {
	f.t.Helper()
	msg, broken := keeper.SolvencyInvariant(f.k, authtypes.NewModuleAddress(types.ModuleName))(f.at(f.height))
	require.False(f.t, broken, msg)
}

func TestSettleWithdrawClose(t *testing.T) {
	f := setup(t)
	ctx := f.at(100)
	start := f.bal(f.cust)
	require.NoError(t, f.k.CreateAccount(ctx, "order/1", f.cust.String(), uve(1000)))
	require.ErrorIs(t, f.k.CreateAccount(ctx, "order/1", f.cust.String(), uve(1)), types.ErrAccountExists)
	require.NoError(t, f.k.CreatePayment(ctx, "order/1", "lease/1", f.prov.String(), uve(10)))
	require.Equal(t, start-1000, f.bal(f.cust))
	f.solvent()

	acc, err := f.k.Settle(f.at(105), "order/1")
	require.NoError(t, err)
	require.EqualValues(t, 950, acc.Balance.Amount.Int64())
	require.EqualValues(t, 50, acc.Transferred.Amount.Int64())
	f.solvent()

	provStart := f.bal(f.prov)
	_, err = f.k.Withdraw(f.at(105), "order/1", "lease/1", f.other.String())
	require.ErrorIs(t, err, types.ErrUnauthorized)
	got, err := f.k.Withdraw(f.at(107), "order/1", "lease/1", f.prov.String())
	require.NoError(t, err)
	require.EqualValues(t, 70, got.Amount.Int64()) // settled to 107 first
	require.Equal(t, provStart+70, f.bal(f.prov))
	f.solvent()

	refund, err := f.k.CloseAccount(f.at(110), "order/1")
	require.NoError(t, err)
	require.EqualValues(t, 900, refund.Amount.Int64())
	require.Equal(t, start-100, f.bal(f.cust), "customer paid exactly 10 blocks × 10uve")
	require.Equal(t, provStart+100, f.bal(f.prov))
	f.solvent()

	_, err = f.k.CloseAccount(f.at(111), "order/1")
	require.ErrorIs(t, err, types.ErrAccountClosed)
	require.ErrorIs(t, f.k.Deposit(f.at(111), "order/1", f.cust.String(), uve(5)), types.ErrAccountClosed)
}

func TestOverdraftRestoreAndGrace(t *testing.T) {
	f := setup(t)
	require.NoError(t, f.k.CreateAccount(f.at(100), "order/2", f.cust.String(), uve(100)))
	require.NoError(t, f.k.CreatePayment(f.at(100), "order/2", "a", f.prov.String(), uve(3)))
	require.NoError(t, f.k.CreatePayment(f.at(100), "order/2", "b", f.other.String(), uve(1)))

	// 40 blocks × 4uve = 160 due, 100 available: shared 3:1, rest owed.
	acc, err := f.k.Settle(f.at(140), "order/2")
	require.NoError(t, err)
	require.Equal(t, types.ACCOUNT_STATE_OVERDRAWN, acc.State)
	require.Equal(t, []string{"order/2"}, f.hooks.overdrawn)
	pays, err := f.k.PaymentsOf(f.at(140), "order/2")
	require.NoError(t, err)
	require.EqualValues(t, 75, pays[0].Balance.Amount.Int64())
	require.EqualValues(t, 45, pays[0].Owed.Amount.Int64())
	require.EqualValues(t, 25, pays[1].Balance.Amount.Int64())
	require.EqualValues(t, 15, pays[1].Owed.Amount.Int64())
	require.Equal(t, types.PAYMENT_STATE_OVERDRAWN, pays[0].State)
	f.solvent()

	// Overdrawn accounts accrue nothing more.
	acc, err = f.k.Settle(f.at(150), "order/2")
	require.NoError(t, err)
	require.True(t, acc.Balance.IsZero())

	// A deposit that covers the debt reopens the account (anyone may pay).
	require.NoError(t, f.k.Deposit(f.at(150), "order/2", f.other.String(), uve(80)))
	acc, err = f.k.GetAccount(f.at(150), "order/2")
	require.NoError(t, err)
	require.Equal(t, types.ACCOUNT_STATE_OPEN, acc.State)
	require.EqualValues(t, 20, acc.Balance.Amount.Int64())
	require.Equal(t, []string{"order/2"}, f.hooks.restored)
	f.solvent()

	// Run dry again, then let the EndBlocker close it after the grace period.
	p, err := f.k.Params.Get(f.at(150))
	require.NoError(t, err)
	p.SettleInterval, p.OverdraftGraceBlocks = 10, 20
	require.NoError(t, f.k.Params.Set(f.at(150), p))
	require.NoError(t, f.k.EndBlocker(f.at(160))) // 10 blocks × 4 = 40 > 20: overdrawn at 160
	acc, err = f.k.GetAccount(f.at(160), "order/2")
	require.NoError(t, err)
	require.Equal(t, types.ACCOUNT_STATE_OVERDRAWN, acc.State)
	require.NoError(t, f.k.EndBlocker(f.at(165))) // not a sweep height
	require.NoError(t, f.k.EndBlocker(f.at(170))) // 10 < grace 20
	require.Empty(t, f.hooks.closed)
	require.NoError(t, f.k.EndBlocker(f.at(180)))
	require.Equal(t, []string{"order/2"}, f.hooks.closed)
	acc, err = f.k.GetAccount(f.at(180), "order/2")
	require.NoError(t, err)
	require.Equal(t, types.ACCOUNT_STATE_CLOSED, acc.State)
	has, err := f.k.LiveAccounts.Has(f.at(180), "order/2")
	require.NoError(t, err)
	require.False(t, has)
	f.solvent()
	// All earned money reached the payees.
	held, _, err := f.k.Holdings(f.at(180), authtypes.NewModuleAddress(types.ModuleName))
	require.NoError(t, err)
	require.True(t, held.IsZero(), "module still holds %s", held)
}

func TestBadInput(t *testing.T) {
	f := setup(t)
	ctx := f.at(100)
	require.ErrorIs(t, f.k.CreateAccount(ctx, "order/3", f.cust.String(), sdk.NewInt64Coin("stake", 10)), types.ErrWrongDenom)
	require.ErrorIs(t, f.k.CreateAccount(ctx, "order/3", f.cust.String(), uve(0)), types.ErrInvalidAmount)
	require.ErrorIs(t, f.k.CreateAccount(ctx, "order/3", f.cust.String(), sdk.Coin{Denom: "uve", Amount: sdkmath.NewInt(-5)}), types.ErrInvalidAmount)
	require.ErrorIs(t, f.k.CreateAccount(ctx, "order 3", f.cust.String(), uve(10)), types.ErrInvalidID)
	require.ErrorIs(t, f.k.CreateAccount(ctx, "order/3", "cosmos1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnrql8a", uve(10)), types.ErrInvalidAddress)
	// More than the customer has: the bank error surfaces, no account is made.
	require.Error(t, f.k.CreateAccount(ctx, "order/3", f.cust.String(), uve(9_000_000_000_000)))
	_, err := f.k.GetAccount(ctx, "order/3")
	require.ErrorIs(t, err, types.ErrAccountNotFound)
	require.ErrorIs(t, f.k.Deposit(ctx, "nope", f.cust.String(), uve(1)), types.ErrAccountNotFound)
	_, err = f.k.Withdraw(ctx, "nope", "x", f.prov.String())
	require.ErrorIs(t, err, types.ErrAccountNotFound)

	for _, m := range []sdk.HasValidateBasic{
		&types.MsgDeposit{Depositor: f.cust.String(), AccountId: "order/1", Amount: uve(0)},
		&types.MsgDeposit{Depositor: "ve1bad", AccountId: "order/1", Amount: uve(1)},
		&types.MsgWithdraw{Payee: f.prov.String(), AccountId: "", PaymentId: "x"},
	} {
		require.Error(t, m.ValidateBasic())
	}
	f.solvent()
}

func TestGenesisRoundTrip(t *testing.T) {
	f := setup(t)
	require.NoError(t, f.k.CreateAccount(f.at(100), "order/9", f.cust.String(), uve(500)))
	require.NoError(t, f.k.CreatePayment(f.at(100), "order/9", "l", f.prov.String(), uve(2)))
	_, err := f.k.Settle(f.at(110), "order/9")
	require.NoError(t, err)
	gs, err := f.k.ExportGenesis(f.at(110))
	require.NoError(t, err)
	require.NoError(t, gs.Validate())
	require.Len(t, gs.Accounts, 1)
	require.Len(t, gs.Payments, 1)

	g := setup(t)
	require.NoError(t, g.k.InitGenesis(g.at(110), gs))
	again, err := g.k.ExportGenesis(g.at(110))
	require.NoError(t, err)
	require.Equal(t, gs, again)
	has, err := g.k.LiveAccounts.Has(g.at(110), "order/9")
	require.NoError(t, err)
	require.True(t, has)
}
