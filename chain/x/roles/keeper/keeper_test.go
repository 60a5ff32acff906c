package keeper_test

import (
	"testing"

	storetypes "cosmossdk.io/store/types"
	addresscodec "github.com/cosmos/cosmos-sdk/codec/address"
	"github.com/cosmos/cosmos-sdk/runtime"
	"github.com/cosmos/cosmos-sdk/testutil"
	sdk "github.com/cosmos/cosmos-sdk/types"
	moduletestutil "github.com/cosmos/cosmos-sdk/types/module/testutil"
	"github.com/cosmos/cosmos-sdk/types/query"
	authtypes "github.com/cosmos/cosmos-sdk/x/auth/types"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"
	"github.com/stretchr/testify/require"

	"github.com/virtengine/virtengine/chain/app/params"
	"github.com/virtengine/virtengine/chain/x/roles"
	"github.com/virtengine/virtengine/chain/x/roles/keeper"
	"github.com/virtengine/virtengine/chain/x/roles/types"
)

type fixture struct {
	ctx       sdk.Context
	k         keeper.Keeper
	msg       types.MsgServer
	q         types.QueryServer
	authority string
	// gen is a GenesisAccount set in genesis; the rest start with no role.
	gen, admin, mod, support, cust, prov string
}

func addr(name string) string {
	b := make([]byte, 20)
	copy(b, name)
	return sdk.AccAddress(b).String()
}

func acc(s string) sdk.AccAddress { return sdk.MustAccAddressFromBech32(s) }

func setup(t *testing.T) *fixture {
	t.Helper()
	params.SetAddressConfig()
	key := storetypes.NewKVStoreKey(types.StoreKey)
	tctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("transient_test"))
	enc := moduletestutil.MakeTestEncodingConfig(roles.AppModule{})
	authority := authtypes.NewModuleAddress(govtypes.ModuleName).String()
	k := keeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(key), addresscodec.NewBech32Codec(params.Bech32PrefixAccAddr), authority)
	f := &fixture{
		ctx: tctx.Ctx.WithBlockHeight(10), k: k, msg: keeper.NewMsgServerImpl(k), q: keeper.NewQueryServerImpl(k),
		authority: authority,
		gen:       addr("genesis"), admin: addr("admin"), mod: addr("moderator"), support: addr("support"),
		cust: addr("customer"), prov: addr("provider"),
	}
	gs := types.DefaultGenesis()
	gs.RoleAssignments = []types.RoleAssignment{{Address: f.gen, Role: types.ROLE_GENESIS_ACCOUNT}}
	require.NoError(t, k.InitGenesis(f.ctx, gs))
	return f
}

func (f *fixture) nominate(t *testing.T, by, who string, r types.Role) error {
	t.Helper()
	_, err := f.msg.NominateRole(f.ctx, &types.MsgNominateRole{Authority: by, Address: who, Role: r})
	return err
}

// staff sets up admin, moderator, support agent, customer and provider.
func (f *fixture) staff(t *testing.T) {
	t.Helper()
	require.NoError(t, f.nominate(t, f.gen, f.admin, types.ROLE_ADMINISTRATOR))
	require.NoError(t, f.nominate(t, f.admin, f.mod, types.ROLE_MODERATOR))
	require.NoError(t, f.nominate(t, f.admin, f.support, types.ROLE_SUPPORT_AGENT))
	require.NoError(t, f.nominate(t, f.admin, f.cust, types.ROLE_CUSTOMER))
	require.NoError(t, f.nominate(t, f.admin, f.prov, types.ROLE_SERVICE_PROVIDER))
}

