package types

import "cosmossdk.io/collections"

const (
	ModuleName = "veid"
	StoreKey   = ModuleName
	MaxScore   = 100
)

var (
	ParamsKey        = collections.NewPrefix(0)
	ScopesKey        = collections.NewPrefix(1) // (owner, scope id) -> ScopeCommitment
	RoundsKey        = collections.NewPrefix(2) // id -> Round
	RoundSeqKey      = collections.NewPrefix(3)
	OpenRoundByAcct  = collections.NewPrefix(4) // account -> open round id
	RoundsByDeadline = collections.NewPrefix(5) // (deadline, id) for the EndBlocker
	ScoresKey        = collections.NewPrefix(6) // (account, round id) -> Score
)
