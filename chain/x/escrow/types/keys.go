package types

import "cosmossdk.io/collections"

const (
	ModuleName = "escrow"
	StoreKey   = ModuleName
)

var (
	ParamsKey       = collections.NewPrefix(0)
	AccountsKey     = collections.NewPrefix(1) // id -> Account
	PaymentsKey     = collections.NewPrefix(2) // (account id, payment id) -> Payment
	LiveAccountsKey = collections.NewPrefix(3) // ids of accounts not yet closed (EndBlocker sweep)
)
