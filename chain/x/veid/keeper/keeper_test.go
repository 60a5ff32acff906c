package keeper_test

import (
	"crypto/sha256"
	"testing"
	"time"

	cmtproto "github.com/cometbft/cometbft/proto/tendermint/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/stretchr/testify/require"

	"github.com/virtengine/virtengine/chain/app"
	roleskeeper "github.com/virtengine/virtengine/chain/x/roles/keeper"
	rolestypes "github.com/virtengine/virtengine/chain/x/roles/types"
	"github.com/virtengine/virtengine/chain/x/veid/keeper"
	"github.com/virtengine/virtengine/chain/x/veid/types"
)

type fixture struct {
	t      *testing.T
	ta     *app.TestApp
	msg    types.MsgServer
	q      types.QueryServer
	user   app.TestAccount
	other  app.TestAccount
	height int64
}

var now = time.Unix(1_800_000_000, 0).UTC()

// The pipeline the tests' validators score with, approved in params by setup (as governance would).
var pipeline = sha256.Sum256([]byte("score-v1"))

func setup(t *testing.T) *fixture {
	ta, accs := app.SetupTestAppWithValidators(t, 4, 2, nil)
	f := &fixture{t: t, ta: ta, msg: keeper.NewMsgServerImpl(ta.VeidKeeper), q: keeper.NewQueryServerImpl(ta.VeidKeeper),
		user: accs[0], other: accs[1], height: 100}
	// Each validator operator publishes an X25519 key (version 1) in x/roles.
	rm := roleskeeper.NewMsgServerImpl(ta.RolesKeeper)
	for i, v := range ta.Validators {
		pub := make([]byte, 32)
		for j := range pub {
			pub[j] = byte(i*40 + j + 3)
		}
		_, err := rm.RegisterEncryptionKey(f.ctx(), &rolestypes.MsgRegisterEncryptionKey{Owner: sdk.AccAddress(v).String(), PublicKey: pub, Version: 1})
		require.NoError(t, err)
	}
	p, err := ta.VeidKeeper.Params.Get(f.ctx())
	require.NoError(t, err)
	p.ApprovedPipelines = []types.ApprovedPipeline{{Version: "score-v1", Hash: pipeline[:]}}
	require.NoError(t, ta.VeidKeeper.Params.Set(f.ctx(), p))
	return f
}

func (f *fixture) ctx() sdk.Context {
	return f.ta.NewUncachedContext(false, cmtproto.Header{Height: f.height, ChainID: app.TestChainID, Time: now})
}

func (f *fixture) at(h int64) sdk.Context {
	f.height = h
	return f.ctx()
}

func (f *fixture) sealedToAll() []types.SealedTo {
	var out []types.SealedTo
	for _, v := range f.ta.Validators {
		out = append(out, types.SealedTo{Validator: v.String(), KeyVersion: 1})
	}
	return out
}

func (f *fixture) submit(id string, st types.ScopeType) error {
	h := sha256.Sum256([]byte(id))
	_, err := f.msg.SubmitScope(f.ctx(), &types.MsgSubmitScope{Owner: f.user.String(), ScopeId: id, ScopeType: st,
		ObjectKey: "veid/" + id + ".enc", ContentHash: h[:], SealedTo: f.sealedToAll(), ExpiresAt: now.Add(365 * 24 * time.Hour).Unix()})
	return err
}

func (f *fixture) attest(i int, round uint64, score uint32) (*types.MsgAttestScoreResponse, error) {
	return f.msg.AttestScore(f.ctx(), &types.MsgAttestScore{Operator: sdk.AccAddress(f.ta.Validators[i]).String(), RoundId: round, Score: score, ModelHash: pipeline[:]})
}

