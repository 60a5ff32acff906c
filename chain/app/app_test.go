package app_test

import (
	"encoding/json"
	"math/rand"
	"testing"
	"time"

	sdkmath "cosmossdk.io/math"
	abci "github.com/cometbft/cometbft/abci/types"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	"github.com/cosmos/cosmos-sdk/x/authz"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	govv1 "github.com/cosmos/cosmos-sdk/x/gov/types/v1"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"
	"github.com/stretchr/testify/require"

	"github.com/virtengine/virtengine/chain/app"
	"github.com/virtengine/virtengine/chain/app/params"
	escrowkeeper "github.com/virtengine/virtengine/chain/x/escrow/keeper"
	escrowtypes "github.com/virtengine/virtengine/chain/x/escrow/types"
	markettypes "github.com/virtengine/virtengine/chain/x/market/types"
	rolestypes "github.com/virtengine/virtengine/chain/x/roles/types"
)

// withGenesisAccount makes accs[0] the chain's GenesisAccount.
func withGenesisAccount(a *app.VirtEngineApp, gs app.GenesisState, accs []app.TestAccount) {
	var rg rolestypes.GenesisState
	a.AppCodec().MustUnmarshalJSON(gs[rolestypes.ModuleName], &rg)
	rg.RoleAssignments = append(rg.RoleAssignments, rolestypes.RoleAssignment{
		Address: accs[0].String(), Role: rolestypes.ROLE_GENESIS_ACCOUNT,
	})
	gs[rolestypes.ModuleName] = a.AppCodec().MustMarshalJSON(&rg)
}

func send(from, to app.TestAccount, amt int64) *banktypes.MsgSend {
	return banktypes.NewMsgSend(from.Addr, to.Addr, sdk.NewCoins(sdk.NewInt64Coin(params.BaseDenom, amt)))
}

func requireRolesErr(t *testing.T, res interface {
	GetCode() uint32
	GetCodespace() string
	GetLog() string
}, want error) {
	t.Helper()
	code := want.(interface{ ABCICode() uint32 }).ABCICode()
	require.Equal(t, rolestypes.ModuleName, res.GetCodespace(), res.GetLog())
	require.Equal(t, code, res.GetCode(), res.GetLog())
}

func TestDefaultGenesisUsesUVE(t *testing.T) {
	params.SetAddressConfig()
	ta, _ := app.SetupTestApp(t, 1, nil)
	gs := ta.DefaultGenesis()

	var sg stakingtypes.GenesisState
	ta.AppCodec().MustUnmarshalJSON(gs[stakingtypes.ModuleName], &sg)
	require.Equal(t, "uve", sg.Params.BondDenom)

	var bg banktypes.GenesisState
	ta.AppCodec().MustUnmarshalJSON(gs[banktypes.ModuleName], &bg)
	require.Len(t, bg.DenomMetadata, 1)
	md := bg.DenomMetadata[0]
	require.Equal(t, "uve", md.Base)
	require.Equal(t, "VE", md.Display)
	require.NoError(t, md.Validate())
	var display *banktypes.DenomUnit
	for _, u := range md.DenomUnits {
		if u.Denom == md.Display {
			display = u
		}
	}
	require.NotNil(t, display)
	require.EqualValues(t, 6, display.Exponent)

	// Every module accepts the defaults (what `virtengined genesis validate` runs).
	require.NoError(t, ta.BasicModuleManager.ValidateGenesis(ta.AppCodec(), ta.TxConfig(), gs))
	require.Equal(t, "virtengine", sdk.GetConfig().GetBech32AccountAddrPrefix())
}