func TestNominateAndQuery(t *testing.T) {
	f := setup(t)
	f.staff(t)

	res, err := f.q.AccountRoles(f.ctx, &types.QueryAccountRolesRequest{Address: f.mod})
	require.NoError(t, err)
	require.Len(t, res.Roles, 1)
	require.Equal(t, types.ROLE_MODERATOR, res.Roles[0].Role)
	require.Equal(t, f.admin, res.Roles[0].GrantedBy)
	require.EqualValues(t, 10, res.Roles[0].GrantedAtHeight)
	require.Equal(t, types.ACCOUNT_STATE_ACTIVE, res.State)

	// Administrators may appoint peers (equal rank is not "above their own").
	require.NoError(t, f.nominate(t, f.admin, f.mod, types.ROLE_ADMINISTRATOR))
	// An account may hold several roles.
	require.NoError(t, f.nominate(t, f.admin, f.cust, types.ROLE_STAKER))
	res, err = f.q.AccountRoles(f.ctx, &types.QueryAccountRolesRequest{Address: f.cust})
	require.NoError(t, err)
	require.Len(t, res.Roles, 2)

	members, err := f.q.RoleMembers(f.ctx, &types.QueryRoleMembersRequest{Role: types.ROLE_ADMINISTRATOR})
	require.NoError(t, err)
	require.Len(t, members.Members, 2)
	page, err := f.q.RoleMembers(f.ctx, &types.QueryRoleMembersRequest{Role: types.ROLE_ADMINISTRATOR, Pagination: &query.PageRequest{Limit: 1, CountTotal: true}})
	require.NoError(t, err)
	require.Len(t, page.Members, 1)
	require.EqualValues(t, 2, page.Pagination.Total)

	require.ErrorIs(t, f.nominate(t, f.admin, f.cust, types.ROLE_CUSTOMER), types.ErrRoleAlreadyAssigned)

	_, err = f.q.AccountRoles(f.ctx, &types.QueryAccountRolesRequest{Address: "cosmos1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqnrql8a"})
	require.ErrorContains(t, err, "invalid address address")
}

func TestNominateUnauthorized(t *testing.T) {
	f := setup(t)
	f.staff(t)
	for _, who := range []string{f.mod, f.support, f.cust, f.prov, addr("nobody")} {
		err := f.nominate(t, who, addr("target"), types.ROLE_CUSTOMER)
		require.ErrorIs(t, err, types.ErrUnauthorized, who)
		require.ErrorContains(t, err, "cannot nominate")
	}
	_, err := f.msg.RevokeRole(f.ctx, &types.MsgRevokeRole{Authority: f.mod, Address: f.cust, Role: types.ROLE_CUSTOMER})
	require.ErrorIs(t, err, types.ErrUnauthorized)
}

func TestRoleEscalation(t *testing.T) {
	f := setup(t)
	f.staff(t)
	// Nobody can mint a GenesisAccount, not even a GenesisAccount.
	require.ErrorIs(t, f.nominate(t, f.gen, f.admin, types.ROLE_GENESIS_ACCOUNT), types.ErrGenesisOnlyRole)
	require.ErrorIs(t, f.nominate(t, f.admin, f.mod, types.ROLE_GENESIS_ACCOUNT), types.ErrGenesisOnlyRole)

	// An administrator cannot strip roles from a GenesisAccount, which outranks it.
	require.NoError(t, f.nominate(t, f.gen, f.gen, types.ROLE_MODERATOR))
	_, err := f.msg.RevokeRole(f.ctx, &types.MsgRevokeRole{Authority: f.admin, Address: f.gen, Role: types.ROLE_MODERATOR})
	require.ErrorIs(t, err, types.ErrRoleEscalation)

	// A moderator cannot suspend an administrator, nor an administrator a peer.
	_, err = f.msg.SetAccountState(f.ctx, &types.MsgSetAccountState{Authority: f.mod, Address: f.admin, State: types.ACCOUNT_STATE_SUSPENDED, Reason: "coup"})
	require.ErrorIs(t, err, types.ErrRoleEscalation)
	require.NoError(t, f.nominate(t, f.gen, addr("admin2"), types.ROLE_ADMINISTRATOR))
	_, err = f.msg.SetAccountState(f.ctx, &types.MsgSetAccountState{Authority: f.admin, Address: addr("admin2"), State: types.ACCOUNT_STATE_SUSPENDED, Reason: "r"})
	require.ErrorIs(t, err, types.ErrRoleEscalation)
	// Nobody can suspend a GenesisAccount.
	_, err = f.msg.SetAccountState(f.ctx, &types.MsgSetAccountState{Authority: f.admin, Address: f.gen, State: types.ACCOUNT_STATE_SUSPENDED, Reason: "r"})
	require.ErrorIs(t, err, types.ErrRoleEscalation)
	// The genesis account can suspend an administrator.
	_, err = f.msg.SetAccountState(f.ctx, &types.MsgSetAccountState{Authority: f.gen, Address: addr("admin2"), State: types.ACCOUNT_STATE_SUSPENDED, Reason: "r"})
	require.NoError(t, err)
}

