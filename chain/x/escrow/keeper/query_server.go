package keeper

import (
	"context"

	"github.com/cosmos/cosmos-sdk/types/query"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/virtengine/virtengine/chain/x/escrow/types"
)

type queryServer struct{ k *Keeper }

func NewQueryServerImpl(k *Keeper) types.QueryServer { return queryServer{k: k} }

func (q queryServer) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	p, err := q.k.Params.Get(ctx)
	return &types.QueryParamsResponse{Params: p}, err
}

func (q queryServer) Account(ctx context.Context, req *types.QueryAccountRequest) (*types.QueryAccountResponse, error) {
	if req == nil || types.ValidateID("id", req.Id) != nil {
		return nil, status.Error(codes.InvalidArgument, "a valid account id is required")
	}
	a, err := q.k.GetAccount(ctx, req.Id)
	if err != nil {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	pays, err := q.k.PaymentsOf(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return &types.QueryAccountResponse{Account: a, Payments: pays}, nil
}

func (q queryServer) Accounts(ctx context.Context, req *types.QueryAccountsRequest) (*types.QueryAccountsResponse, error) {
	if req == nil {
		req = &types.QueryAccountsRequest{}
	}
	accs, page, err := query.CollectionPaginate(ctx, q.k.Accounts, req.Pagination,
		func(_ string, a types.Account) (types.Account, error) { return a, nil })
	if err != nil {
		return nil, err
	}
	return &types.QueryAccountsResponse{Accounts: accs, Pagination: page}, nil
}

func (q queryServer) Payments(ctx context.Context, req *types.QueryPaymentsRequest) (*types.QueryPaymentsResponse, error) {
	if req == nil || types.ValidateID("account_id", req.AccountId) != nil {
		return nil, status.Error(codes.InvalidArgument, "a valid account id is required")
	}
	pays, err := q.k.PaymentsOf(ctx, req.AccountId)
	return &types.QueryPaymentsResponse{Payments: pays}, err
}
