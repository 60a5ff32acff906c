package types

import (
	"fmt"

	errorsmod "cosmossdk.io/errors"
)

func DefaultGenesis() *GenesisState { return &GenesisState{Params: DefaultParams(), NextRoundId: 1} }

func (gs GenesisState) Validate() error {
	if err := gs.Params.Validate(); err != nil {
		return err
	}
	if gs.NextRoundId == 0 {
		return errorsmod.Wrap(ErrInvalidGenesis, "next_round_id starts at 1")
	}
	seen := map[string]bool{}
	for _, s := range gs.Scopes {
		msg := MsgSubmitScope{Owner: s.Owner, ScopeId: s.ScopeId, ScopeType: s.ScopeType, ObjectKey: s.ObjectKey,
			ContentHash: s.ContentHash, SealedTo: s.SealedTo, ExpiresAt: s.ExpiresAt}
		if err := msg.ValidateBasic(); err != nil {
			return errorsmod.Wrapf(err, "scope %s/%s", s.Owner, s.ScopeId)
		}
		k := s.Owner + "/" + s.ScopeId
		if seen[k] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "duplicate scope %s", k)
		}
		seen[k] = true
	}
	open := map[string]bool{}
	rounds := map[uint64]bool{}
	for _, r := range gs.Rounds {
		if r.Id == 0 || r.Id >= gs.NextRoundId || rounds[r.Id] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "round id %d duplicate or not below next_round_id", r.Id)
		}
		rounds[r.Id] = true
		if err := ValidateAddress("round account", r.Account); err != nil {
			return err
		}
		if r.State == ROUND_STATE_OPEN {
			if open[r.Account] {
				return errorsmod.Wrapf(ErrInvalidGenesis, "two open rounds for %s", r.Account)
			}
			open[r.Account] = true
		}
	}
	for _, s := range gs.Scores {
		if !rounds[s.RoundId] {
			return errorsmod.Wrapf(ErrInvalidGenesis, "score for unknown round %d", s.RoundId)
		}
		if s.Score > MaxScore {
			return errorsmod.Wrap(ErrInvalidGenesis, fmt.Sprintf("score %d > 100", s.Score))
		}
	}
	return nil
}