func TestGenesisRolesAndExport(t *testing.T) {
	ta, accs := app.SetupTestApp(t, 2, withGenesisAccount)
	ctx := ta.Ctx()
	has, err := ta.RolesKeeper.HasRole(ctx, accs[0].Addr, rolestypes.ROLE_GENESIS_ACCOUNT)
	require.NoError(t, err)
	require.True(t, has)

	// Balances and the validator came through genesis.
	bal := ta.BankKeeper.GetBalance(ctx, accs[1].Addr, "uve")
	require.Equal(t, sdkmath.NewInt(1_000_000_000_000), bal.Amount)
	vals, err := ta.StakingKeeper.GetBondedValidatorsByPower(ctx)
	require.NoError(t, err)
	require.Len(t, vals, 1)

	exported, err := ta.ExportAppStateAndValidators(false, nil, nil)
	require.NoError(t, err)
	var state map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(exported.AppState, &state))
	var rg rolestypes.GenesisState
	ta.AppCodec().MustUnmarshalJSON(state[rolestypes.ModuleName], &rg)
	require.Len(t, rg.RoleAssignments, 1)
	require.Equal(t, accs[0].String(), rg.RoleAssignments[0].Address)
	require.NoError(t, ta.BasicModuleManager.ValidateGenesis(ta.AppCodec(), ta.TxConfig(), state))

	_, err = ta.ExportAppStateAndValidators(true, nil, nil)
	require.ErrorContains(t, err, "not supported")
}

// TestAccountStateEnforcedByAnte runs real signed transactions through
// FinalizeBlock: the decorator must stop a suspended account's bank send,
// let its appeal through, and stop everything from a terminated account.
func TestAccountStateEnforcedByAnte(t *testing.T) {
	ta, accs := app.SetupTestApp(t, 4, withGenesisAccount)
	gen, mod, cust, other := accs[0], accs[1], accs[2], accs[3]

	res := ta.DeliverTx(gen, &rolestypes.MsgNominateRole{Authority: gen.String(), Address: mod.String(), Role: rolestypes.ROLE_MODERATOR})
	require.Zero(t, res.Code, res.Log)
	res = ta.DeliverTx(gen, &rolestypes.MsgNominateRole{Authority: gen.String(), Address: cust.String(), Role: rolestypes.ROLE_CUSTOMER})
	require.Zero(t, res.Code, res.Log)

	// Active customer can send.
	res = ta.DeliverTx(cust, send(cust, other, 10))
	require.Zero(t, res.Code, res.Log)

	// Moderator suspends the customer.
	res = ta.DeliverTx(mod, &rolestypes.MsgSetAccountState{Authority: mod.String(), Address: cust.String(), State: rolestypes.ACCOUNT_STATE_SUSPENDED, Reason: "chargeback fraud"})
	require.Zero(t, res.Code, res.Log)

	before := ta.BankKeeper.GetBalance(ta.Ctx(), other.Addr, "uve")
	res = ta.DeliverTx(cust, send(cust, other, 10))
	requireRolesErr(t, res, rolestypes.ErrAccountSuspended)
	require.Contains(t, res.Log, "only MsgSubmitAppeal is accepted")
	require.Equal(t, before, ta.BankKeeper.GetBalance(ta.Ctx(), other.Addr, "uve"), "rejected send moved coins")

	// Smuggling a send next to an appeal is rejected as a whole.
	res = ta.DeliverTx(cust, &rolestypes.MsgSubmitAppeal{Appellant: cust.String(), Reason: "please"}, send(cust, other, 10))
	requireRolesErr(t, res, rolestypes.ErrAccountSuspended)

	// The appeal alone goes through.
	res = ta.DeliverTx(cust, &rolestypes.MsgSubmitAppeal{Appellant: cust.String(), Reason: "it was my bank's error"})
	require.Zero(t, res.Code, res.Log)
	var resp rolestypes.MsgSubmitAppealResponse
	var txMsgData sdk.TxMsgData
	require.NoError(t, ta.AppCodec().Unmarshal(res.Data, &txMsgData))
	require.NoError(t, ta.AppCodec().Unmarshal(txMsgData.MsgResponses[0].Value, &resp))
	require.EqualValues(t, 1, resp.AppealId)
	requireEvent(t, res, "virtengine.roles.v1.EventAppealSubmitted")

	// Moderator approves: the customer can transact again.
	res = ta.DeliverTx(mod, &rolestypes.MsgResolveAppeal{Moderator: mod.String(), AppealId: resp.AppealId, Approve: true, Note: "refund confirmed"})
	require.Zero(t, res.Code, res.Log)
	res = ta.DeliverTx(cust, send(cust, other, 10))
	require.Zero(t, res.Code, res.Log)

	// A moderator cannot terminate; the genesis account can, and then even
	// an appeal is refused.
	res = ta.DeliverTx(mod, &rolestypes.MsgSetAccountState{Authority: mod.String(), Address: cust.String(), State: rolestypes.ACCOUNT_STATE_TERMINATED, Reason: "x"})
	requireRolesErr(t, res, rolestypes.ErrUnauthorized)
	res = ta.DeliverTx(gen, &rolestypes.MsgSetAccountState{Authority: gen.String(), Address: cust.String(), State: rolestypes.ACCOUNT_STATE_TERMINATED, Reason: "repeat fraud"})
	require.Zero(t, res.Code, res.Log)
	res = ta.DeliverTx(cust, &rolestypes.MsgSubmitAppeal{Appellant: cust.String(), Reason: "again"})
	requireRolesErr(t, res, rolestypes.ErrAccountTerminated)
}