func TestRevoke(t *testing.T) {
	f := setup(t)
	f.staff(t)
	_, err := f.msg.RevokeRole(f.ctx, &types.MsgRevokeRole{Authority: f.admin, Address: f.mod, Role: types.ROLE_MODERATOR})
	require.NoError(t, err)
	has, err := f.k.HasRole(f.ctx, acc(f.mod), types.ROLE_MODERATOR)
	require.NoError(t, err)
	require.False(t, has)
	members, err := f.q.RoleMembers(f.ctx, &types.QueryRoleMembersRequest{Role: types.ROLE_MODERATOR})
	require.NoError(t, err)
	require.Empty(t, members.Members, "reverse index must follow revocation")

	_, err = f.msg.RevokeRole(f.ctx, &types.MsgRevokeRole{Authority: f.admin, Address: f.mod, Role: types.ROLE_MODERATOR})
	require.ErrorIs(t, err, types.ErrRoleNotAssigned)
	// Revoked moderator lost its powers.
	_, err = f.msg.SetAccountState(f.ctx, &types.MsgSetAccountState{Authority: f.mod, Address: f.cust, State: types.ACCOUNT_STATE_SUSPENDED, Reason: "r"})
	require.ErrorIs(t, err, types.ErrUnauthorized)
}

func TestSuspendAppealFlow(t *testing.T) {
	f := setup(t)
	f.staff(t)

	// Active accounts have nothing to appeal.
	_, err := f.msg.SubmitAppeal(f.ctx, &types.MsgSubmitAppeal{Appellant: f.cust, Reason: "why"})
	require.ErrorIs(t, err, types.ErrNotSuspended)

	_, err = f.msg.SetAccountState(f.ctx, &types.MsgSetAccountState{Authority: f.mod, Address: f.cust, State: types.ACCOUNT_STATE_SUSPENDED, Reason: "spam"})
	require.NoError(t, err)
	_, err = f.msg.SetAccountState(f.ctx, &types.MsgSetAccountState{Authority: f.mod, Address: f.cust, State: types.ACCOUNT_STATE_SUSPENDED, Reason: "spam"})
	require.ErrorIs(t, err, types.ErrNoStateChange)
	st, err := f.q.AccountState(f.ctx, &types.QueryAccountStateRequest{Address: f.cust})
	require.NoError(t, err)
	require.Equal(t, types.ACCOUNT_STATE_SUSPENDED, st.Status.State)
	require.Equal(t, "spam", st.Status.Reason)
	require.Equal(t, f.mod, st.Status.UpdatedBy)

	r1, err := f.msg.SubmitAppeal(f.ctx, &types.MsgSubmitAppeal{Appellant: f.cust, Reason: "not spam"})
	require.NoError(t, err)
	require.EqualValues(t, 1, r1.AppealId)
	_, err = f.msg.SubmitAppeal(f.ctx, &types.MsgSubmitAppeal{Appellant: f.cust, Reason: "again"})
	require.ErrorIs(t, err, types.ErrAppealAlreadyPending)

	pending, err := f.q.Appeals(f.ctx, &types.QueryAppealsRequest{PendingOnly: true})
	require.NoError(t, err)
	require.Len(t, pending.Appeals, 1)

	// Support agents cannot decide appeals; unknown ids are reported.
	_, err = f.msg.ResolveAppeal(f.ctx, &types.MsgResolveAppeal{Moderator: f.support, AppealId: r1.AppealId, Approve: true})
	require.ErrorIs(t, err, types.ErrUnauthorized)
	_, err = f.msg.ResolveAppeal(f.ctx, &types.MsgResolveAppeal{Moderator: f.mod, AppealId: 42, Approve: true})
	require.ErrorIs(t, err, types.ErrAppealNotFound)

	// Rejected: still suspended, may appeal again.
	_, err = f.msg.ResolveAppeal(f.ctx, &types.MsgResolveAppeal{Moderator: f.mod, AppealId: r1.AppealId, Approve: false, Note: "evidence holds"})
	require.NoError(t, err)
	_, err = f.msg.ResolveAppeal(f.ctx, &types.MsgResolveAppeal{Moderator: f.mod, AppealId: r1.AppealId, Approve: true})
	require.ErrorIs(t, err, types.ErrAppealNotPending)
	state, err := f.k.GetAccountState(f.ctx, acc(f.cust))
	require.NoError(t, err)
	require.Equal(t, types.ACCOUNT_STATE_SUSPENDED, state)

	r2, err := f.msg.SubmitAppeal(f.ctx, &types.MsgSubmitAppeal{Appellant: f.cust, Reason: "new evidence"})
	require.NoError(t, err)
	require.EqualValues(t, 2, r2.AppealId)
	_, err = f.msg.ResolveAppeal(f.ctx, &types.MsgResolveAppeal{Moderator: f.mod, AppealId: r2.AppealId, Approve: true, Note: "ok"})
	require.NoError(t, err)
	state, err = f.k.GetAccountState(f.ctx, acc(f.cust))
	require.NoError(t, err)
	require.Equal(t, types.ACCOUNT_STATE_ACTIVE, state)
	a, err := f.q.Appeal(f.ctx, &types.QueryAppealRequest{Id: r2.AppealId})
	require.NoError(t, err)
	require.Equal(t, types.APPEAL_STATUS_APPROVED, a.Appeal.Status)
	require.Equal(t, f.mod, a.Appeal.ResolvedBy)

	// Reactivating directly also closes a pending appeal.
	_, err = f.msg.SetAccountState(f.ctx, &types.MsgSetAccountState{Authority: f.mod, Address: f.prov, State: types.ACCOUNT_STATE_SUSPENDED, Reason: "late"})
	require.NoError(t, err)
	r3, err := f.msg.SubmitAppeal(f.ctx, &types.MsgSubmitAppeal{Appellant: f.prov, Reason: "sorry"})
	require.NoError(t, err)
	_, err = f.msg.SetAccountState(f.ctx, &types.MsgSetAccountState{Authority: f.mod, Address: f.prov, State: types.ACCOUNT_STATE_ACTIVE})
	require.NoError(t, err)
	a, err = f.q.Appeal(f.ctx, &types.QueryAppealRequest{Id: r3.AppealId})
	require.NoError(t, err)
	require.Equal(t, types.APPEAL_STATUS_APPROVED, a.Appeal.Status)

	// Length limit comes from params.
	_, err = f.msg.SetAccountState(f.ctx, &types.MsgSetAccountState{Authority: f.mod, Address: f.prov, State: types.ACCOUNT_STATE_SUSPENDED, Reason: string(make([]byte, 2000))})
	require.ErrorIs(t, err, types.ErrInvalidReason)
}

