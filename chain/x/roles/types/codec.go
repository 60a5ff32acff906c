package types

import (
	"github.com/cosmos/cosmos-sdk/codec"
	"github.com/cosmos/cosmos-sdk/codec/legacy"
	codectypes "github.com/cosmos/cosmos-sdk/codec/types"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/msgservice"
)

// RegisterLegacyAminoCodec registers the amino names used by
// SIGN_MODE_LEGACY_AMINO_JSON (ledger, cosmjs amino signer). They must match
// the (amino.name) options in tx.proto.
func RegisterLegacyAminoCodec(cdc *codec.LegacyAmino) {
	legacy.RegisterAminoMsg(cdc, &MsgNominateRole{}, "ve/roles/MsgNominateRole")
	legacy.RegisterAminoMsg(cdc, &MsgRevokeRole{}, "ve/roles/MsgRevokeRole")
	legacy.RegisterAminoMsg(cdc, &MsgSetAccountState{}, "ve/roles/MsgSetAccountState")
	legacy.RegisterAminoMsg(cdc, &MsgSubmitAppeal{}, "ve/roles/MsgSubmitAppeal")
	legacy.RegisterAminoMsg(cdc, &MsgResolveAppeal{}, "ve/roles/MsgResolveAppeal")
	legacy.RegisterAminoMsg(cdc, &MsgRegisterEncryptionKey{}, "ve/roles/MsgRegisterEncryptionKey")
	legacy.RegisterAminoMsg(cdc, &MsgUpdateParams{}, "ve/roles/MsgUpdateParams")
	cdc.RegisterConcrete(&Params{}, "ve/roles/Params", nil)
}

func RegisterInterfaces(registry codectypes.InterfaceRegistry) {
	registry.RegisterImplementations((*sdk.Msg)(nil),
		&MsgNominateRole{},
		&MsgRevokeRole{},
		&MsgSetAccountState{},
		&MsgSubmitAppeal{},
		&MsgResolveAppeal{},
		&MsgRegisterEncryptionKey{},
		&MsgUpdateParams{},
	)
	msgservice.RegisterMsgServiceDesc(registry, &_Msg_serviceDesc)
}

// Full gRPC service names, for autocli and routing tables.
var (
	MsgServiceName   = _Msg_serviceDesc.ServiceName
	QueryServiceName = _Query_serviceDesc.ServiceName
)
