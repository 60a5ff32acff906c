// Package escrow is the x/escrow module: customer-funded accounts per order
// and per-block payments to providers, settled on every deposit, withdrawal
// and close and swept by the EndBlocker.
package escrow

import (
	"context"
	"encoding/json"
	"fmt"

	autocliv1 "cosmossdk.io/api/cosmos/autocli/v1"
	"cosmossdk.io/core/appmodule"
	"github.com/cosmos/cosmos-sdk/client"
	"github.com/cosmos/cosmos-sdk/codec"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/module"
	gwruntime "github.com/grpc-ecosystem/grpc-gateway/runtime"

	"github.com/virtengine/virtengine/chain/x/escrow/keeper"
	"github.com/virtengine/virtengine/chain/x/escrow/types"
)

var (
	_ module.AppModuleBasic      = AppModule{}
	_ module.HasGenesis          = AppModule{}
	_ module.HasServices         = AppModule{}
	_ module.HasInvariants       = AppModule{}
	_ module.HasConsensusVersion = AppModule{}
	_ appmodule.AppModule        = AppModule{}
	_ appmodule.HasEndBlocker    = AppModule{}
)

type AppModule struct {
	keeper     *keeper.Keeper
	moduleAddr sdk.AccAddress
}

func NewAppModule(k *keeper.Keeper, moduleAddr sdk.AccAddress) AppModule {
	return AppModule{keeper: k, moduleAddr: moduleAddr}
}

func (AppModule) IsOnePerModuleType()                           {}
func (AppModule) IsAppModule()                                  {}
func (AppModule) Name() string                                  { return types.ModuleName }
func (AppModule) ConsensusVersion() uint64                      { return 1 }
func (AppModule) RegisterLegacyAminoCodec(c *codec.LegacyAmino) { types.RegisterLegacyAminoCodec(c) }
func (AppModule) RegisterInterfaces(r codectypes.InterfaceRegistry) {
	types.RegisterInterfaces(r)
}
func (AppModule) RegisterGRPCGatewayRoutes(client.Context, *gwruntime.ServeMux) {}

func (am AppModule) RegisterServices(cfg module.Configurator) {
	types.RegisterMsgServer(cfg.MsgServer(), keeper.NewMsgServerImpl(am.keeper))
	types.RegisterQueryServer(cfg.QueryServer(), keeper.NewQueryServerImpl(am.keeper))
}

func (am AppModule) RegisterInvariants(ir sdk.InvariantRegistry) {
	keeper.RegisterInvariants(ir, am.keeper, am.moduleAddr)
}

func (am AppModule) EndBlock(ctx context.Context) error { return am.keeper.EndBlocker(ctx) }

func (AppModule) DefaultGenesis(cdc codec.JSONCodec) json.RawMessage {
	return cdc.MustMarshalJSON(types.DefaultGenesis())
}

func (AppModule) ValidateGenesis(cdc codec.JSONCodec, _ client.TxEncodingConfig, bz json.RawMessage) error {
	var gs types.GenesisState
	if err := cdc.UnmarshalJSON(bz, &gs); err != nil {
		return fmt.Errorf("failed to unmarshal %s genesis state: %w", types.ModuleName, err)
	}
	return gs.Validate()
}

func (am AppModule) InitGenesis(ctx sdk.Context, cdc codec.JSONCodec, bz json.RawMessage) {
	var gs types.GenesisState
	cdc.MustUnmarshalJSON(bz, &gs)
	if err := am.keeper.InitGenesis(ctx, &gs); err != nil {
		panic(fmt.Errorf("failed to initialize %s genesis: %w", types.ModuleName, err))
	}
}

func (am AppModule) ExportGenesis(ctx sdk.Context, cdc codec.JSONCodec) json.RawMessage {
	gs, err := am.keeper.ExportGenesis(ctx)
	if err != nil {
		panic(err)
	}
	return cdc.MustMarshalJSON(gs)
}

func (AppModule) AutoCLIOptions() *autocliv1.ModuleOptions {
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.QueryServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show x/escrow params"},
				{RpcMethod: "Account", Use: "account [id]", Short: "An escrow account and its payments",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "id"}}},
				{RpcMethod: "Accounts", Use: "accounts", Short: "All escrow accounts"},
				{RpcMethod: "Payments", Use: "payments [account-id]", Short: "Payments of an account",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "account_id"}}},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: types.MsgServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Deposit", Use: "deposit [account-id] [amount]", Short: "Top up an escrow account",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "account_id"}, {ProtoField: "amount"}}},
				{RpcMethod: "Withdraw", Use: "withdraw [account-id] [payment-id]", Short: "Withdraw what a payment earned",
					PositionalArgs: []*autocliv1.PositionalArgDescriptor{{ProtoField: "account_id"}, {ProtoField: "payment_id"}}},
				{RpcMethod: "UpdateParams", Skip: true},
			},
		},
	}
}
