package types

import errorsmod "cosmossdk.io/errors"

func DefaultParams() Params {
	return Params{AttestationWindow: 50, Tolerance: 10, MaxScopesPerAccount: 32}
}

func (p Params) Validate() error {
	if p.AttestationWindow == 0 || p.AttestationWindow > 100_000 {
		return errorsmod.Wrapf(ErrInvalidParams, "attestation_window must be 1..100000 blocks, got %d", p.AttestationWindow)
	}
	if p.Tolerance > MaxScore {
		return errorsmod.Wrapf(ErrInvalidParams, "tolerance must be 0..100, got %d", p.Tolerance)
	}
	if p.MaxScopesPerAccount == 0 || p.MaxScopesPerAccount > 1024 {
		return errorsmod.Wrapf(ErrInvalidParams, "max_scopes_per_account must be 1..1024, got %d", p.MaxScopesPerAccount)
	}
	return nil
}
