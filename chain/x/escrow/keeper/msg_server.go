package keeper

import (
	"context"

	errorsmod "cosmossdk.io/errors"
	govtypes "github.com/cosmos/cosmos-sdk/x/gov/types"

	"github.com/virtengine/virtengine/chain/x/escrow/types"
)

type msgServer struct{ k *Keeper }

func NewMsgServerImpl(k *Keeper) types.MsgServer { return msgServer{k: k} }

func (m msgServer) Deposit(ctx context.Context, msg *types.MsgDeposit) (*types.MsgDepositResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	return &types.MsgDepositResponse{}, m.k.Deposit(ctx, msg.AccountId, msg.Depositor, msg.Amount)
}

func (m msgServer) Withdraw(ctx context.Context, msg *types.MsgWithdraw) (*types.MsgWithdrawResponse, error) {
	if err := msg.ValidateBasic(); err != nil {
		return nil, err
	}
	amt, err := m.k.Withdraw(ctx, msg.AccountId, msg.PaymentId, msg.Payee)
	if err != nil {
		return nil, err
	}
	return &types.MsgWithdrawResponse{Amount: amt}, nil
}

func (m msgServer) UpdateParams(ctx context.Context, msg *types.MsgUpdateParams) (*types.MsgUpdateParamsResponse, error) {
	if msg.Authority != m.k.authority {
		return nil, errorsmod.Wrapf(govtypes.ErrInvalidSigner, "expected %s, got %s", m.k.authority, msg.Authority)
	}
	if err := msg.Params.Validate(); err != nil {
		return nil, err
	}
	old, err := m.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	// Changing the denom would strand every balance held in the old one.
	if old.Denom != msg.Params.Denom {
		hasAny := false
		if err := m.k.Accounts.Walk(ctx, nil, func(string, types.Account) (bool, error) { hasAny = true; return true, nil }); err != nil {
			return nil, err
		}
		if hasAny {
			return nil, errorsmod.Wrap(types.ErrInvalidParams, "denom cannot change once escrow accounts exist")
		}
	}
	return &types.MsgUpdateParamsResponse{}, m.k.Params.Set(ctx, msg.Params)
}
