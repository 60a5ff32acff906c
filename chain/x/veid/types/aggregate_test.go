package types_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/virtengine/virtengine/chain/x/veid/types"
)

func att(v string, score uint32, power int64) types.Attestation {
	return types.Attestation{Validator: v, Score: score, Power: power}
}

func TestWeightedMedian(t *testing.T) {
	require.EqualValues(t, 0, types.WeightedMedian(nil))
	require.EqualValues(t, 70, types.WeightedMedian([]types.Attestation{att("a", 70, 1)}))
	// One heavy validator outweighs two light ones.
	require.EqualValues(t, 90, types.WeightedMedian([]types.Attestation{att("a", 10, 1), att("b", 20, 1), att("c", 90, 5)}))
	// Equal power, even count: the lower middle (deterministic).
	require.EqualValues(t, 40, types.WeightedMedian([]types.Attestation{att("a", 80, 1), att("b", 40, 1), att("c", 10, 1), att("d", 60, 1)}))
	// Input order does not matter.
	require.Equal(t,
		types.WeightedMedian([]types.Attestation{att("a", 5, 2), att("b", 50, 3), att("c", 95, 2)}),
		types.WeightedMedian([]types.Attestation{att("c", 95, 2), att("a", 5, 2), att("b", 50, 3)}))
}

func TestAggregateQuorum(t *testing.T) {
	// 4 validators of power 1: three agreeing attesters are a quorum (3 ≥ 2/3·4), two are not.
	two := []types.Attestation{att("a", 70, 1), att("b", 72, 1)}
	_, p, q := types.Aggregate(two, 4, 10)
	require.EqualValues(t, 2, p)
	require.False(t, q)
	three := append(two, att("c", 75, 1))
	s, p, q := types.Aggregate(three, 4, 10)
	require.True(t, q)
	require.EqualValues(t, 3, p)
	require.EqualValues(t, 72, s)
	// An outlier does not count towards agreement and does not move the score.
	withOutlier := []types.Attestation{att("a", 70, 1), att("b", 72, 1), att("x", 5, 1)}
	s, p, q = types.Aggregate(withOutlier, 4, 10)
	require.False(t, q)
	require.EqualValues(t, 2, p)
	withOutlier = append(withOutlier, att("c", 71, 1))
	s, _, q = types.Aggregate(withOutlier, 4, 10)
	require.True(t, q)
	require.EqualValues(t, 71, s)
	_, _, q = types.Aggregate(nil, 4, 10)
	require.False(t, q)
}
