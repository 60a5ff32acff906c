package types

import (
	"context"

	sdk "github.com/cosmos/cosmos-sdk/types"

	escrowtypes "github.com/virtengine/virtengine/chain/x/escrow/types"
	rolestypes "github.com/virtengine/virtengine/chain/x/roles/types"
	veidtypes "github.com/virtengine/virtengine/chain/x/veid/types"
)

type EscrowKeeper interface {
	CreateAccount(ctx context.Context, id, owner string, deposit sdk.Coin) error
	CreatePayment(ctx context.Context, accountID, paymentID, payee string, rate sdk.Coin) error
	ClosePayment(ctx context.Context, accountID, paymentID string) error
	CloseAccount(ctx context.Context, id string) (sdk.Coin, error)
	Charge(ctx context.Context, accountID, paymentID string, amount sdk.Coin) error
	GetAccount(ctx context.Context, id string) (escrowtypes.Account, error)
}

// ScoreKeeper gives the customer's latest agreed identity score (x/veid).
type ScoreKeeper interface {
	LatestScore(ctx context.Context, acct sdk.AccAddress) (veidtypes.Score, bool, error)
}

type RolesKeeper interface {
	HasRole(ctx context.Context, addr sdk.AccAddress, role rolestypes.Role) (bool, error)
}
