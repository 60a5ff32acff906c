package types_test

import (
	"testing"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/stretchr/testify/require"

	"github.com/virtengine/virtengine/chain/app/params"
	"github.com/virtengine/virtengine/chain/x/roles/types"
)

func addr(s string) string {
	b := make([]byte, 20)
	copy(b, s)
	return sdk.AccAddress(b).String()
}

func TestValidateBasicAddresses(t *testing.T) {
	params.SetAddressConfig()
	good := addr("good")
	// Same bytes, other chain's prefix.
	cosmosAddr, err := sdk.Bech32ifyAddressBytes("cosmos", sdk.MustAccAddressFromBech32(good))
	require.NoError(t, err)

	cases := []struct {
		name    string
		msg     sdk.HasValidateBasic
		wantErr error
		wantMsg string
	}{
		{"ok nominate", &types.MsgNominateRole{Authority: good, Address: addr("x"), Role: types.ROLE_CUSTOMER}, nil, ""},
		{"wrong prefix", &types.MsgNominateRole{Authority: cosmosAddr, Address: good, Role: types.ROLE_CUSTOMER},
			types.ErrInvalidAddress, "invalid authority address \"" + cosmosAddr + "\": invalid Bech32 prefix; expected virtengine, got cosmos"},
		{"garbage nominee", &types.MsgNominateRole{Authority: good, Address: "ve1notanaddress", Role: types.ROLE_CUSTOMER},
			types.ErrInvalidAddress, "invalid nominee address \"ve1notanaddress\""},
		{"empty authority", &types.MsgNominateRole{Address: good, Role: types.ROLE_CUSTOMER}, types.ErrInvalidAddress, "authority address is empty"},
		{"unspecified role", &types.MsgNominateRole{Authority: good, Address: addr("x")}, types.ErrInvalidRole, ""},
		{"unknown role", &types.MsgNominateRole{Authority: good, Address: addr("x"), Role: 99}, types.ErrInvalidRole, ""},
		{"nominate genesis", &types.MsgNominateRole{Authority: good, Address: addr("x"), Role: types.ROLE_GENESIS_ACCOUNT}, types.ErrGenesisOnlyRole, ""},
		{"revoke genesis", &types.MsgRevokeRole{Authority: good, Address: addr("x"), Role: types.ROLE_GENESIS_ACCOUNT}, types.ErrGenesisOnlyRole, ""},
		{"revoke bad addr", &types.MsgRevokeRole{Authority: good, Address: "nope", Role: types.ROLE_CUSTOMER}, types.ErrInvalidAddress, "invalid address address \"nope\""},
		{"suspend without reason", &types.MsgSetAccountState{Authority: good, Address: addr("x"), State: types.ACCOUNT_STATE_SUSPENDED}, types.ErrInvalidReason, "reason must not be empty"},
		{"reactivate without reason ok", &types.MsgSetAccountState{Authority: good, Address: addr("x"), State: types.ACCOUNT_STATE_ACTIVE}, nil, ""},
		{"state unspecified", &types.MsgSetAccountState{Authority: good, Address: addr("x"), Reason: "r"}, types.ErrInvalidAccountState, ""},
		{"own state", &types.MsgSetAccountState{Authority: good, Address: good, State: types.ACCOUNT_STATE_SUSPENDED, Reason: "r"}, types.ErrUnauthorized, ""},
		{"appeal bad addr", &types.MsgSubmitAppeal{Appellant: "cosmos1xyz", Reason: "r"}, types.ErrInvalidAddress, "invalid appellant address"},
		{"appeal empty reason", &types.MsgSubmitAppeal{Appellant: good, Reason: "   "}, types.ErrInvalidReason, ""},
		{"resolve id 0", &types.MsgResolveAppeal{Moderator: good}, types.ErrAppealNotFound, ""},
		{"key ok", &types.MsgRegisterEncryptionKey{Owner: good, PublicKey: key(5), Version: 1}, nil, ""},
		{"key short", &types.MsgRegisterEncryptionKey{Owner: good, PublicKey: key(5)[:31], Version: 1}, types.ErrInvalidKey, "public key must be 32 bytes, got 31"},
		{"key zero point", &types.MsgRegisterEncryptionKey{Owner: good, PublicKey: make([]byte, 32), Version: 1}, types.ErrInvalidKey, "low-order point"},
		{"key version 0", &types.MsgRegisterEncryptionKey{Owner: good, PublicKey: key(5), Version: 0}, types.ErrKeyVersion, ""},
		{"key bad owner", &types.MsgRegisterEncryptionKey{Owner: "", PublicKey: key(5), Version: 1}, types.ErrInvalidAddress, "owner address is empty"},
		{"params bad", &types.MsgUpdateParams{Authority: good}, types.ErrInvalidParams, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.msg.ValidateBasic()
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			require.Contains(t, err.Error(), tc.wantMsg)
			// Every rejection carries a registered roles error code for clients.
			codespace, code, _ := errorsmod.ABCIInfo(err, false)
			require.Equal(t, types.ModuleName, codespace)
			require.NotZero(t, code)
		})
	}
}

