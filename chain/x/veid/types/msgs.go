package types

import (
	"strings"
	"unicode"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

func ValidateAddress(field, addr string) error {
	if addr == "" {
		return errorsmod.Wrapf(ErrInvalidAddress, "%s address is empty", field)
	}
	if _, err := sdk.AccAddressFromBech32(addr); err != nil {
		return errorsmod.Wrapf(ErrInvalidAddress, "invalid %s address %q: %s", field, addr, err)
	}
	return nil
}

func validateScopeID(id string) error {
	if id == "" || len(id) > 128 || strings.IndexFunc(id, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsPrint(r) || unicode.IsSpace(r) }) >= 0 {
		return errorsmod.Wrapf(ErrInvalidScope, "scope_id must be 1..128 printable ASCII characters without spaces, got %q", id)
	}
	return nil
}

func (m *MsgSubmitScope) ValidateBasic() error {
	if err := ValidateAddress("owner", m.Owner); err != nil {
		return err
	}
	if err := validateScopeID(m.ScopeId); err != nil {
		return err
	}
	if ScopeType_name[int32(m.ScopeType)] == "" || m.ScopeType == SCOPE_TYPE_UNSPECIFIED {
		return errorsmod.Wrapf(ErrInvalidScope, "scope_type %d is not a known scope type", m.ScopeType)
	}
	if m.ObjectKey == "" || len(m.ObjectKey) > 512 {
		return errorsmod.Wrap(ErrInvalidScope, "object_key must be 1..512 characters")
	}
	if len(m.ContentHash) != 32 {
		return errorsmod.Wrapf(ErrInvalidScope, "content_hash must be 32 bytes (sha-256), got %d", len(m.ContentHash))
	}
	if m.ExpiresAt <= 0 {
		return errorsmod.Wrap(ErrInvalidScope, "expires_at (unix seconds) is required")
	}
	if len(m.SealedTo) == 0 || len(m.SealedTo) > 64 {
		return errorsmod.Wrap(ErrInvalidScope, "sealed_to must name 1..64 validator keys")
	}
	seen := map[string]bool{}
	for _, s := range m.SealedTo {
		if _, err := sdk.ValAddressFromBech32(s.Validator); err != nil {
			return errorsmod.Wrapf(ErrInvalidAddress, "invalid sealed_to validator %q: %s", s.Validator, err)
		}
		if s.KeyVersion == 0 {
			return errorsmod.Wrap(ErrInvalidScope, "sealed_to key_version must be at least 1")
		}
		if seen[s.Validator] {
			return errorsmod.Wrapf(ErrInvalidScope, "validator %s listed twice", s.Validator)
		}
		seen[s.Validator] = true
	}
	return nil
}

func (m *MsgRevokeScope) ValidateBasic() error {
	if err := ValidateAddress("owner", m.Owner); err != nil {
		return err
	}
	return validateScopeID(m.ScopeId)
}

func (m *MsgRequestScore) ValidateBasic() error { return ValidateAddress("owner", m.Owner) }

func (m *MsgAttestScore) ValidateBasic() error {
	if err := ValidateAddress("operator", m.Operator); err != nil {
		return err
	}
	if m.RoundId == 0 {
		return errorsmod.Wrap(ErrRoundNotFound, "round_id must be positive")
	}
	if m.Score > MaxScore {
		return errorsmod.Wrapf(ErrInvalidScore, "got %d", m.Score)
	}
	if len(m.ModelHash) != 32 {
		return errorsmod.Wrapf(ErrUnapprovedPipeline, "model_hash must be the 32-byte pipeline hash, got %d bytes", len(m.ModelHash))
	}
	return nil
}

func (m *MsgUpdateParams) ValidateBasic() error {
	if err := ValidateAddress("authority", m.Authority); err != nil {
		return err
	}
	return m.Params.Validate()
}
