package types

import (
	"fmt"

	"cosmossdk.io/collections"
)

const (
	ModuleName = "market"
	StoreKey   = ModuleName
	// LeasePaymentID is the escrow payment id of an order's lease.
	LeasePaymentID = "lease"
)

var (
	ParamsKey      = collections.NewPrefix(0)
	OfferingsKey   = collections.NewPrefix(1)
	OfferingSeqKey = collections.NewPrefix(2)
	OrdersKey      = collections.NewPrefix(3)
	OrderSeqKey    = collections.NewPrefix(4)
	BidsKey        = collections.NewPrefix(5) // (order, provider) -> Bid
	LeasesKey      = collections.NewPrefix(6) // order -> Lease
	UsageKey       = collections.NewPrefix(7) // (order, seq) -> UsageRecord
	ProvidersKey   = collections.NewPrefix(8) // owner -> Provider
)

// OrderEscrowID is the escrow account that funds order id.
func OrderEscrowID(id uint64) string { return fmt.Sprintf("order/%d", id) }

// BidEscrowID holds a provider's bid deposit.
func BidEscrowID(order uint64, provider string) string {
	return fmt.Sprintf("bid/%d/%s", order, provider)
}
