package cmd_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	svrcmd "github.com/cosmos/cosmos-sdk/server/cmd"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/stretchr/testify/require"

	"github.com/virtengine/virtengine/chain/cmd/virtengined/cmd"
)

func run(t *testing.T, home string, args ...string) {
	t.Helper()
	root := cmd.NewRootCmd()
	root.SetArgs(args)
	require.NoError(t, svrcmd.Execute(root, "", home), "virtengined %v", args)
}

// TestGenesisCommands runs what scripts/localnet.sh runs before `start`:
// init, a genesis account with a GenesisAccount role, and validation.
func TestGenesisCommands(t *testing.T) {
	home := t.TempDir()
	run(t, home, "init", "test", "--chain-id", "virtengine-test", "--home", home)
	addr := sdk.AccAddress([]byte("genesis-account-0001")).String()
	run(t, home, "genesis", "add-genesis-account", addr, "1000000uve", "--home", home)
	run(t, home, "genesis", "add-role", addr, "genesis-account", "--home", home)
	run(t, home, "genesis", "validate", filepath.Join(home, "config", "genesis.json"), "--home", home)

	bz, err := os.ReadFile(filepath.Join(home, "config", "genesis.json"))
	require.NoError(t, err)
	var gen struct {
		AppState map[string]json.RawMessage `json:"app_state"`
	}
	require.NoError(t, json.Unmarshal(bz, &gen))
	require.Contains(t, string(gen.AppState["roles"]), addr)
	require.Contains(t, string(gen.AppState["roles"]), "ROLE_GENESIS_ACCOUNT")
	require.Contains(t, string(gen.AppState["staking"]), `"bond_denom": "uve"`)
	for _, m := range []string{"auth", "bank", "staking", "distribution", "slashing", "gov", "authz", "feegrant", "consensus", "roles", "escrow", "market", "veid"} {
		if m == "consensus" {
			continue // consensus params live outside app_state
		}
		require.Contains(t, gen.AppState, m)
	}

	// A wrong-prefix address is refused with a readable error.
	root := cmd.NewRootCmd()
	cosmosAddr, err := sdk.Bech32ifyAddressBytes("cosmos", []byte("genesis-account-0001"))
	require.NoError(t, err)
	root.SetArgs([]string{"genesis", "add-role", cosmosAddr, "customer", "--home", home})
	err = svrcmd.Execute(root, "", home)
	require.ErrorContains(t, err, "expected virtengine")
}
