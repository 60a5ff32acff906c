package types

import (
	"strings"
	"unicode"

	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"
	sdk "github.com/cosmos/cosmos-sdk/types"
)

var (
	_ sdk.HasValidateBasic = (*MsgDeposit)(nil)
	_ sdk.HasValidateBasic = (*MsgWithdraw)(nil)
	_ sdk.HasValidateBasic = (*MsgUpdateParams)(nil)
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

// ValidateID: ids are chosen by x/market ("order/42", "lease/42/1"); keep
// them short and printable so they are safe in events and CLI output.
func ValidateID(field, id string) error {
	if id == "" || len(id) > 128 {
		return errorsmod.Wrapf(ErrInvalidID, "%s must be 1..128 characters", field)
	}
	if strings.IndexFunc(id, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsPrint(r) || unicode.IsSpace(r) }) >= 0 {
		return errorsmod.Wrapf(ErrInvalidID, "%s %q has non-printable or space characters", field, id)
	}
	return nil
}

// MaxAmount bounds every amount escrow accepts (10^30 uve, far above any
// supply). It keeps rate × blocks and price × quantity far inside the 256-bit
// range of sdkmath.Int, whose overflow would panic inside the EndBlocker.
var MaxAmount = sdkmath.NewIntWithDecimal(1, 30)

// ValidatePositive rejects zero, negative, malformed and oversized coins.
func ValidatePositive(field string, c sdk.Coin) error {
	if err := ValidateNonNegative(field, c); err != nil {
		return err
	}
	if !c.IsPositive() {
		return errorsmod.Wrapf(ErrInvalidAmount, "%s must be positive, got %s", field, c)
	}
	return nil
}

// ValidateNonNegative is ValidatePositive allowing zero (payment rates).
func ValidateNonNegative(field string, c sdk.Coin) error {
	if c.Amount.IsNil() {
		return errorsmod.Wrapf(ErrInvalidAmount, "%s is missing", field)
	}
	if err := c.Validate(); err != nil {
		return errorsmod.Wrapf(ErrInvalidAmount, "%s: %s", field, err)
	}
	if c.Amount.GT(MaxAmount) {
		return errorsmod.Wrapf(ErrInvalidAmount, "%s %s exceeds the maximum of %s", field, c.Amount, MaxAmount)
	}
	return nil
}

func (m *MsgDeposit) ValidateBasic() error {
	if err := ValidateAddress("depositor", m.Depositor); err != nil {
		return err
	}
	if err := ValidateID("account_id", m.AccountId); err != nil {
		return err
	}
	return ValidatePositive("amount", m.Amount)
}

func (m *MsgWithdraw) ValidateBasic() error {
	if err := ValidateAddress("payee", m.Payee); err != nil {
		return err
	}
	if err := ValidateID("account_id", m.AccountId); err != nil {
		return err
	}
	return ValidateID("payment_id", m.PaymentId)
}

func (m *MsgUpdateParams) ValidateBasic() error {
	if err := ValidateAddress("authority", m.Authority); err != nil {
		return err
	}
	return m.Params.Validate()
}