// key returns a valid (non-low-order) 32-byte u-coordinate.
func key(seed byte) []byte {
	k := make([]byte, 32)
	for i := range k {
		k[i] = seed + byte(i)
	}
	return k
}

func TestParseRole(t *testing.T) {
	for in, want := range map[string]types.Role{
		"genesis-account": types.ROLE_GENESIS_ACCOUNT, "GenesisAccount": types.ROLE_GENESIS_ACCOUNT,
		"administrator": types.ROLE_ADMINISTRATOR, "ROLE_MODERATOR": types.ROLE_MODERATOR,
		"service_provider": types.ROLE_SERVICE_PROVIDER, "SupportAgent": types.ROLE_SUPPORT_AGENT,
		"customer": types.ROLE_CUSTOMER, "staker": types.ROLE_STAKER,
	} {
		got, err := types.ParseRole(in)
		require.NoError(t, err, in)
		require.Equal(t, want, got, in)
	}
	_, err := types.ParseRole("ROLE_UNSPECIFIED")
	require.Error(t, err)
	_, err = types.ParseRole("king")
	require.Error(t, err)
}

func TestRoleRanks(t *testing.T) {
	require.Greater(t, types.RoleRank(types.ROLE_GENESIS_ACCOUNT), types.RoleRank(types.ROLE_ADMINISTRATOR))
	require.Greater(t, types.RoleRank(types.ROLE_ADMINISTRATOR), types.RoleRank(types.ROLE_MODERATOR))
	require.Greater(t, types.RoleRank(types.ROLE_MODERATOR), types.RoleRank(types.ROLE_SUPPORT_AGENT))
	require.Greater(t, types.RoleRank(types.ROLE_SUPPORT_AGENT), types.RoleRank(types.ROLE_CUSTOMER))
	require.Equal(t, types.RoleRank(types.ROLE_CUSTOMER), types.RoleRank(types.ROLE_SERVICE_PROVIDER))
	require.Equal(t, types.RoleRank(types.ROLE_CUSTOMER), types.RoleRank(types.ROLE_STAKER))
	require.Zero(t, types.RoleRank(types.ROLE_UNSPECIFIED))
}

func TestGenesisValidate(t *testing.T) {
	params.SetAddressConfig()
	require.NoError(t, types.DefaultGenesis().Validate())
	gs := types.DefaultGenesis()
	gs.RoleAssignments = []types.RoleAssignment{{Address: addr("g"), Role: types.ROLE_GENESIS_ACCOUNT}, {Address: addr("g"), Role: types.ROLE_GENESIS_ACCOUNT}}
	require.ErrorIs(t, gs.Validate(), types.ErrInvalidGenesis)
	gs = types.DefaultGenesis()
	gs.RoleAssignments = []types.RoleAssignment{{Address: "cosmos1abc", Role: types.ROLE_GENESIS_ACCOUNT}}
	require.ErrorIs(t, gs.Validate(), types.ErrInvalidAddress)
	gs = types.DefaultGenesis()
	gs.Appeals = []types.Appeal{{Id: 1, Appellant: addr("a"), Status: types.APPEAL_STATUS_PENDING}}
	require.ErrorIs(t, gs.Validate(), types.ErrInvalidGenesis, "appeal id must be below next_appeal_id")
	gs.NextAppealId = 2
	require.NoError(t, gs.Validate())
}
