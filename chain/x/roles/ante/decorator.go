// Package ante holds the decorator through which x/roles account states are
// enforced for every module: the check happens before any message handler
// runs, so bank, staking, gov, market... need no roles code of their own.
package ante

import (
	"context"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"
	sdkerrors "github.com/cosmos/cosmos-sdk/types/errors"
	authsigning "github.com/cosmos/cosmos-sdk/x/auth/signing"
	"github.com/cosmos/cosmos-sdk/x/authz"

	"github.com/virtengine/virtengine/chain/x/roles/types"
)

// StateKeeper is the slice of the roles keeper the decorator needs.
type StateKeeper interface {
	GetAccountState(ctx context.Context, addr sdk.AccAddress) (types.AccountState, error)
}

// SignerResolver extracts signers from a message (the codec's GetMsgV1Signers).
type SignerResolver interface {
	GetMsgV1Signers(msg sdk.Msg) ([][]byte, error)
}

// SignerFunc adapts a plain function to SignerResolver.
type SignerFunc func(msg sdk.Msg) ([][]byte, error)

func (f SignerFunc) GetMsgV1Signers(msg sdk.Msg) ([][]byte, error) { return f(msg) }

// AccountStateDecorator rejects transactions from suspended or terminated
// accounts. A suspended account may still send a tx made only of
// MsgSubmitAppeal for itself (its appeal to the moderators); a terminated
// account may send nothing. Messages run through authz MsgExec are checked
// by their inner signers too, so a suspended granter cannot act through a
// grantee (the edge API acts for users exactly that way).
type AccountStateDecorator struct {
	k       StateKeeper
	signers SignerResolver
}

func NewAccountStateDecorator(k StateKeeper, signers SignerResolver) AccountStateDecorator {
	return AccountStateDecorator{k: k, signers: signers}
}

func (d AccountStateDecorator) AnteHandle(ctx sdk.Context, tx sdk.Tx, simulate bool, next sdk.AnteHandler) (sdk.Context, error) {
	sigTx, ok := tx.(authsigning.SigVerifiableTx)
	if !ok {
		return ctx, errorsmod.Wrap(types.ErrInvalidAccountState, "transaction does not expose its signers")
	}
	txSigners, err := sigTx.GetSigners()
	if err != nil {
		return ctx, err
	}
	msgs := tx.GetMsgs()
	for _, s := range txSigners {
		if err := d.checkSigner(ctx, sdk.AccAddress(s), msgs); err != nil {
			return ctx, err
		}
	}
	if err := d.checkNested(ctx, msgs, 0); err != nil {
		return ctx, err
	}
	return next(ctx, tx, simulate)
}

// maxExecDepth bounds recursion through nested MsgExec; authz itself allows
// nesting, but nobody needs more than a couple of levels.
const maxExecDepth = 4

func (d AccountStateDecorator) checkNested(ctx sdk.Context, msgs []sdk.Msg, depth int) error {
	for _, m := range msgs {
		exec, ok := m.(*authz.MsgExec)
		if !ok {
			continue
		}
		if depth >= maxExecDepth {
			return errorsmod.Wrapf(types.ErrUnauthorized, "authz MsgExec nested deeper than %d", maxExecDepth)
		}
		inner, err := exec.GetMessages()
		if err != nil {
			return err
		}
		for _, im := range inner {
			signers, err := d.signers.GetMsgV1Signers(im)
			if err != nil {
				// The codec's own errors are unregistered (code 1) or ErrLogic; a client
				// sees the real cause: the inner message names a malformed signer.
				return errorsmod.Wrapf(sdkerrors.ErrInvalidAddress, "authz MsgExec inner message %s: signer: %v", sdk.MsgTypeURL(im), err)
			}
			for _, s := range signers {
				// Inner messages never count as an appeal: an appeal must be
				// signed by the suspended account itself.
				if err := d.checkSigner(ctx, sdk.AccAddress(s), nil); err != nil {
					return err
				}
			}
		}
		if err := d.checkNested(ctx, inner, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (d AccountStateDecorator) checkSigner(ctx sdk.Context, signer sdk.AccAddress, msgs []sdk.Msg) error {
	st, err := d.k.GetAccountState(ctx, signer)
	if err != nil {
		return err
	}
	switch st {
	case types.ACCOUNT_STATE_TERMINATED:
		return errorsmod.Wrapf(types.ErrAccountTerminated, "%s is terminated and cannot send transactions", signer)
	case types.ACCOUNT_STATE_SUSPENDED:
		if onlyOwnAppeals(signer, msgs) {
			return nil
		}
		return errorsmod.Wrapf(types.ErrAccountSuspended, "%s is suspended; only MsgSubmitAppeal is accepted", signer)
	}
	return nil
}

func onlyOwnAppeals(signer sdk.AccAddress, msgs []sdk.Msg) bool {
	if len(msgs) == 0 {
		return false
	}
	for _, m := range msgs {
		a, ok := m.(*types.MsgSubmitAppeal)
		if !ok {
			return false
		}
		addr, err := sdk.AccAddressFromBech32(a.Appellant)
		if err != nil || !addr.Equals(signer) {
			return false
		}
	}
	return true
}