func TestScopesAndQuorum(t *testing.T) {
	f := setup(t)
	_, err := f.msg.RequestScore(f.ctx(), &types.MsgRequestScore{Owner: f.user.String()})
	require.ErrorIs(t, err, types.ErrNoActiveScopes)

	require.NoError(t, f.submit("email-1", types.SCOPE_TYPE_EMAIL))
	require.NoError(t, f.submit("selfie-1", types.SCOPE_TYPE_SELFIE))
	// Sealed to a key the validator never published.
	h := sha256.Sum256([]byte("x"))
	_, err = f.msg.SubmitScope(f.ctx(), &types.MsgSubmitScope{Owner: f.user.String(), ScopeId: "doc", ScopeType: types.SCOPE_TYPE_ID_DOCUMENT,
		ObjectKey: "k", ContentHash: h[:], ExpiresAt: now.Add(time.Hour).Unix(),
		SealedTo: []types.SealedTo{{Validator: f.ta.Validators[0].String(), KeyVersion: 9}}})
	require.ErrorIs(t, err, types.ErrUnknownSealKey)
	// Already expired.
	_, err = f.msg.SubmitScope(f.ctx(), &types.MsgSubmitScope{Owner: f.user.String(), ScopeId: "old", ScopeType: types.SCOPE_TYPE_SMS,
		ObjectKey: "k", ContentHash: h[:], ExpiresAt: now.Add(-time.Hour).Unix(), SealedTo: f.sealedToAll()})
	require.ErrorIs(t, err, types.ErrInvalidScope)
	scopes, err := f.q.Scopes(f.ctx(), &types.QueryScopesRequest{Account: f.user.String()})
	require.NoError(t, err)
	require.Len(t, scopes.Scopes, 2)

	r, err := f.msg.RequestScore(f.ctx(), &types.MsgRequestScore{Owner: f.user.String()})
	require.NoError(t, err)
	_, err = f.msg.RequestScore(f.ctx(), &types.MsgRequestScore{Owner: f.user.String()})
	require.ErrorIs(t, err, types.ErrRoundOpen)

	// Only bonded validator operators attest, once each.
	_, err = f.msg.AttestScore(f.ctx(), &types.MsgAttestScore{Operator: f.other.String(), RoundId: r.RoundId, Score: 99, ModelHash: pipeline[:]})
	require.ErrorIs(t, err, types.ErrNotBondedValidator)
	// A pipeline governance has not approved does not count, even from a bonded validator.
	other := sha256.Sum256([]byte("score-v2-unvoted"))
	_, err = f.msg.AttestScore(f.ctx(), &types.MsgAttestScore{Operator: sdk.AccAddress(f.ta.Validators[0]).String(), RoundId: r.RoundId, Score: 80, ModelHash: other[:]})
	require.ErrorIs(t, err, types.ErrUnapprovedPipeline)
	res, err := f.attest(0, r.RoundId, 80)
	require.NoError(t, err)
	require.False(t, res.Finalized)
	_, err = f.attest(0, r.RoundId, 81)
	require.ErrorIs(t, err, types.ErrAlreadyAttested)
	res, err = f.attest(1, r.RoundId, 20) // outlier
	require.NoError(t, err)
	require.False(t, res.Finalized)
	res, err = f.attest(2, r.RoundId, 84)
	require.NoError(t, err)
	require.False(t, res.Finalized, "agreeing power 2 of 4 is below 2/3")
	res, err = f.attest(3, r.RoundId, 78)
	require.NoError(t, err)
	require.True(t, res.Finalized, "three of four agree within tolerance")

	score, err := f.q.Score(f.ctx(), &types.QueryScoreRequest{Account: f.user.String()})
	require.NoError(t, err)
	require.EqualValues(t, 80, score.Score.Score)
	require.Equal(t, types.ROUND_STATE_FINALIZED, score.Score.How)
	require.EqualValues(t, 4, score.Score.Attesters)
	_, err = f.attest(1, r.RoundId, 80)
	require.ErrorIs(t, err, types.ErrRoundClosed)
	round, err := f.q.Round(f.ctx(), &types.QueryRoundRequest{Id: r.RoundId})
	require.NoError(t, err)
	require.EqualValues(t, 4, round.Round.TotalPower)
	require.True(t, round.Round.Disputed, "the outlier at 20 disagreed beyond the tolerance: manual review")
}

