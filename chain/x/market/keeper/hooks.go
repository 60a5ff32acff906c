package keeper

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"cosmossdk.io/collections"

	escrowtypes "github.com/virtengine/virtengine/chain/x/escrow/types"
	"github.com/virtengine/virtengine/chain/x/market/types"
)

// Hooks adapts the market keeper to escrow's notifications about order accounts.
type Hooks struct{ k Keeper }

var _ escrowtypes.Hooks = Hooks{}

func (k Keeper) Hooks() Hooks { return Hooks{k: k} }

// leaseFor maps an escrow account id back to its lease; other accounts
// (bid deposits) and orders without a lease are ignored.
func (h Hooks) leaseFor(ctx context.Context, acc escrowtypes.Account) (types.Lease, bool, error) {
	rest, ok := strings.CutPrefix(acc.Id, "order/")
	if !ok {
		return types.Lease{}, false, nil
	}
	id, err := strconv.ParseUint(rest, 10, 64)
	if err != nil {
		return types.Lease{}, false, nil
	}
	l, err := h.k.Leases.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return l, false, nil
	}
	return l, err == nil, err
}

func (h Hooks) OnAccountOverdrawn(ctx context.Context, acc escrowtypes.Account) error {
	l, ok, err := h.leaseFor(ctx, acc)
	if err != nil || !ok || l.State != types.LEASE_STATE_ACTIVE {
		return err
	}
	return h.k.setLeaseState(ctx, &l, types.LEASE_STATE_INSUFFICIENT_FUNDS, types.LEASE_CLOSE_REASON_UNSPECIFIED)
}

func (h Hooks) OnAccountRestored(ctx context.Context, acc escrowtypes.Account) error {
	l, ok, err := h.leaseFor(ctx, acc)
	if err != nil || !ok || l.State != types.LEASE_STATE_INSUFFICIENT_FUNDS {
		return err
	}
	return h.k.setLeaseState(ctx, &l, types.LEASE_STATE_ACTIVE, types.LEASE_CLOSE_REASON_UNSPECIFIED)
}

func (h Hooks) OnAccountClosedOverdrawn(ctx context.Context, acc escrowtypes.Account) error {
	l, ok, err := h.leaseFor(ctx, acc)
	if err != nil || !ok || l.State == types.LEASE_STATE_CLOSED {
		return err
	}
	return h.k.closeLease(ctx, &l, types.LEASE_CLOSE_REASON_INSUFFICIENT_FUNDS)
}