// TestSuspendedGranterThroughAuthz: the edge API acts for users through
// authz; a suspended user's grant must not be usable.
func TestSuspendedGranterThroughAuthz(t *testing.T) {
	ta, accs := app.SetupTestApp(t, 3, withGenesisAccount)
	gen, user, edge := accs[0], accs[1], accs[2]

	grant, err := authz.NewMsgGrant(user.Addr, edge.Addr, authz.NewGenericAuthorization(sdk.MsgTypeURL(&banktypes.MsgSend{})), nil)
	require.NoError(t, err)
	res := ta.DeliverTx(user, grant)
	require.Zero(t, res.Code, res.Log)

	exec := authz.NewMsgExec(edge.Addr, []sdk.Msg{send(user, edge, 5)})
	res = ta.DeliverTx(edge, &exec)
	require.Zero(t, res.Code, res.Log)

	res = ta.DeliverTx(gen, &rolestypes.MsgSetAccountState{Authority: gen.String(), Address: user.String(), State: rolestypes.ACCOUNT_STATE_SUSPENDED, Reason: "abuse"})
	require.Zero(t, res.Code, res.Log)

	exec = authz.NewMsgExec(edge.Addr, []sdk.Msg{send(user, edge, 5)})
	res = ta.DeliverTx(edge, &exec)
	requireRolesErr(t, res, rolestypes.ErrAccountSuspended)
}

// TestEncryptionKeyTx registers a key through a real tx and checks the
// signer option (owner) is what SDK 0.53 signing uses.
func TestEncryptionKeyTx(t *testing.T) {
	ta, accs := app.SetupTestApp(t, 2, nil)
	pub := make([]byte, 32)
	for i := range pub {
		pub[i] = byte(i + 7)
	}
	res := ta.DeliverTx(accs[0], &rolestypes.MsgRegisterEncryptionKey{Owner: accs[0].String(), PublicKey: pub, Version: 1})
	require.Zero(t, res.Code, res.Log)

	// Someone else cannot register a key for accs[0]: the signer is the owner field.
	res = ta.DeliverTx(accs[1], &rolestypes.MsgRegisterEncryptionKey{Owner: accs[0].String(), PublicKey: pub, Version: 2})
	require.NotZero(t, res.Code)
	require.Contains(t, res.Log, "does not match signer address")

	key, found, err := ta.RolesKeeper.LatestEncryptionKey(ta.Ctx(), accs[0].Addr)
	require.NoError(t, err)
	require.True(t, found)
	require.EqualValues(t, 1, key.Version)
	require.Equal(t, pub, key.PublicKey)
}

func requireEvent(t *testing.T, res *abci.ExecTxResult, typ string) {
	t.Helper()
	for _, e := range res.Events {
		if e.Type == typ {
			return
		}
	}
	t.Fatalf("event %s not emitted; got %v", typ, res.Events)
}

