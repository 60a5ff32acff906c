// Package params holds the chain-wide constants (bech32 prefixes, token
// denominations) so that every package, test and the CLI agree on them.
package params

import (
	"sync"

	sdk "github.com/cosmos/cosmos-sdk/types"
)

const (
	// Bech32PrefixAccAddr is the human-readable part of account addresses (virtengine1...).
	Bech32PrefixAccAddr  = "virtengine"
	Bech32PrefixAccPub   = Bech32PrefixAccAddr + "pub"
	Bech32PrefixValAddr  = Bech32PrefixAccAddr + "valoper"
	Bech32PrefixValPub   = Bech32PrefixAccAddr + "valoperpub"
	Bech32PrefixConsAddr = Bech32PrefixAccAddr + "valcons"
	Bech32PrefixConsPub  = Bech32PrefixAccAddr + "valconspub"

	// BaseDenom is the on-chain unit (micro VE); DisplayDenom = 10^6 BaseDenom.
	BaseDenom      = "uve"
	DisplayDenom   = "VE"
	DenomExponent  = 6
	BondDenom      = BaseDenom
	ChainIDDefault = "virtengine-local"
)

// DenomRegex is the SDK default pattern with the minimum length lowered to 2.
const DenomRegex = `[a-zA-Z][a-zA-Z0-9/:._-]{1,127}`

var once sync.Once

// SetAddressConfig installs the ve prefixes and the uve bond denom into the
// SDK's process-wide config. It is idempotent because tests in several
// packages call it, and the SDK config panics if changed after Seal.
func SetAddressConfig() {
	once.Do(func() {
		cfg := sdk.GetConfig()
		cfg.SetBech32PrefixForAccount(Bech32PrefixAccAddr, Bech32PrefixAccPub)
		cfg.SetBech32PrefixForValidator(Bech32PrefixValAddr, Bech32PrefixValPub)
		cfg.SetBech32PrefixForConsensusNode(Bech32PrefixConsAddr, Bech32PrefixConsPub)
		// Default genesis of staking, gov, mint-free fee params etc. read this
		// variable when they are built, so uve ends up everywhere.
		sdk.DefaultBondDenom = BondDenom
		// The SDK's default denom pattern needs 3+ characters, which rejects
		// the display denom "VE" in bank metadata; allow 2+.
		sdk.SetCoinDenomRegex(func() string { return DenomRegex })
		cfg.Seal()
	})
}
