// Package market is the x/market module: offerings, orders, Akash-style bids,
// leases and usage records. Funds are held by x/escrow.
package market

import (
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

	"github.com/virtengine/virtengine/chain/x/market/keeper"
	"github.com/virtengine/virtengine/chain/x/market/types"
)

var (
	_ module.AppModuleBasic      = AppModule{}
	_ module.HasGenesis          = AppModule{}
	_ module.HasServices         = AppModule{}
	_ module.HasConsensusVersion = AppModule{}
	_ appmodule.AppModule        = AppModule{}
)

type AppModule struct{ keeper keeper.Keeper }

func NewAppModule(k keeper.Keeper) AppModule { return AppModule{keeper: k} }

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
	pos := func(fields ...string) []*autocliv1.PositionalArgDescriptor {
		out := make([]*autocliv1.PositionalArgDescriptor, len(fields))
		for i, f := range fields {
			out[i] = &autocliv1.PositionalArgDescriptor{ProtoField: f}
		}
		return out
	}
	return &autocliv1.ModuleOptions{
		Query: &autocliv1.ServiceCommandDescriptor{
			Service: types.QueryServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				{RpcMethod: "Params", Use: "params", Short: "Show x/market params"},
				{RpcMethod: "Provider", Use: "provider [owner]", PositionalArgs: pos("owner")},
				{RpcMethod: "Providers", Use: "providers"},
				{RpcMethod: "Offering", Use: "offering [id]", PositionalArgs: pos("id")},
				{RpcMethod: "Offerings", Use: "offerings"},
				{RpcMethod: "Order", Use: "order [id]", PositionalArgs: pos("id")},
				{RpcMethod: "Orders", Use: "orders"},
				{RpcMethod: "Bids", Use: "bids [order-id]", PositionalArgs: pos("order_id")},
				{RpcMethod: "Lease", Use: "lease [order-id]", PositionalArgs: pos("order_id")},
				{RpcMethod: "Usage", Use: "usage [order-id]", PositionalArgs: pos("order_id")},
			},
		},
		Tx: &autocliv1.ServiceCommandDescriptor{
			Service: types.MsgServiceName,
			RpcCommandOptions: []*autocliv1.RpcCommandOptions{
				// CreateOffering / CreateOrder carry nested plans and limits: use
				// flags (--plans as JSON) from the generated command.
				{RpcMethod: "CancelOrder", Use: "cancel-order [order-id]", PositionalArgs: pos("order_id")},
				{RpcMethod: "ApproveOrder", Use: "approve-order [order-id]", PositionalArgs: pos("order_id")},
				{RpcMethod: "RejectOrder", Use: "reject-order [order-id]", PositionalArgs: pos("order_id")},
				{RpcMethod: "SetOrderState", Use: "set-order-state [order-id] [done|erred]", PositionalArgs: pos("order_id", "state")},
				{RpcMethod: "CreateBid", Use: "bid [order-id] [price] [deposit]", PositionalArgs: pos("order_id", "price", "deposit")},
				{RpcMethod: "CloseBid", Use: "close-bid [order-id]", PositionalArgs: pos("order_id")},
				{RpcMethod: "CreateLease", Use: "accept-bid [order-id] [provider]", PositionalArgs: pos("order_id", "provider")},
				{RpcMethod: "CloseLease", Use: "close-lease [order-id]", PositionalArgs: pos("order_id")},
				{RpcMethod: "PostUsage", Use: "post-usage [order-id] [component] [amount] [period-start] [period-end]",
					PositionalArgs: pos("order_id", "component", "amount", "period_start", "period_end")},
				{RpcMethod: "UpdateParams", Skip: true},
			},
		},
	}
}
