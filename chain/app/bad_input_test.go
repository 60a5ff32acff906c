package app_test

import (
	"testing"

	sdkmath "cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/bech32"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	"github.com/cosmos/cosmos-sdk/x/authz"
	"github.com/stretchr/testify/require"

	"github.com/virtengine/virtengine/chain/app"
	markettypes "github.com/virtengine/virtengine/chain/x/market/types"
)

// otherChainAddress is a well-formed bech32 address with another chain's prefix.
func otherChainAddress(t *testing.T, a app.TestAccount) string {
	s, err := bech32.ConvertAndEncode("cosmos", a.Addr)
	require.NoError(t, err)
	return s
}

// TestMalformedSignerInsideExec: the edge API's MsgExec carrying a message whose
// signer is not a valid virtengine1… address is refused with the registered
// sdk ErrInvalidAddress (it used to surface as the codec's unregistered error,
// code 1 in codespace "undefined", or as ErrLogic), and nothing is applied.
func TestMalformedSignerInsideExec(t *testing.T) {
	ta, accs := app.SetupTestApp(t, 2, withGenesisAccount)
	edge := accs[1]
	before := ta.BankKeeper.GetBalance(ta.Ctx(), edge.Addr, "uve")
	for name, customer := range map[string]string{
		"bad bech32":   "virtengine1notanaddress",
		"wrong prefix": otherChainAddress(t, accs[0]),
		"empty":        "",
	} {
		t.Run(name, func(t *testing.T) {
			order := &markettypes.MsgCreateOrder{Customer: customer, OfferingId: 1, Plan: "small",
				Deposit: sdk.NewInt64Coin("uve", 1_000_000)}
			exec := authz.NewMsgExec(edge.Addr, []sdk.Msg{order})
			res := ta.DeliverTx(edge, &exec)
			require.Equal(t, sdkerrors.RootCodespace, res.Codespace, res.Log)
			require.Equal(t, sdkerrors.ErrInvalidAddress.ABCICode(), res.Code, res.Log)
			require.Contains(t, res.Log, "MsgCreateOrder: signer")
		})
	}
	require.Equal(t, before, ta.BankKeeper.GetBalance(ta.Ctx(), edge.Addr, "uve"))
	_, err := ta.MarketKeeper.GetOrder(ta.Ctx(), 1)
	require.ErrorIs(t, err, markettypes.ErrOrderNotFound)
}

// TestMarketAmountsAndPrefixes: ValidateBasic refuses another chain's prefix and
// negative or oversized amounts in every market message that carries them.
func TestMarketAmountsAndPrefixes(t *testing.T) {
	_, accs := app.SetupTestApp(t, 1, nil)
	good := accs[0].String()
	foreign := otherChainAddress(t, accs[0])
	neg := sdk.Coin{Denom: "uve", Amount: sdkmath.NewInt(-5)}
	huge, ok := sdkmath.NewIntFromString("1000000000000000000000000000000000000000")
	require.True(t, ok)
	over := sdk.Coin{Denom: "uve", Amount: huge}
	one := sdk.NewInt64Coin("uve", 1)
	for name, tc := range map[string]struct {
		msg  sdk.HasValidateBasic
		want error
	}{
		"order: foreign prefix":     {&markettypes.MsgCreateOrder{Customer: foreign, OfferingId: 1, Plan: "p", Deposit: one}, markettypes.ErrInvalidAddress},
		"order: negative deposit":   {&markettypes.MsgCreateOrder{Customer: good, OfferingId: 1, Plan: "p", Deposit: neg}, markettypes.ErrInvalidAmount},
		"order: negative max price": {&markettypes.MsgCreateOrder{Customer: good, Category: "c", Deposit: one, MaxPrice: neg}, markettypes.ErrInvalidAmount},
		"order: oversized deposit":  {&markettypes.MsgCreateOrder{Customer: good, OfferingId: 1, Plan: "p", Deposit: over}, markettypes.ErrInvalidAmount},
		"bid: foreign prefix":       {&markettypes.MsgCreateBid{Provider: foreign, OrderId: 1, Price: one, Deposit: one}, markettypes.ErrInvalidAddress},
		"bid: negative price":       {&markettypes.MsgCreateBid{Provider: good, OrderId: 1, Price: neg, Deposit: one}, markettypes.ErrInvalidAmount},
		"bid: oversized price":      {&markettypes.MsgCreateBid{Provider: good, OrderId: 1, Price: over, Deposit: one}, markettypes.ErrInvalidAmount},
		"bid: negative deposit":     {&markettypes.MsgCreateBid{Provider: good, OrderId: 1, Price: one, Deposit: neg}, markettypes.ErrInvalidAmount},
		"approve: foreign prefix":   {&markettypes.MsgApproveOrder{Provider: foreign, OrderId: 1}, markettypes.ErrInvalidAddress},
		"approve: unknown order 0":  {&markettypes.MsgApproveOrder{Provider: good}, markettypes.ErrOrderNotFound},
		"cancel: foreign prefix":    {&markettypes.MsgCancelOrder{Customer: foreign, OrderId: 1}, markettypes.ErrInvalidAddress},
		"close lease: foreign":      {&markettypes.MsgCloseLease{Sender: foreign, OrderId: 1}, markettypes.ErrInvalidAddress},
		"usage: foreign prefix":     {&markettypes.MsgPostUsage{Provider: foreign, OrderId: 1, Component: "c", Amount: 1, PeriodStart: 1, PeriodEnd: 2}, markettypes.ErrInvalidAddress},
	} {
		t.Run(name, func(t *testing.T) { require.ErrorIs(t, tc.msg.ValidateBasic(), tc.want) })
	}
}