// TestMarketThroughTransactions drives x/market and x/escrow with real signed
// txs in real blocks: the EndBlocker settles, and the edge API (as an authz
// grantee) places an order for a customer without holding the customer's key.
func TestMarketThroughTransactions(t *testing.T) {
	ta, accs := app.SetupTestApp(t, 4, withGenesisAccount)
	gen, prov, cust, edge := accs[0], accs[1], accs[2], accs[3]
	uve := func(n int64) sdk.Coin { return sdk.NewInt64Coin("uve", n) }

	res := ta.DeliverTx(gen, &rolestypes.MsgNominateRole{Authority: gen.String(), Address: prov.String(), Role: rolestypes.ROLE_SERVICE_PROVIDER})
	require.Zero(t, res.Code, res.Log)
	res = ta.DeliverTx(prov, &markettypes.MsgUpsertProvider{Owner: prov.String(), Name: "hpc provider", HostUri: "https://hpc.example"})
	require.Zero(t, res.Code, res.Log)
	res = ta.DeliverTx(prov, &markettypes.MsgCreateOffering{Provider: prov.String(), Category: "hpc", OfferingType: "slurm.job",
		Plans: []markettypes.Plan{{Name: "basic", Components: []markettypes.PriceComponent{{Component: "node", Billing: markettypes.BILLING_TYPE_FIXED, Price: uve(1000)}}}}})
	require.Zero(t, res.Code, res.Log)

	grant, err := authz.NewMsgGrant(cust.Addr, edge.Addr, authz.NewGenericAuthorization(sdk.MsgTypeURL(&markettypes.MsgCreateOrder{})), nil)
	require.NoError(t, err)
	res = ta.DeliverTx(cust, grant)
	require.Zero(t, res.Code, res.Log)
	exec := authz.NewMsgExec(edge.Addr, []sdk.Msg{&markettypes.MsgCreateOrder{Customer: cust.String(), OfferingId: 1, Plan: "basic", Deposit: uve(5_000_000)}})
	res = ta.DeliverTx(edge, &exec)
	require.Zero(t, res.Code, res.Log)
	// The grant covers orders only: the edge cannot cancel for the customer.
	exec = authz.NewMsgExec(edge.Addr, []sdk.Msg{&markettypes.MsgCancelOrder{Customer: cust.String(), OrderId: 1}})
	res = ta.DeliverTx(edge, &exec)
	require.NotZero(t, res.Code)

	// The customer is not the provider: approving is refused with a market code.
	res = ta.DeliverTx(cust, &markettypes.MsgApproveOrder{Provider: cust.String(), OrderId: 1})
	require.Equal(t, markettypes.ModuleName, res.Codespace, res.Log)
	require.Equal(t, markettypes.ErrWrongSigner.ABCICode(), res.Code, res.Log)

	res = ta.DeliverTx(prov, &markettypes.MsgApproveOrder{Provider: prov.String(), OrderId: 1})
	require.Zero(t, res.Code, res.Log)
	startHeight := ta.LastBlockHeight()
	for range 12 {
		ta.NextBlock()
	}
	acc, err := ta.EscrowKeeper.GetAccount(ta.Ctx(), "order/1")
	require.NoError(t, err)
	require.Greater(t, acc.SettledAt, startHeight, "the EndBlocker sweep settled the account")
	require.Equal(t, acc.Transferred.Amount.Int64(), (acc.SettledAt-startHeight)*1000)

	res = ta.DeliverTx(cust, &markettypes.MsgCloseLease{Sender: cust.String(), OrderId: 1})
	require.Zero(t, res.Code, res.Log)
	msg, broken := escrowkeeper.SolvencyInvariant(ta.EscrowKeeper, authtypes.NewModuleAddress(escrowtypes.ModuleName))(ta.Ctx())
	require.False(t, broken, msg)
}

