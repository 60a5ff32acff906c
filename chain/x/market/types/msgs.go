package types

import (
	"net/url"
	"strings"

	errorsmod "cosmossdk.io/errors"
	sdk "github.com/cosmos/cosmos-sdk/types"

	escrowtypes "github.com/virtengine/virtengine/chain/x/escrow/types"
)

const (
	maxNameLen = 128
	maxKeyLen  = 512
	hashLen    = 32 // sha-256 of the encrypted blob
	maxPlans   = 32
	maxComps   = 32
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

func validateName(err error, field, s string, required bool) error {
	if s == "" {
		if required {
			return errorsmod.Wrapf(err, "%s is required", field)
		}
		return nil
	}
	if len(s) > maxNameLen || strings.TrimSpace(s) != s {
		return errorsmod.Wrapf(err, "%s must be at most %d characters without surrounding spaces", field, maxNameLen)
	}
	return nil
}

// validateBlob checks an encrypted-object reference: both or neither.
func validateBlob(err error, what string, hash []byte, key string, required bool) error {
	if len(hash) == 0 && key == "" && !required {
		return nil
	}
	if len(hash) != hashLen {
		return errorsmod.Wrapf(err, "%s hash must be %d bytes (sha-256), got %d", what, hashLen, len(hash))
	}
	if key == "" || len(key) > maxKeyLen {
		return errorsmod.Wrapf(err, "%s object key must be 1..%d characters", what, maxKeyLen)
	}
	return nil
}

// ValidateCoin: a well-formed coin, positive unless zero is allowed, and at
// most escrow's MaxAmount so that no price arithmetic can overflow.
func ValidateCoin(field string, c sdk.Coin, allowZero bool) error {
	if c.Amount.IsNil() {
		return errorsmod.Wrapf(ErrInvalidAmount, "%s is missing", field)
	}
	if err := c.Validate(); err != nil {
		return errorsmod.Wrapf(ErrInvalidAmount, "%s: %s", field, err)
	}
	if c.Amount.GT(escrowtypes.MaxAmount) {
		return errorsmod.Wrapf(ErrInvalidAmount, "%s %s exceeds the maximum of %s", field, c.Amount, escrowtypes.MaxAmount)
	}
	if c.IsNegative() || (!allowZero && c.IsZero()) {
		return errorsmod.Wrapf(ErrInvalidAmount, "%s must be positive, got %s", field, c)
	}
	return nil
}

func ValidatePlans(plans []Plan) error {
	if len(plans) == 0 || len(plans) > maxPlans {
		return errorsmod.Wrapf(ErrInvalidOffering, "an offering needs 1..%d plans", maxPlans)
	}
	seen := map[string]bool{}
	for _, p := range plans {
		if err := validateName(ErrInvalidOffering, "plan name", p.Name, true); err != nil {
			return err
		}
		if seen[p.Name] {
			return errorsmod.Wrapf(ErrInvalidOffering, "duplicate plan %q", p.Name)
		}
		seen[p.Name] = true
		if len(p.Components) == 0 || len(p.Components) > maxComps {
			return errorsmod.Wrapf(ErrInvalidOffering, "plan %q needs 1..%d components", p.Name, maxComps)
		}
		comps := map[string]bool{}
		for _, c := range p.Components {
			if err := validateName(ErrInvalidOffering, "component", c.Component, true); err != nil {
				return err
			}
			if comps[c.Component] {
				return errorsmod.Wrapf(ErrInvalidOffering, "plan %q: duplicate component %q", p.Name, c.Component)
			}
			comps[c.Component] = true
			if c.Billing != BILLING_TYPE_FIXED && c.Billing != BILLING_TYPE_USAGE {
				return errorsmod.Wrapf(ErrInvalidOffering, "plan %q component %q: billing must be fixed or usage", p.Name, c.Component)
			}
			if err := ValidateCoin("price of "+c.Component, c.Price, true); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *MsgUpsertProvider) ValidateBasic() error {
	if err := ValidateAddress("owner", m.Owner); err != nil {
		return err
	}
	if err := validateName(ErrInvalidProvider, "name", m.Name, true); err != nil {
		return err
	}
	if m.HostUri != "" {
		u, err := url.Parse(m.HostUri)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(m.HostUri) > maxKeyLen {
			return errorsmod.Wrapf(ErrInvalidProvider, "host_uri %q must be an http(s) URL", m.HostUri)
		}
	}
	if len(m.Attributes) > maxComps {
		return errorsmod.Wrapf(ErrInvalidProvider, "at most %d attributes", maxComps)
	}
	seen := map[string]bool{}
	for _, a := range m.Attributes {
		if err := validateName(ErrInvalidProvider, "attribute key", a.Key, true); err != nil {
			return err
		}
		if err := validateName(ErrInvalidProvider, "attribute value", a.Value, false); err != nil {
			return err
		}
		if seen[a.Key] {
			return errorsmod.Wrapf(ErrInvalidProvider, "duplicate attribute %q", a.Key)
		}
		seen[a.Key] = true
	}
	return validateBlob(ErrInvalidProvider, "info", m.InfoHash, m.InfoKey, false)
}

func (m *MsgCreateOffering) ValidateBasic() error {
	if err := ValidateAddress("provider", m.Provider); err != nil {
		return err
	}
	if err := validateName(ErrInvalidOffering, "category", m.Category, true); err != nil {
		return err
	}
	if err := validateName(ErrInvalidOffering, "offering_type", m.OfferingType, true); err != nil {
		return err
	}
	if m.RequiredIdentityScore > 100 {
		return errorsmod.Wrapf(ErrInvalidOffering, "required_identity_score must be 0..100, got %d", m.RequiredIdentityScore)
	}
	if err := validateBlob(ErrInvalidOffering, "description", m.DescriptionHash, m.DescriptionKey, false); err != nil {
		return err
	}
	return ValidatePlans(m.Plans)
}

func (m *MsgUpdateOffering) ValidateBasic() error {
	if err := ValidateAddress("provider", m.Provider); err != nil {
		return err
	}
	if m.Id == 0 {
		return errorsmod.Wrap(ErrOfferingNotFound, "offering id must be positive")
	}
	if m.State != OFFERING_STATE_UNSPECIFIED && OfferingState_name[int32(m.State)] == "" {
		return errorsmod.Wrapf(ErrInvalidOffering, "unknown state %d", m.State)
	}
	if len(m.Plans) > 0 {
		if err := ValidatePlans(m.Plans); err != nil {
			return err
		}
	}
	return validateBlob(ErrInvalidOffering, "description", m.DescriptionHash, m.DescriptionKey, false)
}

func (m *MsgCreateOrder) ValidateBasic() error {
	if err := ValidateAddress("customer", m.Customer); err != nil {
		return err
	}
	if err := ValidateCoin("deposit", m.Deposit, false); err != nil {
		return err
	}
	if m.OfferingId == 0 {
		if err := validateName(ErrInvalidOrder, "category (required for an open order)", m.Category, true); err != nil {
			return err
		}
		if err := ValidateCoin("max_price (required for an open order)", m.MaxPrice, false); err != nil {
			return err
		}
	} else if err := validateName(ErrInvalidOrder, "plan", m.Plan, true); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, l := range m.Limits {
		if err := validateName(ErrInvalidOrder, "limit component", l.Component, true); err != nil {
			return err
		}
		if seen[l.Component] {
			return errorsmod.Wrapf(ErrInvalidOrder, "duplicate limit for %q", l.Component)
		}
		seen[l.Component] = true
	}
	return validateBlob(ErrInvalidOrder, "details", m.DetailsHash, m.DetailsKey, false)
}

func orderRef(field, addr string, id uint64) error {
	if err := ValidateAddress(field, addr); err != nil {
		return err
	}
	if id == 0 {
		return errorsmod.Wrap(ErrOrderNotFound, "order id must be positive")
	}
	return nil
}

func (m *MsgCancelOrder) ValidateBasic() error  { return orderRef("customer", m.Customer, m.OrderId) }
func (m *MsgApproveOrder) ValidateBasic() error { return orderRef("provider", m.Provider, m.OrderId) }
func (m *MsgRejectOrder) ValidateBasic() error  { return orderRef("provider", m.Provider, m.OrderId) }
func (m *MsgCloseBid) ValidateBasic() error     { return orderRef("provider", m.Provider, m.OrderId) }
func (m *MsgCloseLease) ValidateBasic() error   { return orderRef("sender", m.Sender, m.OrderId) }

func (m *MsgSetOrderState) ValidateBasic() error {
	if err := orderRef("provider", m.Provider, m.OrderId); err != nil {
		return err
	}
	if m.State != ORDER_STATE_DONE && m.State != ORDER_STATE_ERRED {
		return errorsmod.Wrapf(ErrOrderState, "a provider may only set done or erred, not %s", m.State)
	}
	return nil
}

func (m *MsgCreateBid) ValidateBasic() error {
	if err := orderRef("provider", m.Provider, m.OrderId); err != nil {
		return err
	}
	if err := ValidateCoin("price", m.Price, false); err != nil {
		return err
	}
	return ValidateCoin("deposit", m.Deposit, false)
}

func (m *MsgCreateLease) ValidateBasic() error {
	if err := orderRef("customer", m.Customer, m.OrderId); err != nil {
		return err
	}
	return ValidateAddress("provider", m.Provider)
}

func (m *MsgPostUsage) ValidateBasic() error {
	if err := orderRef("provider", m.Provider, m.OrderId); err != nil {
		return err
	}
	if err := validateName(ErrInvalidUsage, "component", m.Component, true); err != nil {
		return err
	}
	if m.Amount == 0 {
		return errorsmod.Wrap(ErrInvalidUsage, "amount must be positive")
	}
	if m.PeriodStart <= 0 || m.PeriodEnd < m.PeriodStart {
		return errorsmod.Wrapf(ErrInvalidUsage, "period %d..%d is not a valid range of unix seconds", m.PeriodStart, m.PeriodEnd)
	}
	return nil
}

func (m *MsgUpdateParams) ValidateBasic() error {
	if err := ValidateAddress("authority", m.Authority); err != nil {
		return err
	}
	return m.Params.Validate()
}
