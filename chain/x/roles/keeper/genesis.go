package keeper

import (
	"context"

	"cosmossdk.io/collections"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/virtengine/virtengine/chain/x/roles/types"
)

// InitGenesis loads state. Genesis accounts are simply the role assignments
// with ROLE_GENESIS_ACCOUNT: this is the only way that role comes to exist.
func (k Keeper) InitGenesis(ctx context.Context, gs *types.GenesisState) error {
	if err := gs.Validate(); err != nil {
		return err
	}
	if err := k.Params.Set(ctx, gs.Params); err != nil {
		return err
	}
	for _, ra := range gs.RoleAssignments {
		addr, err := k.parseAddress("role_assignments", ra.Address)
		if err != nil {
			return err
		}
		if err := k.SetRole(ctx, addr, ra); err != nil {
			return err
		}
	}
	for _, st := range gs.AccountStatuses {
		addr, err := k.parseAddress("account_statuses", st.Address)
		if err != nil {
			return err
		}
		if err := k.SetAccountStatus(ctx, addr, st); err != nil {
			return err
		}
	}
	for _, key := range gs.EncryptionKeys {
		addr, err := k.parseAddress("encryption_keys", key.Owner)
		if err != nil {
			return err
		}
		if err := k.EncryptionKeys.Set(ctx, collections.Join(addr, key.Version), key); err != nil {
			return err
		}
	}
	for _, a := range gs.Appeals {
		if err := k.Appeals.Set(ctx, a.Id, a); err != nil {
			return err
		}
		if a.Status == types.APPEAL_STATUS_PENDING {
			addr, err := k.parseAddress("appeals", a.Appellant)
			if err != nil {
				return err
			}
			if err := k.PendingAppeal.Set(ctx, addr, a.Id); err != nil {
				return err
			}
		}
	}
	// The sequence holds the last id handed out minus one (see SubmitAppeal).
	return k.AppealSeq.Set(ctx, gs.NextAppealId-1)
}

func (k Keeper) ExportGenesis(ctx context.Context) (*types.GenesisState, error) {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	gs := &types.GenesisState{Params: p}
	err = k.Roles.Walk(ctx, nil, func(_ collections.Pair[sdk.AccAddress, int32], v types.RoleAssignment) (bool, error) {
		gs.RoleAssignments = append(gs.RoleAssignments, v)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	err = k.Statuses.Walk(ctx, nil, func(_ sdk.AccAddress, v types.AccountStatus) (bool, error) {
		gs.AccountStatuses = append(gs.AccountStatuses, v)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	err = k.EncryptionKeys.Walk(ctx, nil, func(_ collections.Pair[sdk.AccAddress, uint32], v types.EncryptionKey) (bool, error) {
		gs.EncryptionKeys = append(gs.EncryptionKeys, v)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	err = k.Appeals.Walk(ctx, nil, func(_ uint64, v types.Appeal) (bool, error) {
		gs.Appeals = append(gs.Appeals, v)
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	seq, err := k.AppealSeq.Peek(ctx)
	if err != nil {
		return nil, err
	}
	gs.NextAppealId = seq + 1
	return gs, nil
}