// TestBadInputOnChain: replayed transactions, oversized amounts, wrong denom
// and unknown ids are refused with registered codes and readable logs.
func TestBadInputOnChain(t *testing.T) {
	ta, accs := app.SetupTestApp(t, 2, withGenesisAccount)
	cust, other := accs[0], accs[1]

	// Replay: the same signed bytes a second time fail the sequence check.
	acc := ta.AccountKeeper.GetAccount(ta.Ctx(), cust.Addr)
	tx, err := simtestutil.GenSignedMockTx(rand.New(rand.NewSource(1)), ta.TxConfig(), []sdk.Msg{send(cust, other, 1)},
		sdk.NewCoins(), 200_000, app.TestChainID, []uint64{acc.GetAccountNumber()}, []uint64{acc.GetSequence()}, cust.Priv)
	require.NoError(t, err)
	bz, err := ta.TxConfig().TxEncoder()(tx)
	require.NoError(t, err)
	res := ta.NextBlock(bz)
	require.Zero(t, res.TxResults[0].Code, res.TxResults[0].Log)
	res = ta.NextBlock(bz)
	require.Equal(t, sdkerrors.ErrWrongSequence.ABCICode(), res.TxResults[0].Code, res.TxResults[0].Log)
	require.Contains(t, res.TxResults[0].Log, "account sequence mismatch")

	huge, ok := sdkmath.NewIntFromString("1000000000000000000000000000000000000000") // 10^39 > 10^30 cap
	require.True(t, ok)
	r := ta.DeliverTx(cust, &markettypes.MsgCreateOrder{Customer: cust.String(), Category: "hpc",
		MaxPrice: sdk.NewCoin("uve", huge), Deposit: sdk.NewInt64Coin("uve", 1_000_000)})
	require.Equal(t, markettypes.ModuleName, r.Codespace, r.Log)
	require.Equal(t, markettypes.ErrInvalidAmount.ABCICode(), r.Code, r.Log)
	require.Contains(t, r.Log, "exceeds the maximum")

	r = ta.DeliverTx(cust, &markettypes.MsgCreateOrder{Customer: cust.String(), Category: "hpc",
		MaxPrice: sdk.NewInt64Coin("uve", 10), Deposit: sdk.NewInt64Coin("stake", 1_000_000)})
	require.Equal(t, markettypes.ErrWrongDenom.ABCICode(), r.Code, r.Log)

	r = ta.DeliverTx(cust, &markettypes.MsgCancelOrder{Customer: cust.String(), OrderId: 42})
	require.Equal(t, markettypes.ErrOrderNotFound.ABCICode(), r.Code, r.Log)

	r = ta.DeliverTx(cust, &escrowtypes.MsgDeposit{Depositor: cust.String(), AccountId: "order/42", Amount: sdk.NewInt64Coin("uve", 5)})
	require.Equal(t, escrowtypes.ModuleName, r.Codespace, r.Log)
	require.Equal(t, escrowtypes.ErrAccountNotFound.ABCICode(), r.Code, r.Log)
}

// TestParamsChangeByGov: an x/roles params change passes a real gov vote,
// proving the modules' authority is wired to the gov module account.
func TestParamsChangeByGov(t *testing.T) {
	ta, accs := app.SetupTestApp(t, 1, func(a *app.VirtEngineApp, gs app.GenesisState, _ []app.TestAccount) {
		var g govv1.GenesisState
		a.AppCodec().MustUnmarshalJSON(gs[govtypes.ModuleName], &g)
		short, shorter := 3*time.Second, 2*time.Second
		g.Params.VotingPeriod, g.Params.ExpeditedVotingPeriod = &short, &shorter
		gs[govtypes.ModuleName] = a.AppCodec().MustMarshalJSON(&g)
	})
	voter := accs[0] // the genesis delegator: all bonded stake
	newParams := rolestypes.DefaultParams()
	newParams.MaxEncryptionKeys = 3
	govAddr := authtypes.NewModuleAddress(govtypes.ModuleName).String()

	// Signed by anyone but gov, the same message is refused.
	res := ta.DeliverTx(voter, &rolestypes.MsgUpdateParams{Authority: voter.String(), Params: newParams})
	require.NotZero(t, res.Code)
	require.Contains(t, res.Log, "expected "+govAddr)

	prop, err := govv1.NewMsgSubmitProposal([]sdk.Msg{&rolestypes.MsgUpdateParams{Authority: govAddr, Params: newParams}},
		sdk.NewCoins(sdk.NewInt64Coin("uve", 10_000_000)), voter.String(), "", "fewer keys", "set max_encryption_keys to 3", false)
	require.NoError(t, err)
	res = ta.DeliverTx(voter, prop)
	require.Zero(t, res.Code, res.Log)
	res = ta.DeliverTx(voter, govv1.NewMsgVote(voter.Addr, 1, govv1.OptionYes, ""))
	require.Zero(t, res.Code, res.Log)
	for range 5 {
		ta.NextBlock()
	}
	p, err := ta.RolesKeeper.Params.Get(ta.Ctx())
	require.NoError(t, err)
	require.EqualValues(t, 3, p.MaxEncryptionKeys)
}
