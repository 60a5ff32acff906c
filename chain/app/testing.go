package app

import (
	"encoding/json"
	"math/rand"
	"testing"
	"time"

	"cosmossdk.io/log"
	sdkmath "cosmossdk.io/math"
	abci "github.com/cometbft/cometbft/abci/types"
	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	cmttypes "github.com/cometbft/cometbft/types"
	dbm "github.com/cosmos/cosmos-db"
	"github.com/cosmos/cosmos-sdk/baseapp"
	"github.com/cosmos/cosmos-sdk/crypto/keys/secp256k1"
	"github.com/cosmos/cosmos-sdk/testutil/mock"
	simtestutil "github.com/cosmos/cosmos-sdk/testutil/sims"
	sdk "github.com/cosmos/cosmos-sdk/types"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"
	stakingtypes "github.com/cosmos/cosmos-sdk/x/staking/types"

	"github.com/virtengine/virtengine/chain/app/params"
)

// TestChainID is the chain id used by in-process test apps.
const TestChainID = "virtengine-test"

// TestAccount is a funded genesis account whose key the test holds.
type TestAccount struct {
	Priv *secp256k1.PrivKey
	Addr sdk.AccAddress
}

func (a TestAccount) String() string { return a.Addr.String() }

// TestApp is an in-process chain: one validator, real ABCI calls
// (InitChain / FinalizeBlock / Commit), real signed transactions.
type TestApp struct {
	*VirtEngineApp
	t      testing.TB
	height int64
	// Validators are the bonded validators' operator addresses (equal power).
	Validators []sdk.ValAddress
}

// SetupTestApp starts a fresh chain with n funded accounts (1e12 uve each).
// edit, if set, may change the genesis (e.g. assign roles) before InitChain.
func SetupTestApp(t testing.TB, n int, edit func(cdcApp *VirtEngineApp, gs GenesisState, accs []TestAccount)) (*TestApp, []TestAccount) {
	t.Helper()
	return SetupTestAppWithValidators(t, 1, n, edit)
}

// SetupTestAppWithValidators is SetupTestApp with nVals bonded validators of
// equal power (1 VE each); their operator accounts hold no keys in the test.
func SetupTestAppWithValidators(t testing.TB, nVals, n int, edit func(cdcApp *VirtEngineApp, gs GenesisState, accs []TestAccount)) (*TestApp, []TestAccount) {
	t.Helper()
	params.SetAddressConfig()
	a := NewVirtEngineApp(log.NewNopLogger(), dbm.NewMemDB(), nil, true, simtestutil.EmptyAppOptions{}, baseapp.SetChainID(TestChainID))

	var vals []*cmttypes.Validator
	for range nVals {
		pub, err := mock.NewPV().GetPubKey()
		if err != nil {
			t.Fatal(err)
		}
		vals = append(vals, cmttypes.NewValidator(pub, 1))
	}
	valSet := cmttypes.NewValidatorSet(vals)

	accs := make([]TestAccount, n)
	genAccs := make([]authtypes.GenesisAccount, n)
	balances := make([]banktypes.Balance, n)
	for i := range accs {
		priv := secp256k1.GenPrivKey()
		addr := sdk.AccAddress(priv.PubKey().Address())
		accs[i] = TestAccount{Priv: priv, Addr: addr}
		genAccs[i] = authtypes.NewBaseAccount(addr, priv.PubKey(), uint64(i), 0)
		balances[i] = banktypes.Balance{
			Address: addr.String(),
			Coins:   sdk.NewCoins(sdk.NewCoin(params.BaseDenom, sdkmath.NewInt(1_000_000_000_000))),
		}
	}
	gs, err := simtestutil.GenesisStateWithValSet(a.AppCodec(), a.DefaultGenesis(), valSet, genAccs, balances...)
	if err != nil {
		t.Fatal(err)
	}
	// The SDK helper funds the bonded pool for one validator only; with more,
	// bank's supply check would fail, so give the pool every validator's bond.
	if nVals > 1 {
		var bg banktypes.GenesisState
		a.AppCodec().MustUnmarshalJSON(gs[banktypes.ModuleName], &bg)
		pool := authtypes.NewModuleAddress(stakingtypes.BondedPoolName).String()
		for i := range bg.Balances {
			if bg.Balances[i].Address == pool {
				bg.Balances[i].Coins = sdk.NewCoins(sdk.NewCoin(params.BondDenom, sdk.DefaultPowerReduction.MulRaw(int64(nVals))))
			}
		}
		gs[banktypes.ModuleName] = a.AppCodec().MustMarshalJSON(&bg)
	}
	if edit != nil {
		edit(a, gs, accs)
	}
	stateBytes, err := json.Marshal(gs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.InitChain(&abci.RequestInitChain{
		ChainId:         TestChainID,
		Validators:      []abci.ValidatorUpdate{},
		ConsensusParams: simtestutil.DefaultConsensusParams,
		AppStateBytes:   stateBytes,
	}); err != nil {
		t.Fatal(err)
	}
	ta := &TestApp{VirtEngineApp: a, t: t}
	for _, v := range valSet.Validators {
		ta.Validators = append(ta.Validators, sdk.ValAddress(v.Address))
	}
	ta.NextBlock() // height 1 commits genesis state
	return ta, accs
}

// NextBlock finalizes and commits a block with the given raw txs.
func (ta *TestApp) NextBlock(txs ...[]byte) *abci.ResponseFinalizeBlock {
	ta.t.Helper()
	ta.height++
	res, err := ta.FinalizeBlock(&abci.RequestFinalizeBlock{
		Height: ta.height, Time: time.Unix(1_700_000_000+ta.height, 0).UTC(), Txs: txs,
	})
	if err != nil {
		ta.t.Fatal(err)
	}
	if _, err := ta.Commit(); err != nil {
		ta.t.Fatal(err)
	}
	return res
}

// Ctx is a context over the last committed state, for keeper reads.
func (ta *TestApp) Ctx() sdk.Context {
	return ta.NewUncachedContext(false, ta.LastCommitHeader())
}

// LastCommitHeader is a minimal header at the committed height.
func (ta *TestApp) LastCommitHeader() (h cmtproto.Header) {
	h.Height = ta.LastBlockHeight()
	h.ChainID = TestChainID
	return h
}

// DeliverTx signs msgs with from's key (SIGN_MODE_DIRECT, current account
// number and sequence read from state), puts the tx in its own block and
// returns its result. Callers check Code / Codespace / Log.
func (ta *TestApp) DeliverTx(from TestAccount, msgs ...sdk.Msg) *abci.ExecTxResult {
	ta.t.Helper()
	acc := ta.AccountKeeper.GetAccount(ta.Ctx(), from.Addr)
	if acc == nil {
		ta.t.Fatalf("account %s not found", from.Addr)
	}
	tx, err := simtestutil.GenSignedMockTx(rand.New(rand.NewSource(ta.height)), ta.TxConfig(), msgs,
		sdk.NewCoins(), 2_000_000, TestChainID, []uint64{acc.GetAccountNumber()}, []uint64{acc.GetSequence()}, from.Priv)
	if err != nil {
		ta.t.Fatal(err)
	}
	bz, err := ta.TxConfig().TxEncoder()(tx)
	if err != nil {
		ta.t.Fatal(err)
	}
	res := ta.NextBlock(bz)
	return res.TxResults[0]
}
