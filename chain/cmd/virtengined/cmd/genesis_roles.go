package cmd

import (
	"encoding/json"
	"fmt"

	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/client/flags"
	"github.com/cosmos/cosmos-sdk/server"
	"github.com/cosmos/cosmos-sdk/x/genutil"
	genutiltypes "github.com/cosmos/cosmos-sdk/x/genutil/types"
	"github.com/spf13/cobra"

	"github.com/virtengine/virtengine/chain/x/roles/types"
)

// AddGenesisRoleCmd writes a role assignment into genesis.json. This is how
// GenesisAccounts come to exist: no transaction can grant that role.
func AddGenesisRoleCmd(defaultNodeHome string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "add-role [address] [role]",
		Short: "Assign an x/roles role to an account in genesis.json",
		Long: `Assign a role in genesis. Roles: genesis-account, administrator, moderator,
service-provider, customer, support-agent, staker (or the enum names, e.g. ROLE_ADMINISTRATOR).`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			clientCtx := client.GetClientContextFromCmd(cmd)
			cfg := server.GetServerContextFromCmd(cmd).Config
			cfg.SetRoot(clientCtx.HomeDir)

			if err := types.ValidateAddress("role holder", args[0]); err != nil {
				return err
			}
			role, err := types.ParseRole(args[1])
			if err != nil {
				return err
			}
			genFile := cfg.GenesisFile()
			appGenesis, err := genutiltypes.AppGenesisFromFile(genFile)
			if err != nil {
				return fmt.Errorf("failed to read genesis %s: %w", genFile, err)
			}
			appState, err := genutiltypes.GenesisStateFromAppGenesis(appGenesis)
			if err != nil {
				return err
			}
			var gs types.GenesisState
			if raw, ok := appState[types.ModuleName]; ok {
				clientCtx.Codec.MustUnmarshalJSON(raw, &gs)
			} else {
				gs = *types.DefaultGenesis()
			}
			for _, ra := range gs.RoleAssignments {
				if ra.Address == args[0] && ra.Role == role {
					return fmt.Errorf("%s already has %s in genesis", args[0], role)
				}
			}
			gs.RoleAssignments = append(gs.RoleAssignments, types.RoleAssignment{Address: args[0], Role: role})
			if err := gs.Validate(); err != nil {
				return err
			}
			appState[types.ModuleName] = clientCtx.Codec.MustMarshalJSON(&gs)
			if appGenesis.AppState, err = jsonMarshal(appState); err != nil {
				return err
			}
			return genutil.ExportGenesisFile(appGenesis, genFile)
		},
	}
	cmd.Flags().String(flags.FlagHome, defaultNodeHome, "The application home directory")
	return cmd
}

func jsonMarshal(v map[string]json.RawMessage) ([]byte, error) {
	return json.MarshalIndent(v, "", "  ")
}