func TestTermination(t *testing.T) {
	f := setup(t)
	f.staff(t)
	_, err := f.msg.SetAccountState(f.ctx, &types.MsgSetAccountState{Authority: f.mod, Address: f.cust, State: types.ACCOUNT_STATE_TERMINATED, Reason: "fraud"})
	require.ErrorIs(t, err, types.ErrUnauthorized)
	_, err = f.msg.SetAccountState(f.ctx, &types.MsgSetAccountState{Authority: f.admin, Address: f.cust, State: types.ACCOUNT_STATE_TERMINATED, Reason: "fraud"})
	require.NoError(t, err)
	_, err = f.msg.SetAccountState(f.ctx, &types.MsgSetAccountState{Authority: f.gen, Address: f.cust, State: types.ACCOUNT_STATE_ACTIVE})
	require.ErrorIs(t, err, types.ErrAccountTerminated)
	require.ErrorIs(t, f.nominate(t, f.admin, f.cust, types.ROLE_STAKER), types.ErrAccountTerminated)
	_, err = f.msg.SubmitAppeal(f.ctx, &types.MsgSubmitAppeal{Appellant: f.cust, Reason: "please"})
	require.ErrorIs(t, err, types.ErrNotSuspended)
}

func pub(seed byte) []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = seed + byte(i)
	}
	return k
}

func TestEncryptionKeys(t *testing.T) {
	f := setup(t)
	reg := func(v uint32, seed byte) error {
		_, err := f.msg.RegisterEncryptionKey(f.ctx, &types.MsgRegisterEncryptionKey{Owner: f.cust, PublicKey: pub(seed), Version: v})
		return err
	}
	_, err := f.q.EncryptionKey(f.ctx, &types.QueryEncryptionKeyRequest{Address: f.cust})
	require.ErrorContains(t, err, "has no encryption key")

	require.NoError(t, reg(1, 1))
	require.NoError(t, reg(5, 2)) // gaps are fine, only growth is required
	require.ErrorIs(t, reg(5, 3), types.ErrKeyVersion)
	require.ErrorIs(t, reg(3, 3), types.ErrKeyVersion)
	_, err = f.msg.RegisterEncryptionKey(f.ctx, &types.MsgRegisterEncryptionKey{Owner: f.cust, PublicKey: make([]byte, 32), Version: 9})
	require.ErrorIs(t, err, types.ErrInvalidKey)

	latest, err := f.q.EncryptionKey(f.ctx, &types.QueryEncryptionKeyRequest{Address: f.cust})
	require.NoError(t, err)
	require.EqualValues(t, 5, latest.Key.Version)
	require.Equal(t, pub(2), latest.Key.PublicKey)
	v1, err := f.q.EncryptionKey(f.ctx, &types.QueryEncryptionKeyRequest{Address: f.cust, Version: 1})
	require.NoError(t, err)
	require.Equal(t, pub(1), v1.Key.PublicKey)
	_, err = f.q.EncryptionKey(f.ctx, &types.QueryEncryptionKeyRequest{Address: f.cust, Version: 2})
	require.ErrorContains(t, err, "no key version 2")

	// Keys are per account.
	other, err := f.q.EncryptionKeys(f.ctx, &types.QueryEncryptionKeysRequest{Address: f.prov})
	require.NoError(t, err)
	require.Empty(t, other.Keys)

	// Gov lowers max_encryption_keys: registration keeps only the newest.
	p := types.DefaultParams()
	p.MaxEncryptionKeys = 2
	_, err = f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: p})
	require.NoError(t, err)
	require.NoError(t, reg(6, 3))
	require.NoError(t, reg(7, 4))
	all, err := f.q.EncryptionKeys(f.ctx, &types.QueryEncryptionKeysRequest{Address: f.cust})
	require.NoError(t, err)
	require.Len(t, all.Keys, 2)
	require.EqualValues(t, 6, all.Keys[0].Version)
	require.EqualValues(t, 7, all.Keys[1].Version)
}

