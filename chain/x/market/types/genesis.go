package types

import errorsmod "cosmossdk.io/errors"

func DefaultGenesis() *GenesisState {
	return &GenesisState{Params: DefaultParams(), NextOfferingId: 1, NextOrderId: 1}
}

func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	if gs.NextOfferingId == 0 || gs.NextOrderId == 0 {
		return errorsmod.Wrap(ErrInvalidGenesis, "next ids start at 1")
	}
	provs := map[string]bool{}
	for _, p := range gs.Providers {
		msg := MsgUpsertProvider{Owner: p.Owner, Name: p.Name, HostUri: p.HostUri, Attributes: p.Attributes, InfoHash: p.InfoHash, InfoKey: p.InfoKey}
		if err := msg.ValidateBasic(); err != nil {
			return errorsmod.Wrapf(err, "provider %s", p.Owner)
		}
		if provs[p.Owner] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate provider %s", p.Owner)
		}
		provs[p.Owner] = true
	}
	offs := map[uint64]bool{}
	for _, o := range gs.Offerings {
		if o.Id == 0 || o.Id >= gs.NextOfferingId || offs[o.Id] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "offering id %d duplicate or not below next_offering_id", o.Id)
		}
		offs[o.Id] = true
		if err := ValidateAddress("offering provider", o.Provider); err != nil {
			return err
		}
		if err := ValidatePlans(o.Plans); err != nil {
			return err
		}
	}
	orders := map[uint64]bool{}
	for _, o := range gs.Orders {
		if o.Id == 0 || o.Id >= gs.NextOrderId || orders[o.Id] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "order id %d duplicate or not below next_order_id", o.Id)
		}
		orders[o.Id] = true
		if o.OfferingId != 0 && !offs[o.OfferingId] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "order %d: unknown offering %d", o.Id, o.OfferingId)
		}
		if err := ValidateAddress("order customer", o.Customer); err != nil {
			return err
		}
	}
	for _, b := range gs.Bids {
		if !orders[b.OrderId] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "bid on unknown order %d", b.OrderId)
		}
	}
	for _, l := range gs.Leases {
		if !orders[l.OrderId] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "lease for unknown order %d", l.OrderId)
		}
	}
	for _, u := range gs.Usage {
		if !orders[u.OrderId] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "usage for unknown order %d", u.OrderId)
		}
	}
	return nil
}
