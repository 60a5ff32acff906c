package types

import (
	"fmt"

	errorsmod "cosmossdk.io/errors"
)

func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextAppealId: 1}
}

// Validate checks everything that InitGenesis would otherwise panic on, so
// `virtengined genesis validate` reports a readable error instead.
func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	seenRole := map[string]bool{}
	for i, ra := range gs.RoleAssignments {
		if err := ValidateAddress(fmt.Sprintf("role_assignments[%d]", i), ra.Address); err != nil {
			return err
		}
		if !ra.Role.IsValid() {
			return errorsmod.Wrapf(ErrInvalidGenesis, "role_assignments[%d]: invalid role %s", i, ra.Role)
		}
		if ra.GrantedBy != "" {
			if err := ValidateAddress(fmt.Sprintf("role_assignments[%d].granted_by", i), ra.GrantedBy); err != nil {
				return err
			}
		}
		k := fmt.Sprintf("%s/%d", ra.Address, ra.Role)
		if seenRole[k] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate role %s for %s", ra.Role, ra.Address)
		}
		seenRole[k] = true
	}
	seenStatus := map[string]bool{}
	for i, st := range gs.AccountStatuses {
		if err := ValidateAddress(fmt.Sprintf("account_statuses[%d]", i), st.Address); err != nil {
			return err
		}
		if !st.State.IsValid() {
			return errorsmod.Wrapf(ErrInvalidGenesis, "account_statuses[%d]: invalid state %s", i, st.State)
		}
		if seenStatus[st.Address] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate account status for %s", st.Address)
		}
		seenStatus[st.Address] = true
	}
	seenKey := map[string]bool{}
	perOwner := map[string]uint32{}
	for i, k := range gs.EncryptionKeys {
		if err := ValidateAddress(fmt.Sprintf("encryption_keys[%d]", i), k.Owner); err != nil {
			return err
		}
		if k.Version == 0 {
			return errorsmod.Wrapf(ErrInvalidGenesis, "encryption_keys[%d]: version must be at least 1", i)
		}
		if err := ValidateX25519PublicKey(k.PublicKey); err != nil {
			return errorsmod.Wrapf(err, "encryption_keys[%d]", i)
		}
		id := fmt.Sprintf("%s/%d", k.Owner, k.Version)
		if seenKey[id] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate encryption key %s version %d", k.Owner, k.Version)
		}
		seenKey[id] = true
		perOwner[k.Owner]++
		if perOwner[k.Owner] > gs.Params.MaxEncryptionKeys {
			return errorsmod.Wrapf(ErrInvalidGenesis, "%s has more than max_encryption_keys keys", k.Owner)
		}
	}
	pending := map[string]bool{}
	seenAppeal := map[uint64]bool{}
	for i, a := range gs.Appeals {
		if a.Id == 0 || a.Id >= gs.NextAppealId {
			return errorsmod.Wrapf(ErrInvalidGenesis, "appeals[%d]: id %d must be in 1..next_appeal_id-1 (%d)", i, a.Id, gs.NextAppealId)
		}
		if seenAppeal[a.Id] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate appeal id %d", a.Id)
		}
		seenAppeal[a.Id] = true
		if err := ValidateAddress(fmt.Sprintf("appeals[%d].appellant", i), a.Appellant); err != nil {
			return err
		}
		if a.Status == APPEAL_STATUS_UNSPECIFIED {
			return errorsmod.Wrapf(ErrInvalidGenesis, "appeals[%d]: status unspecified", i)
		}
		if a.Status == APPEAL_STATUS_PENDING {
			if pending[a.Appellant] {
				return errorsmod.Wrapf(ErrInvalidGenesis, "%s has two pending appeals", a.Appellant)
			}
			pending[a.Appellant] = true
		}
	}
	if gs.NextAppealId == 0 {
		return errorsmod.Wrap(ErrInvalidGenesis, "next_appeal_id must be at least 1")
	}
	return nil
}
