package types

import (
	"bytes"

	errorsmod "cosmossdk.io/errors"
)

// MaxApprovedPipelines bounds the list so every attestation's lookup stays cheap.
const MaxApprovedPipelines = 16

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
	if len(p.ApprovedPipelines) > MaxApprovedPipelines {
		return errorsmod.Wrapf(ErrInvalidParams, "approved_pipelines: at most %d, got %d", MaxApprovedPipelines, len(p.ApprovedPipelines))
	}
	for i, a := range p.ApprovedPipelines {
		if a.Version == "" || len(a.Version) > 64 {
			return errorsmod.Wrapf(ErrInvalidParams, "approved_pipelines[%d].version must be 1..64 characters", i)
		}
		if len(a.Hash) != 32 {
			return errorsmod.Wrapf(ErrInvalidParams, "approved_pipelines[%d].hash must be 32 bytes, got %d", i, len(a.Hash))
		}
		for _, b := range p.ApprovedPipelines[:i] {
			if bytes.Equal(a.Hash, b.Hash) {
				return errorsmod.Wrapf(ErrInvalidParams, "approved_pipelines[%d].hash is listed twice", i)
			}
		}
	}
	return nil
}

// Approves reports whether attestations made with this pipeline hash count.
func (p Params) Approves(hash []byte) bool {
	for _, a := range p.ApprovedPipelines {
		if bytes.Equal(a.Hash, hash) {
			return true
		}
	}
	return false
}
