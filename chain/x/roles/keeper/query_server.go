package keeper

import (
	"context"
	"errors"

	"cosmossdk.io/collections"
	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"github.com/cosmos/cosmos-sdk/types/query"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/virtengine/virtengine/chain/x/roles/types"
)

type queryServer struct{ k Keeper }

func NewQueryServerImpl(k Keeper) types.QueryServer { return queryServer{k: k} }

var _ types.QueryServer = queryServer{}

func (q queryServer) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	p, err := q.k.Params.Get(ctx)
	if err != nil {
		return nil, err
	}
	return &types.QueryParamsResponse{Params: p}, nil
}

func (q queryServer) addr(s string) (sdk.AccAddress, error) {
	a, err := q.k.parseAddress("address", s)
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	return a, nil
}

func (q queryServer) AccountRoles(ctx context.Context, req *types.QueryAccountRolesRequest) (*types.QueryAccountRolesResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	a, err := q.addr(req.Address)
	if err != nil {
		return nil, err
	}
	roles, err := q.k.GetRoles(ctx, a)
	if err != nil {
		return nil, err
	}
	st, err := q.k.GetAccountState(ctx, a)
	if err != nil {
		return nil, err
	}
	return &types.QueryAccountRolesResponse{Roles: roles, State: st}, nil
}

func (q queryServer) RoleMembers(ctx context.Context, req *types.QueryRoleMembersRequest) (*types.QueryRoleMembersResponse, error) {
	if req == nil || !req.Role.IsValid() {
		return nil, status.Error(codes.InvalidArgument, "a valid role is required")
	}
	members, page, err := query.CollectionPaginate(ctx, q.k.RoleMembers, req.Pagination,
		func(key collections.Pair[int32, sdk.AccAddress], _ collections.NoValue) (types.RoleAssignment, error) {
			return q.k.Roles.Get(ctx, collections.Join(key.K2(), key.K1()))
		},
		query.WithCollectionPaginationPairPrefix[int32, sdk.AccAddress](int32(req.Role)),
	)
	if err != nil {
		return nil, err
	}
	return &types.QueryRoleMembersResponse{Members: members, Pagination: page}, nil
}

func (q queryServer) AccountState(ctx context.Context, req *types.QueryAccountStateRequest) (*types.QueryAccountStateResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	a, err := q.addr(req.Address)
	if err != nil {
		return nil, err
	}
	st, err := q.k.GetAccountStatus(ctx, a)
	if err != nil {
		return nil, err
	}
	return &types.QueryAccountStateResponse{Status: st}, nil
}

func (q queryServer) EncryptionKey(ctx context.Context, req *types.QueryEncryptionKeyRequest) (*types.QueryEncryptionKeyResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	a, err := q.addr(req.Address)
	if err != nil {
		return nil, err
	}
	if req.Version == 0 {
		key, found, err := q.k.LatestEncryptionKey(ctx, a)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, status.Error(codes.NotFound, errorsmod.Wrapf(types.ErrKeyNotFound, "%s has no encryption key", req.Address).Error())
		}
		return &types.QueryEncryptionKeyResponse{Key: key}, nil
	}
	key, err := q.k.EncryptionKeys.Get(ctx, collections.Join(a, req.Version))
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Error(codes.NotFound, errorsmod.Wrapf(types.ErrKeyNotFound, "%s has no key version %d", req.Address, req.Version).Error())
	}
	if err != nil {
		return nil, err
	}
	return &types.QueryEncryptionKeyResponse{Key: key}, nil
}

func (q queryServer) EncryptionKeys(ctx context.Context, req *types.QueryEncryptionKeysRequest) (*types.QueryEncryptionKeysResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	a, err := q.addr(req.Address)
	if err != nil {
		return nil, err
	}
	keys, err := q.k.EncryptionKeysOf(ctx, a)
	if err != nil {
		return nil, err
	}
	return &types.QueryEncryptionKeysResponse{Keys: keys}, nil
}

func (q queryServer) Appeal(ctx context.Context, req *types.QueryAppealRequest) (*types.QueryAppealResponse, error) {
	if req == nil {
		return nil, status.Error(codes.InvalidArgument, "empty request")
	}
	a, err := q.k.Appeals.Get(ctx, req.Id)
	if errors.Is(err, collections.ErrNotFound) {
		return nil, status.Error(codes.NotFound, errorsmod.Wrapf(types.ErrAppealNotFound, "appeal %d", req.Id).Error())
	}
	if err != nil {
		return nil, err
	}
	return &types.QueryAppealResponse{Appeal: a}, nil
}

func (q queryServer) Appeals(ctx context.Context, req *types.QueryAppealsRequest) (*types.QueryAppealsResponse, error) {
	if req == nil {
		req = &types.QueryAppealsRequest{}
	}
	appeals, page, err := query.CollectionFilteredPaginate(ctx, q.k.Appeals, req.Pagination,
		func(_ uint64, a types.Appeal) (bool, error) {
			return !req.PendingOnly || a.Status == types.APPEAL_STATUS_PENDING, nil
		},
		func(_ uint64, a types.Appeal) (types.Appeal, error) { return a, nil },
	)
	if err != nil {
		return nil, err
	}
	return &types.QueryAppealsResponse{Appeals: appeals, Pagination: page}, nil
}
