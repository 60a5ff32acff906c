package keeper

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/virtengine/virtengine/chain/x/veid/types"
)

type queryServer struct{ k Keeper }

func NewQueryServerImpl(k Keeper) types.QueryServer { return queryServer{k: k} }

func (q queryServer) Params(ctx context.Context, _ *types.QueryParamsRequest) (*types.QueryParamsResponse, error) {
	p, err := q.k.Params.Get(ctx)
	return &types.QueryParamsResponse{Params: p}, err
}

func (q queryServer) Score(ctx context.Context, req *types.QueryScoreRequest) (*types.QueryScoreResponse, error) {
	a, err := q.k.addr("account", req.GetAccount())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	s, found, err := q.k.LatestScore(ctx, a)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, status.Error(codes.NotFound, types.ErrNoScore.Wrapf("%s", req.Account).Error())
	}
	return &types.QueryScoreResponse{Score: s}, nil
}

func (q queryServer) ScoreHistory(ctx context.Context, req *types.QueryScoreHistoryRequest) (*types.QueryScoreHistoryResponse, error) {
	a, err := q.k.addr("account", req.GetAccount())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	s, err := q.k.ScoreHistory(ctx, a)
	return &types.QueryScoreHistoryResponse{Scores: s}, err
}

func (q queryServer) Scopes(ctx context.Context, req *types.QueryScopesRequest) (*types.QueryScopesResponse, error) {
	a, err := q.k.addr("account", req.GetAccount())
	if err != nil {
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}
	s, err := q.k.ScopesOf(ctx, a)
	return &types.QueryScopesResponse{Scopes: s}, err
}

func (q queryServer) Round(ctx context.Context, req *types.QueryRoundRequest) (*types.QueryRoundResponse, error) {
	r, err := q.k.GetRound(ctx, req.GetId())
	if err != nil {
		return nil, status.Error(codes.NotFound, err.Error())
	}
	return &types.QueryRoundResponse{Round: r}, nil
}
