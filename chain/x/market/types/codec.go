package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	for name, m := range map[string]sdk.Msg{
		"ve/market/MsgUpsertProvider": &MsgUpsertProvider{}, "ve/market/MsgCreateOffering": &MsgCreateOffering{}, "ve/market/MsgUpdateOffering": &MsgUpdateOffering{},
		"ve/market/MsgCreateOrder": &MsgCreateOrder{}, "ve/market/MsgCancelOrder": &MsgCancelOrder{},
		"ve/market/MsgApproveOrder": &MsgApproveOrder{}, "ve/market/MsgRejectOrder": &MsgRejectOrder{},
		"ve/market/MsgSetOrderState": &MsgSetOrderState{}, "ve/market/MsgCreateBid": &MsgCreateBid{},
		"ve/market/MsgCloseBid": &MsgCloseBid{}, "ve/market/MsgCreateLease": &MsgCreateLease{},
		"ve/market/MsgCloseLease": &MsgCloseLease{}, "ve/market/MsgPostUsage": &MsgPostUsage{},
		"ve/market/MsgUpdateParams": &MsgUpdateParams{},
	} {
		legacy.RegisterAminoMsg(cdc, m, name)
	}
	cdc.RegisterConcrete(&Params{}, "ve/market/Params", nil)
}

func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil),
		&MsgUpsertProvider{}, &MsgCreateOffering{}, &MsgUpdateOffering{}, &MsgCreateOrder{}, &MsgCancelOrder{},
		&MsgApproveOrder{}, &MsgRejectOrder{}, &MsgSetOrderState{}, &MsgCreateBid{}, &MsgCloseBid{},
		&MsgCreateLease{}, &MsgCloseLease{}, &MsgPostUsage{}, &MsgUpdateParams{},
	)
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}

var (
	MsgServiceName   = _Msg_serviceDesc.ServiceName
	QueryServiceName = _Query_serviceDesc.ServiceName
)
