package types

import (
	"fmt"
	"strings"
)

// Rank values. Higher may act on lower. ServiceProvider, Customer and Staker
// are peers: none of them may nominate anyone, so their mutual order does not
// matter, only that they rank below staff roles.
const (
	RankNone         = 0
	RankMember       = 20 // ServiceProvider, Customer, Staker
	RankSupport      = 40
	RankModerator    = 60
	RankAdmin        = 80
	RankGenesis      = 100
	MinRankNominate  = RankAdmin     // GenesisAccount and Administrator nominate / revoke
	MinRankModerate  = RankModerator // suspend, reactivate, resolve appeals
	MinRankTerminate = RankAdmin     // termination is final, so it needs an administrator
)

// RoleRank returns the privilege rank of a role (0 for unknown roles).
func RoleRank(r Role) int {
	switch r {
	case ROLE_GENESIS_ACCOUNT:
		return RankGenesis
	case ROLE_ADMINISTRATOR:
		return RankAdmin
	case ROLE_MODERATOR:
		return RankModerator
	case ROLE_SUPPORT_AGENT:
		return RankSupport
	case ROLE_SERVICE_PROVIDER, ROLE_CUSTOMER, ROLE_STAKER:
		return RankMember
	default:
		return RankNone
	}
}

// IsValid reports whether r is a real role (not UNSPECIFIED, not out of range).
func (r Role) IsValid() bool { return RoleRank(r) > RankNone }

// HighestRank is the rank of the strongest role in roles.
func HighestRank(roles []Role) int {
	best := RankNone
	for _, r := range roles {
		if rk := RoleRank(r); rk > best {
			best = rk
		}
	}
	return best
}

// ParseRole accepts the enum name (ROLE_ADMINISTRATOR) or a friendly form
// (administrator, Administrator, genesis-account, service_provider).
func ParseRole(s string) (Role, error) {
	if v, ok := Role_value[s]; ok && Role(v).IsValid() {
		return Role(v), nil
	}
	norm := strings.ToUpper(strings.NewReplacer("-", "_", " ", "_").Replace(s))
	switch norm {
	case "GENESISACCOUNT":
		norm = "GENESIS_ACCOUNT"
	case "SERVICEPROVIDER":
		norm = "SERVICE_PROVIDER"
	case "SUPPORTAGENT":
		norm = "SUPPORT_AGENT"
	}
	if v, ok := Role_value["ROLE_"+norm]; ok && Role(v).IsValid() {
		return Role(v), nil
	}
	return ROLE_UNSPECIFIED, fmt.Errorf("unknown role %q", s)
}

// IsValid reports whether s is a settable account state.
func (s AccountState) IsValid() bool {
	return s == ACCOUNT_STATE_ACTIVE || s == ACCOUNT_STATE_SUSPENDED || s == ACCOUNT_STATE_TERMINATED
}