func TestDeadline(t *testing.T) {
	f := setup(t)
	require.NoError(t, f.submit("email-1", types.SCOPE_TYPE_EMAIL))
	p, err := f.ta.VeidKeeper.Params.Get(f.ctx())
	require.NoError(t, err)
	p.AttestationWindow = 5
	require.NoError(t, f.ta.VeidKeeper.Params.Set(f.ctx(), p))

	// Two attesters only: no quorum, finalized at the deadline with what arrived.
	r1, err := f.msg.RequestScore(f.at(100), &types.MsgRequestScore{Owner: f.user.String()})
	require.NoError(t, err)
	_, err = f.attest(0, r1.RoundId, 60)
	require.NoError(t, err)
	_, err = f.attest(1, r1.RoundId, 64)
	require.NoError(t, err)
	require.NoError(t, f.ta.VeidKeeper.EndBlocker(f.at(104)))
	round, err := f.ta.VeidKeeper.GetRound(f.ctx(), r1.RoundId)
	require.NoError(t, err)
	require.Equal(t, types.ROUND_STATE_OPEN, round.State)
	require.NoError(t, f.ta.VeidKeeper.EndBlocker(f.at(105)))
	round, err = f.ta.VeidKeeper.GetRound(f.ctx(), r1.RoundId)
	require.NoError(t, err)
	require.Equal(t, types.ROUND_STATE_FINALIZED_AT_DEADLINE, round.State)
	require.EqualValues(t, 60, round.Score)
	require.False(t, round.Disputed, "60 and 64 agree within the tolerance")

	// Nobody attests: the round expires, and the previous score stands.
	r2, err := f.msg.RequestScore(f.at(106), &types.MsgRequestScore{Owner: f.user.String()})
	require.NoError(t, err)
	require.NoError(t, f.ta.VeidKeeper.EndBlocker(f.at(111)))
	round, err = f.ta.VeidKeeper.GetRound(f.ctx(), r2.RoundId)
	require.NoError(t, err)
	require.Equal(t, types.ROUND_STATE_EXPIRED, round.State)
	hist, err := f.q.ScoreHistory(f.ctx(), &types.QueryScoreHistoryRequest{Account: f.user.String()})
	require.NoError(t, err)
	require.Len(t, hist.Scores, 1)

	// Revoked scopes do not count.
	_, err = f.msg.RevokeScope(f.ctx(), &types.MsgRevokeScope{Owner: f.user.String(), ScopeId: "email-1"})
	require.NoError(t, err)
	_, err = f.msg.RequestScore(f.ctx(), &types.MsgRequestScore{Owner: f.user.String()})
	require.ErrorIs(t, err, types.ErrNoActiveScopes)
	_, err = f.msg.RevokeScope(f.ctx(), &types.MsgRevokeScope{Owner: f.user.String(), ScopeId: "nope"})
	require.ErrorIs(t, err, types.ErrScopeNotFound)

	// Genesis round trip with scopes, rounds and scores.
	gs, err := f.ta.VeidKeeper.ExportGenesis(f.ctx())
	require.NoError(t, err)
	require.NoError(t, gs.Validate())
	g := setup(t)
	require.NoError(t, g.ta.VeidKeeper.InitGenesis(g.ctx(), gs))
	again, err := g.ta.VeidKeeper.ExportGenesis(g.ctx())
	require.NoError(t, err)
	require.Equal(t, gs, again)
}

func TestValidateBasic(t *testing.T) {
	f := setup(t)
	h := sha256.Sum256(nil)
	good := types.MsgSubmitScope{Owner: f.user.String(), ScopeId: "s", ScopeType: types.SCOPE_TYPE_EMAIL, ObjectKey: "k",
		ContentHash: h[:], ExpiresAt: 1, SealedTo: []types.SealedTo{{Validator: f.ta.Validators[0].String(), KeyVersion: 1}}}
	require.NoError(t, good.ValidateBasic())
	bad := good
	bad.ContentHash = h[:16]
	require.ErrorIs(t, bad.ValidateBasic(), types.ErrInvalidScope)
	bad = good
	bad.SealedTo = []types.SealedTo{{Validator: f.user.String(), KeyVersion: 1}} // account, not valoper, prefix
	require.ErrorIs(t, bad.ValidateBasic(), types.ErrInvalidAddress)
	bad = good
	bad.ScopeType = 42
	require.ErrorIs(t, bad.ValidateBasic(), types.ErrInvalidScope)
	bad = good
	bad.Owner = "cosmos1xyz"
	require.ErrorIs(t, bad.ValidateBasic(), types.ErrInvalidAddress)
	require.ErrorIs(t, (&types.MsgAttestScore{Operator: f.user.String(), RoundId: 1, Score: 101, ModelHash: pipeline[:]}).ValidateBasic(), types.ErrInvalidScore)
	require.ErrorIs(t, (&types.MsgAttestScore{Operator: f.user.String(), RoundId: 0, Score: 1, ModelHash: pipeline[:]}).ValidateBasic(), types.ErrRoundNotFound)
	require.ErrorIs(t, (&types.MsgAttestScore{Operator: f.user.String(), RoundId: 1, Score: 1}).ValidateBasic(), types.ErrUnapprovedPipeline, "no pipeline named")

	// Params: approved pipelines are 32-byte hashes with a version, each listed once.
	p := types.DefaultParams()
	p.ApprovedPipelines = []types.ApprovedPipeline{{Version: "v1", Hash: pipeline[:]}}
	require.NoError(t, p.Validate())
	require.True(t, p.Approves(pipeline[:]))
	require.False(t, p.Approves(h[:]))
	p.ApprovedPipelines = append(p.ApprovedPipelines, types.ApprovedPipeline{Version: "v1b", Hash: pipeline[:]})
	require.ErrorIs(t, p.Validate(), types.ErrInvalidParams)
	p.ApprovedPipelines = []types.ApprovedPipeline{{Version: "", Hash: pipeline[:]}}
	require.ErrorIs(t, p.Validate(), types.ErrInvalidParams)
	p.ApprovedPipelines = []types.ApprovedPipeline{{Version: "v1", Hash: pipeline[:8]}}
	require.ErrorIs(t, p.Validate(), types.ErrInvalidParams)
}
