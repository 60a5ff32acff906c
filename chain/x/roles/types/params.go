package types

import (
	errorsmod "cosmossdk.io/errors"
)

const (
	DefaultMaxReasonLength   uint32 = 1024
	DefaultMaxEncryptionKeys uint32 = 16
	// Upper bounds keep a gov proposal from making state unbounded.
	maxMaxReasonLength   uint32 = 16 * 1024
	maxMaxEncryptionKeys uint32 = 256
)

func DefaultParams() Params {
	return Params{MaxReasonLength: DefaultMaxReasonLength, MaxEncryptionKeys: DefaultMaxEncryptionKeys}
}

func (p Params) Validate() error {
	if p.MaxReasonLength == 0 || p.MaxReasonLength > maxMaxReasonLength {
		return errorsmod.Wrapf(ErrInvalidParams, "max_reason_length must be in 1..%d, got %d", maxMaxReasonLength, p.MaxReasonLength)
	}
	if p.MaxEncryptionKeys == 0 || p.MaxEncryptionKeys > maxMaxEncryptionKeys {
		return errorsmod.Wrapf(ErrInvalidParams, "max_encryption_keys must be in 1..%d, got %d", maxMaxEncryptionKeys, p.MaxEncryptionKeys)
	}
	return nil
}
