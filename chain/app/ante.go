package app

import (
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/x/auth/ante"

	rolesante "github.com/virtengine/virtengine/chain/x/roles/ante"
)

// newAnteHandler is the SDK's default decorator chain with the x/roles
// account-state check inserted right after ValidateBasic: a suspended or
// terminated account is turned away before fees are deducted or signatures
// verified, i.e. before it can change any state at all.
func (app *VirtEngineApp) newAnteHandler() sdk.AnteHandler {
	signers := rolesante.SignerFunc(func(msg sdk.Msg) ([][]byte, error) {
		s, _, err := app.appCodec.GetMsgV1Signers(msg)
		return s, err
	})
	decorators := []sdk.AnteDecorator{
		ante.NewSetUpContextDecorator(), // must be first: sets the gas meter
		ante.NewExtensionOptionsDecorator(nil),
		ante.NewValidateBasicDecorator(),
		ante.NewTxTimeoutHeightDecorator(),
		rolesante.NewAccountStateDecorator(app.RolesKeeper, signers),
		ante.NewValidateMemoDecorator(app.AccountKeeper),
		ante.NewConsumeGasForTxSizeDecorator(app.AccountKeeper),
		ante.NewDeductFeeDecorator(app.AccountKeeper, app.BankKeeper, app.FeeGrantKeeper, nil),
		ante.NewSetPubKeyDecorator(app.AccountKeeper), // before signature checks
		ante.NewValidateSigCountDecorator(app.AccountKeeper),
		ante.NewSigGasConsumeDecorator(app.AccountKeeper, ante.DefaultSigVerificationGasConsumer),
		ante.NewSigVerificationDecorator(app.AccountKeeper, app.txConfig.SignModeHandler()),
		ante.NewIncrementSequenceDecorator(app.AccountKeeper),
	}
	return sdk.ChainAnteDecorators(decorators...)
}
