package keeper

import (
	"context"

	"github.com/cosmos/cosmos-sdk/types/query"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/virtengine/virtengine/chain/x/market/types"
)

type queryServer struct{ k Keeper }

func NewQueryServerImpl(k Keeper) types.QueryServer { return queryServer{k: k} }

func notFound(err error) error { return status.Error(codes.NotFound, err.Error()) }

func (q queryServer) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	p, err := q.k.Params.Get(ctx)
	return &types.QueryParamsResponse{Params: p}, err
}

func (q queryServer) Provider(ctx context.Context, req *types.QueryProviderRequest) (*types.QueryProviderResponse, error) {
	p, err := q.k.Providers.Get(ctx, req.GetOwner())
	if err != nil {
		return nil, status.Error(codes.NotFound, types.ErrProviderNotFound.Wrapf("%s", req.GetOwner()).Error())
	}
	return &types.QueryProviderResponse{Provider: p}, nil
}

func (q queryServer) Providers(ctx context.Context, req *types.QueryProvidersRequest) (*types.QueryProvidersResponse, error) {
	out, page, err := query.CollectionPaginate(ctx, q.k.Providers, req.GetPagination(),
		func(_ string, p types.Provider) (types.Provider, error) { return p, nil })
	if err != nil {
		return nil, err
	}
	return &types.QueryProvidersResponse{Providers: out, Pagination: page}, nil
}

func (q queryServer) Offering(ctx context.Context, req *types.QueryOfferingRequest) (*types.QueryOfferingResponse, error) {
	o, err := q.k.GetOffering(ctx, req.GetId())
	if err != nil {
		return nil, notFound(err)
	}
	return &types.QueryOfferingResponse{Offering: o}, nil
}

func (q queryServer) Offerings(ctx context.Context, req *types.QueryOfferingsRequest) (*types.QueryOfferingsResponse, error) {
	out, page, err := query.CollectionPaginate(ctx, q.k.Offerings, req.GetPagination(),
		func(_ uint64, o types.Offering) (types.Offering, error) { return o, nil })
	if err != nil {
		return nil, err
	}
	return &types.QueryOfferingsResponse{Offerings: out, Pagination: page}, nil
}

func (q queryServer) Order(ctx context.Context, req *types.QueryOrderRequest) (*types.QueryOrderResponse, error) {
	o, err := q.k.GetOrder(ctx, req.GetId())
	if err != nil {
		return nil, notFound(err)
	}
	return &types.QueryOrderResponse{Order: o}, nil
}

func (q queryServer) Orders(ctx context.Context, req *types.QueryOrdersRequest) (*types.QueryOrdersResponse, error) {
	out, page, err := query.CollectionPaginate(ctx, q.k.Orders, req.GetPagination(),
		func(_ uint64, o types.Order) (types.Order, error) { return o, nil })
	if err != nil {
		return nil, err
	}
	return &types.QueryOrdersResponse{Orders: out, Pagination: page}, nil
}

func (q queryServer) Bids(ctx context.Context, req *types.QueryBidsRequest) (*types.QueryBidsResponse, error) {
	bids, err := q.k.BidsOf(ctx, req.GetOrderId())
	return &types.QueryBidsResponse{Bids: bids}, err
}

func (q queryServer) Lease(ctx context.Context, req *types.QueryLeaseRequest) (*types.QueryLeaseResponse, error) {
	l, err := q.k.GetLease(ctx, req.GetOrderId())
	if err != nil {
		return nil, notFound(err)
	}
	return &types.QueryLeaseResponse{Lease: l}, nil
}

func (q queryServer) Usage(ctx context.Context, req *types.QueryUsageRequest) (*types.QueryUsageResponse, error) {
	recs, err := q.k.UsageOf(ctx, req.GetOrderId())
	return &types.QueryUsageResponse{Records: recs}, err
}
