package types

import (
	"bytes"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"
	"golang.org/x/crypto/curve25519"
)

// X25519KeySize is the length of an X25519 public key (RFC 7748).
const X25519KeySize = 32

var (
	_ sdk.Msg = (*MsgNominateRole)(nil)
	_ sdk.Msg = (*MsgRevokeRole)(nil)
	_ sdk.Msg = (*MsgSetAccountState)(nil)
	_ sdk.Msg = (*MsgSubmitAppeal)(nil)
	_ sdk.Msg = (*MsgResolveAppeal)(nil)
	_ sdk.Msg = (*MsgRegisterEncryptionKey)(nil)
	_ sdk.Msg = (*MsgUpdateParams)(nil)

	_ sdk.HasValidateBasic = (*MsgNominateRole)(nil)
	_ sdk.HasValidateBasic = (*MsgRevokeRole)(nil)
	_ sdk.HasValidateBasic = (*MsgSetAccountState)(nil)
	_ sdk.HasValidateBasic = (*MsgSubmitAppeal)(nil)
	_ sdk.HasValidateBasic = (*MsgResolveAppeal)(nil)
	_ sdk.HasValidateBasic = (*MsgRegisterEncryptionKey)(nil)
	_ sdk.HasValidateBasic = (*MsgUpdateParams)(nil)
)

// ValidateAddress checks a bech32 account address against the chain prefix and
// names the offending field, so a client sees e.g.
// `invalid authority address "cosmos1...": invalid Bech32 prefix; expected virtengine, got cosmos`.
func ValidateAddress(field, addr string) error {
	if addr == "" {
		return errorsmod.Wrapf(ErrInvalidAddress, "%s address is empty", field)
	}
	if _, err := sdk.AccAddressFromBech32(addr); err != nil {
		return errorsmod.Wrapf(ErrInvalidAddress, "invalid %s address %q: %s", field, addr, err)
	}
	return nil
}

func validateRole(r Role) error {
	if !r.IsValid() {
		return errorsmod.Wrapf(ErrInvalidRole, "role %d (%s) is not assignable", int32(r), r.String())
	}
	return nil
}

// ValidateReasonText checks the static shape of free text; the length limit
// is a param and is checked statefully in the msg server.
func validateReasonText(field, s string, required bool) error {
	if required && len(bytes.TrimSpace([]byte(s))) == 0 {
		return errorsmod.Wrapf(ErrInvalidReason, "%s must not be empty", field)
	}
	if len(s) > int(maxMaxReasonLength) {
		return errorsmod.Wrapf(ErrInvalidReason, "%s is %d bytes, more than %d", field, len(s), maxMaxReasonLength)
	}
	return nil
}

// ValidateX25519PublicKey rejects keys of the wrong length and the small-order
// points: a shared secret with such a point is all zeros, which would let
// anyone read data "encrypted" to that key. curve25519.X25519 reports exactly
// that case as an error, so we use it rather than a hand-kept blacklist.
func ValidateX25519PublicKey(pub []byte) error {
	if len(pub) != X25519KeySize {
		return errorsmod.Wrapf(ErrInvalidKey, "public key must be %d bytes, got %d", X25519KeySize, len(pub))
	}
	probe := [32]byte{9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31}
	if _, err := curve25519.X25519(probe[:], pub); err != nil {
		return errorsmod.Wrapf(ErrInvalidKey, "public key is a low-order point: %s", err)
	}
	return nil
}

func (m *MsgNominateRole) ValidateBasic() error {
	if err := ValidateAddress("authority", m.Authority); err != nil {
		return err
	}
	if err := ValidateAddress("nominee", m.Address); err != nil {
		return err
	}
	if err := validateRole(m.Role); err != nil {
		return err
	}
	if m.Role == ROLE_GENESIS_ACCOUNT {
		return errorsmod.Wrap(ErrGenesisOnlyRole, "cannot nominate a GenesisAccount")
	}
	return nil
}

func (m *MsgRevokeRole) ValidateBasic() error {
	if err := ValidateAddress("authority", m.Authority); err != nil {
		return err
	}
	if err := ValidateAddress("address", m.Address); err != nil {
		return err
	}
	if err := validateRole(m.Role); err != nil {
		return err
	}
	if m.Role == ROLE_GENESIS_ACCOUNT {
		return errorsmod.Wrap(ErrGenesisOnlyRole, "cannot revoke a GenesisAccount")
	}
	return nil
}

func (m *MsgSetAccountState) ValidateBasic() error {
	if err := ValidateAddress("authority", m.Authority); err != nil {
		return err
	}
	if err := ValidateAddress("address", m.Address); err != nil {
		return err
	}
	if !m.State.IsValid() {
		return errorsmod.Wrapf(ErrInvalidAccountState, "state %d (%s) cannot be set", int32(m.State), m.State.String())
	}
	if m.Authority == m.Address {
		return errorsmod.Wrap(ErrUnauthorized, "an account cannot change its own state")
	}
	// Suspending or terminating someone must say why: the reason is what the
	// account appeals against.
	return validateReasonText("reason", m.Reason, m.State != ACCOUNT_STATE_ACTIVE)
}

func (m *MsgSubmitAppeal) ValidateBasic() error {
	if err := ValidateAddress("appellant", m.Appellant); err != nil {
		return err
	}
	return validateReasonText("reason", m.Reason, true)
}

func (m *MsgResolveAppeal) ValidateBasic() error {
	if err := ValidateAddress("moderator", m.Moderator); err != nil {
		return err
	}
	if m.AppealId == 0 {
		return errorsmod.Wrap(ErrAppealNotFound, "appeal id must be positive")
	}
	return validateReasonText("note", m.Note, false)
}

func (m *MsgRegisterEncryptionKey) ValidateBasic() error {
	if err := ValidateAddress("owner", m.Owner); err != nil {
		return err
	}
	if m.Version == 0 {
		return errorsmod.Wrap(ErrKeyVersion, "version must be at least 1")
	}
	return ValidateX25519PublicKey(m.PublicKey)
}

func (m *MsgUpdateParams) ValidateBasic() error {
	if err := ValidateAddress("authority", m.Authority); err != nil {
		return err
	}
	return m.Params.Validate()
}
