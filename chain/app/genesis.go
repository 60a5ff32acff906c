package app

import (
	"encoding/json"

	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/types/module"
	"github.com/cosmos/cosmos-sdk/x/bank"
	banktypes "github.com/cosmos/cosmos-sdk/x/bank/types"

	"github.com/virtengine/virtengine/chain/app/params"
)

// GenesisState maps module names to their raw JSON genesis.
type GenesisState map[string]json.RawMessage

// NewDefaultGenesisState is every module's default genesis. Staking, gov and
// the rest default to uve because params.SetAddressConfig sets
// sdk.DefaultBondDenom before this runs; bank's default carries the uve
// metadata through bankModuleBasic.
func NewDefaultGenesisState(cdc codec.JSONCodec, mbm module.BasicManager) GenesisState {
	return GenesisState(mbm.DefaultGenesis(cdc))
}

// bankModuleBasic is bank's AppModuleBasic with the uve denom metadata
// (display VE, 6 decimals) in its default genesis, so that `virtengined init`
// (which asks the BasicManager) and the app agree, and wallets / the portal
// render amounts correctly.
type bankModuleBasic struct{ bank.AppModuleBasic }

func (b bankModuleBasic) DefaultGenesis(cdc codec.JSONCodec) json.RawMessage {
	var gs banktypes.GenesisState
	cdc.MustUnmarshalJSON(b.AppModuleBasic.DefaultGenesis(cdc), &gs)
	gs.DenomMetadata = []banktypes.Metadata{UVEMetadata()}
	return cdc.MustMarshalJSON(&gs)
}

// UVEMetadata describes the VirtEngine token.
func UVEMetadata() banktypes.Metadata {
	return banktypes.Metadata{
		Description: "The native token of VirtEngine",
		DenomUnits: []*banktypes.DenomUnit{
			{Denom: params.BaseDenom, Exponent: 0, Aliases: []string{"microve"}},
			{Denom: "mve", Exponent: 3, Aliases: []string{"millive"}},
			{Denom: params.DisplayDenom, Exponent: params.DenomExponent},
		},
		Base:    params.BaseDenom,
		Display: params.DisplayDenom,
		Name:    "VirtEngine",
		Symbol:  params.DisplayDenom,
	}
}
