package types

import "sort"

// WeightedMedian is the stake-weighted median score: the lowest score at
// which the attesters at or below it hold at least half the attesting power.
// Ties are broken by validator address so every node computes the same value.
func WeightedMedian(atts []Attestation) uint32 {
	if len(atts) == 0 {
		return 0
	}
	s := append([]Attestation(nil), atts...)
	sort.Slice(s, func(i, j int) bool {
		if s[i].Score != s[j].Score {
			return s[i].Score < s[j].Score
		}
		return s[i].Validator < s[j].Validator
	})
	var total int64
	for _, a := range s {
		total += a.Power
	}
	var cum int64
	for _, a := range s {
		cum += a.Power
		if 2*cum >= total {
			return a.Score
		}
	}
	return s[len(s)-1].Score
}

// Disputed reports whether some attestation lies outside the tolerance of the
// weighted median: the validators disagreed, whatever the quorum decided.
func Disputed(atts []Attestation, tolerance uint32) bool {
	m := WeightedMedian(atts)
	for _, a := range atts {
		d := int64(a.Score) - int64(m)
		if d < -int64(tolerance) || d > int64(tolerance) {
			return true
		}
	}
	return false
}

// Aggregate decides a round from its attestations. The attestations within
// tolerance of the weighted median "agree"; if their power is at least 2/3
// of totalPower (all bonded power, not just attesters) the round has a
// quorum and its score is the weighted median of the agreeing attestations.
// Integer arithmetic only: consensus code must not use floats.
func Aggregate(atts []Attestation, totalPower int64, tolerance uint32) (score uint32, agreeingPower int64, quorum bool) {
	if len(atts) == 0 || totalPower <= 0 {
		return 0, 0, false
	}
	m := WeightedMedian(atts)
	var agreeing []Attestation
	for _, a := range atts {
		d := int64(a.Score) - int64(m)
		if d < 0 {
			d = -d
		}
		if d <= int64(tolerance) {
			agreeing = append(agreeing, a)
			agreeingPower += a.Power
		}
	}
	return WeightedMedian(agreeing), agreeingPower, 3*agreeingPower >= 2*totalPower
}