func TestUpdateParamsAuthority(t *testing.T) {
	f := setup(t)
	_, err := f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.gen, Params: types.DefaultParams()})
	require.ErrorContains(t, err, "expected "+f.authority)
	bad := types.DefaultParams()
	bad.MaxReasonLength = 0
	_, err = f.msg.UpdateParams(f.ctx, &types.MsgUpdateParams{Authority: f.authority, Params: bad})
	require.ErrorIs(t, err, types.ErrInvalidParams)
	res, err := f.q.Params(f.ctx, &types.QueryParamsRequest{})
	require.NoError(t, err)
	require.Equal(t, types.DefaultParams(), res.Params)
}

// TestGenesisRoundTrip: export -> import into a fresh store -> export gives
// the same state, including pending appeals and the appeal sequence.
func TestGenesisRoundTrip(t *testing.T) {
	f := setup(t)
	f.staff(t)
	_, err := f.msg.SetAccountState(f.ctx, &types.MsgSetAccountState{Authority: f.mod, Address: f.cust, State: types.ACCOUNT_STATE_SUSPENDED, Reason: "spam"})
	require.NoError(t, err)
	_, err = f.msg.SubmitAppeal(f.ctx, &types.MsgSubmitAppeal{Appellant: f.cust, Reason: "no"})
	require.NoError(t, err)
	_, err = f.msg.RegisterEncryptionKey(f.ctx, &types.MsgRegisterEncryptionKey{Owner: f.prov, PublicKey: pub(9), Version: 1})
	require.NoError(t, err)

	exported, err := f.k.ExportGenesis(f.ctx)
	require.NoError(t, err)
	require.NoError(t, exported.Validate())
	require.Len(t, exported.RoleAssignments, 6)
	require.Len(t, exported.AccountStatuses, 1)
	require.Len(t, exported.Appeals, 1)
	require.Len(t, exported.EncryptionKeys, 1)
	require.EqualValues(t, 2, exported.NextAppealId)

	g := setup(t) // fresh store (its own genesis account gets overwritten below)
	key := storetypes.NewKVStoreKey(types.StoreKey)
	tctx := testutil.DefaultContextWithDB(t, key, storetypes.NewTransientStoreKey("t2"))
	enc := moduletestutil.MakeTestEncodingConfig(roles.AppModule{})
	k2 := keeper.NewKeeper(enc.Codec, runtime.NewKVStoreService(key), addresscodec.NewBech32Codec(params.Bech32PrefixAccAddr), g.authority)
	require.NoError(t, k2.InitGenesis(tctx.Ctx, exported))
	again, err := k2.ExportGenesis(tctx.Ctx)
	require.NoError(t, err)
	require.Equal(t, exported, again)

	// Pending index and sequence survived: a second appeal is refused and the
	// next id continues from 2.
	m2 := keeper.NewMsgServerImpl(k2)
	_, err = m2.SubmitAppeal(tctx.Ctx, &types.MsgSubmitAppeal{Appellant: f.cust, Reason: "again"})
	require.ErrorIs(t, err, types.ErrAppealAlreadyPending)
	_, err = m2.SetAccountState(tctx.Ctx, &types.MsgSetAccountState{Authority: f.mod, Address: f.prov, State: types.ACCOUNT_STATE_SUSPENDED, Reason: "x"})
	require.NoError(t, err)
	r, err := m2.SubmitAppeal(tctx.Ctx, &types.MsgSubmitAppeal{Appellant: f.prov, Reason: "y"})
	require.NoError(t, err)
	require.EqualValues(t, 2, r.AppealId)
}
