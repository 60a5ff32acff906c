package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgSubmitScope{}, "ve/veid/MsgSubmitScope")
	legacy.RegisterAminoMsg(cdc, &MsgRevokeScope{}, "ve/veid/MsgRevokeScope")
	legacy.RegisterAminoMsg(cdc, &MsgRequestScore{}, "ve/veid/MsgRequestScore")
	legacy.RegisterAminoMsg(cdc, &MsgAttestScore{}, "ve/veid/MsgAttestScore")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "ve/veid/MsgUpdateParams")
	cdc.RegisterConcrete(&Params{}, "ve/veid/Params", nil)
}

func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil),
		&MsgSubmitScope{}, &MsgRevokeScope{}, &MsgRequestScore{}, &MsgAttestScore{}, &MsgUpdateParams{})
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}

var (
	MsgServiceName   = _Msg_serviceDesc.ServiceName
	QueryServiceName = _Query_serviceDesc.ServiceName
)
