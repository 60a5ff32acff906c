package types

import (
	errorsmod "cosmossdk.io/errors"
)

func DefaultGenesis() *GenesisState { return &GenesisState{Params: DefaultParams()} }

func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	accs := map[string]bool{}
	for _, a := range gs.Accounts {
		if err := ValidateID("account id", a.Id); err != nil {
			return err
		}
		if accs[a.Id] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate account %s", a.Id)
		}
		accs[a.Id] = true
		if err := ValidateAddress("account owner", a.Owner); err != nil {
			return err
		}
		if a.State == ACCOUNT_STATE_UNSPECIFIED {
			return errorsmod.Wrapf(ErrInvalidGenesis, "account %s: state unspecified", a.Id)
		}
		if a.Balance.Denom != gs.Params.Denom || a.Balance.IsNegative() {
			return errorsmod.Wrapf(ErrInvalidGenesis, "account %s: balance %s", a.Id, a.Balance)
		}
	}
	pays := map[string]bool{}
	for _, p := range gs.Payments {
		if !accs[p.AccountId] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "payment %s/%s: unknown account", p.AccountId, p.PaymentId)
		}
		k := p.AccountId + "/" + p.PaymentId
		if pays[k] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate payment %s", k)
		}
		pays[k] = true
		if err := ValidateAddress("payee", p.Payee); err != nil {
			return err
		}
		if p.Balance.Denom != gs.Params.Denom || p.Balance.IsNegative() || p.Rate.Denom != gs.Params.Denom {
			return errorsmod.Wrapf(ErrInvalidGenesis, "payment %s: bad amounts", k)
		}
	}
	return nil
}
