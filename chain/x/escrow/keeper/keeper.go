// Package keeper implements escrow: per-order accounts funded by customers
// and per-lease payments that stream a rate per block to providers. Money
// moves only between users and the escrow module account, and the invariant
// in invariants.go checks that none is created or lost.
package keeper

import (
	"context"
	"errors"
	"fmt"

	"cosmossdk.io/collections"
	"cosmossdk.io/core/address"
	corestore "cosmossdk.io/core/store"
	errorsmod "cosmossdk.io/errors"
	sdkmath "cosmossdk.io/math"
	"github.com/cosmos/cosmos-sdk/codec"
	sdk "github.com/cosmos/cosmos-sdk/types"

	"github.com/virtengine/virtengine/chain/x/escrow/types"
)

type Keeper struct {
	cdc          codec.BinaryCodec
	addressCodec address.Codec
	authority    string
	bank         types.BankKeeper
	hooks        types.Hooks

	Schema       collections.Schema
	Params       collections.Item[types.Params]
	Accounts     collections.Map[string, types.Account]
	Payments     collections.Map[collections.Pair[string, string], types.Payment]
	LiveAccounts collections.KeySet[string]
}

func NewKeeper(cdc codec.BinaryCodec, storeService corestore.KVStoreService, addressCodec address.Codec,
	bank types.BankKeeper, authority string,
) *Keeper {
	if _, err := addressCodec.StringToBytes(authority); err != nil {
		panic(fmt.Errorf("invalid escrow authority %q: %w", authority, err))
	}
	sb := collections.NewSchemaBuilder(storeService)
	k := &Keeper{
		cdc: cdc, addressCodec: addressCodec, authority: authority, bank: bank,
		Params:   collections.NewItem(sb, types.ParamsKey, "params", codec.CollValue[types.Params](cdc)),
		Accounts: collections.NewMap(sb, types.AccountsKey, "accounts", collections.StringKey, codec.CollValue[types.Account](cdc)),
		Payments: collections.NewMap(sb, types.PaymentsKey, "payments",
			collections.PairKeyCodec(collections.StringKey, collections.StringKey), codec.CollValue[types.Payment](cdc)),
		LiveAccounts: collections.NewKeySet(sb, types.LiveAccountsKey, "live_accounts", collections.StringKey),
	}
	schema, err := sb.Build()
	if err != nil {
		panic(err)
	}
	k.Schema = schema
	return k
}

// SetHooks is called by the app once x/market's keeper exists (tests may
// replace the hooks with recorders).
func (k *Keeper) SetHooks(h types.Hooks) { k.hooks = h }

func (k *Keeper) GetAuthority() string { return k.authority }

func (k *Keeper) addr(field, s string) (sdk.AccAddress, error) {
	bz, err := k.addressCodec.StringToBytes(s)
	if err != nil {
		return nil, errorsmod.Wrapf(types.ErrInvalidAddress, "invalid %s address %q: %s", field, s, err)
	}
	return bz, nil
}

func (k *Keeper) checkCoin(ctx context.Context, field string, c sdk.Coin) error {
	if err := types.ValidatePositive(field, c); err != nil {
		return err
	}
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	if c.Denom != p.Denom {
		return errorsmod.Wrapf(types.ErrWrongDenom, "%s must be in %s, got %s", field, p.Denom, c.Denom)
	}
	return nil
}

func (k *Keeper) GetAccount(ctx context.Context, id string) (types.Account, error) {
	a, err := k.Accounts.Get(ctx, id)
	if errors.Is(err, collections.ErrNotFound) {
		return a, errorsmod.Wrapf(types.ErrAccountNotFound, "%s", id)
	}
	return a, err
}

func (k *Keeper) PaymentsOf(ctx context.Context, id string) ([]types.Payment, error) {
	var out []types.Payment
	err := k.Payments.Walk(ctx, collections.NewPrefixedPairRange[string, string](id),
		func(_ collections.Pair[string, string], p types.Payment) (bool, error) {
			out = append(out, p)
			return false, nil
		})
	return out, err
}

// CreateAccount opens account id funded with deposit taken from owner.
func (k *Keeper) CreateAccount(ctx context.Context, id, owner string, deposit sdk.Coin) error {
	if err := types.ValidateID("account id", id); err != nil {
		return err
	}
	if err := k.checkCoin(ctx, "deposit", deposit); err != nil {
		return err
	}
	ownerAddr, err := k.addr("owner", owner)
	if err != nil {
		return err
	}
	if has, err := k.Accounts.Has(ctx, id); err != nil {
		return err
	} else if has {
		return errorsmod.Wrapf(types.ErrAccountExists, "%s", id)
	}
	if err := k.bank.SendCoinsFromAccountToModule(ctx, ownerAddr, types.ModuleName, sdk.NewCoins(deposit)); err != nil {
		return err
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	acc := types.Account{
		Id: id, Owner: owner, State: types.ACCOUNT_STATE_OPEN, Balance: deposit,
		Transferred: sdk.NewCoin(deposit.Denom, sdkmath.ZeroInt()), SettledAt: h,
	}
	if err := k.Accounts.Set(ctx, id, acc); err != nil {
		return err
	}
	if err := k.LiveAccounts.Set(ctx, id); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventAccountCreated{Id: id, Owner: owner, Deposit: deposit})
}

// CreatePayment starts streaming rate per block from account id to payee.
// The account is settled first so the new payment is charged from now on.
func (k *Keeper) CreatePayment(ctx context.Context, accountID, paymentID, payee string, rate sdk.Coin) error {
	if err := types.ValidateID("payment id", paymentID); err != nil {
		return err
	}
	// A zero rate is allowed: purely usage-billed leases are charged through
	// Charge only.
	if err := types.ValidateNonNegative("rate", rate); err != nil {
		return err
	}
	if p, err := k.Params.Get(ctx); err != nil {
		return err
	} else if rate.Denom != p.Denom {
		return errorsmod.Wrapf(types.ErrWrongDenom, "rate must be in %s, got %s", p.Denom, rate.Denom)
	}
	if _, err := k.addr("payee", payee); err != nil {
		return err
	}
	acc, err := k.Settle(ctx, accountID)
	if err != nil {
		return err
	}
	if acc.State != types.ACCOUNT_STATE_OPEN {
		return errorsmod.Wrapf(types.ErrAccountClosed, "%s is %s", accountID, acc.State)
	}
	key := collections.Join(accountID, paymentID)
	if has, err := k.Payments.Has(ctx, key); err != nil {
		return err
	} else if has {
		return errorsmod.Wrapf(types.ErrPaymentExists, "%s/%s", accountID, paymentID)
	}
	zero := sdk.NewCoin(rate.Denom, sdkmath.ZeroInt())
	if err := k.Payments.Set(ctx, key, types.Payment{
		AccountId: accountID, PaymentId: paymentID, Payee: payee, State: types.PAYMENT_STATE_OPEN,
		Rate: rate, Balance: zero, Withdrawn: zero, Owed: zero,
	}); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventPaymentCreated{
		AccountId: accountID, PaymentId: paymentID, Payee: payee, Rate: rate,
	})
}

// Settle charges every open payment rate × blocks since the last settlement.
// If the balance cannot cover it, what there is is shared in proportion to
// what each payment is due, the rest is recorded as owed, and the account
// and its payments become overdrawn (x/market is told through the hooks).
// Overdrawn accounts accrue nothing further: the service is considered stopped.
func (k *Keeper) Settle(ctx context.Context, id string) (types.Account, error) {
	acc, err := k.GetAccount(ctx, id)
	if err != nil {
		return acc, err
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	if acc.State != types.ACCOUNT_STATE_OPEN || h <= acc.SettledAt {
		return acc, nil
	}
	blocks := sdkmath.NewInt(h - acc.SettledAt)
	acc.SettledAt = h

	pays, err := k.PaymentsOf(ctx, id)
	if err != nil {
		return acc, err
	}
	var open []types.Payment
	dues := []sdkmath.Int{}
	total := sdkmath.ZeroInt()
	for _, p := range pays {
		if p.State != types.PAYMENT_STATE_OPEN {
			continue
		}
		due := p.Rate.Amount.Mul(blocks)
		open = append(open, p)
		dues = append(dues, due)
		total = total.Add(due)
	}
	if total.IsZero() {
		return acc, k.Accounts.Set(ctx, id, acc)
	}
	overdrawn := acc.Balance.Amount.LT(total)
	paidTotal := sdkmath.ZeroInt()
	for i, p := range open {
		paid := dues[i]
		if overdrawn {
			// Floor division: the sum never exceeds the balance; dust stays
			// in the account and is refunded when it closes.
			paid = acc.Balance.Amount.Mul(dues[i]).Quo(total)
			p.Owed = p.Owed.AddAmount(dues[i].Sub(paid))
			p.State = types.PAYMENT_STATE_OVERDRAWN
		}
		p.Balance = p.Balance.AddAmount(paid)
		paidTotal = paidTotal.Add(paid)
		if err := k.Payments.Set(ctx, collections.Join(p.AccountId, p.PaymentId), p); err != nil {
			return acc, err
		}
	}
	acc.Balance = acc.Balance.SubAmount(paidTotal)
	acc.Transferred = acc.Transferred.AddAmount(paidTotal)
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventSettled{AccountId: id, Height: h, Transferred: sdk.NewCoin(acc.Balance.Denom, paidTotal)}); err != nil {
		return acc, err
	}
	if overdrawn {
		acc.State = types.ACCOUNT_STATE_OVERDRAWN
		acc.OverdrawnAt = h
	}
	if err := k.Accounts.Set(ctx, id, acc); err != nil {
		return acc, err
	}
	if overdrawn {
		if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventAccountOverdrawn{Id: id, Height: h}); err != nil {
			return acc, err
		}
		if k.hooks != nil {
			if err := k.hooks.OnAccountOverdrawn(ctx, acc); err != nil {
				return acc, err
			}
		}
	}
	return acc, nil
}

// Deposit adds funds from depositor (anyone). On an overdrawn account the
// deposit pays what is owed first; once nothing is owed the account and its
// payments reopen and charging resumes from this block.
func (k *Keeper) Deposit(ctx context.Context, id, depositor string, amount sdk.Coin) error {
	if err := k.checkCoin(ctx, "amount", amount); err != nil {
		return err
	}
	from, err := k.addr("depositor", depositor)
	if err != nil {
		return err
	}
	acc, err := k.Settle(ctx, id)
	if err != nil {
		return err
	}
	if acc.State == types.ACCOUNT_STATE_CLOSED {
		return errorsmod.Wrapf(types.ErrAccountClosed, "%s", id)
	}
	if err := k.bank.SendCoinsFromAccountToModule(ctx, from, types.ModuleName, sdk.NewCoins(amount)); err != nil {
		return err
	}
	acc.Balance = acc.Balance.Add(amount)
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	restored := false
	if acc.State == types.ACCOUNT_STATE_OVERDRAWN {
		pays, err := k.PaymentsOf(ctx, id)
		if err != nil {
			return err
		}
		stillOwed := false
		for i := range pays {
			p := &pays[i] // updated in place: the reopen loop below stores these values
			if p.State != types.PAYMENT_STATE_OVERDRAWN {
				continue
			}
			pay := sdkmath.MinInt(p.Owed.Amount, acc.Balance.Amount)
			p.Owed = p.Owed.SubAmount(pay)
			p.Balance = p.Balance.AddAmount(pay)
			acc.Balance = acc.Balance.SubAmount(pay)
			acc.Transferred = acc.Transferred.AddAmount(pay)
			if p.Owed.IsPositive() {
				stillOwed = true
			}
			if err := k.Payments.Set(ctx, collections.Join(p.AccountId, p.PaymentId), *p); err != nil {
				return err
			}
		}
		if !stillOwed {
			for _, p := range pays {
				if p.State == types.PAYMENT_STATE_OVERDRAWN {
					p.State = types.PAYMENT_STATE_OPEN
					if err := k.Payments.Set(ctx, collections.Join(p.AccountId, p.PaymentId), p); err != nil {
						return err
					}
				}
			}
			acc.State, acc.OverdrawnAt, acc.SettledAt = types.ACCOUNT_STATE_OPEN, 0, sdkCtx.BlockHeight()
			restored = true
		}
	}
	if err := k.Accounts.Set(ctx, id, acc); err != nil {
		return err
	}
	if err := sdkCtx.EventManager().EmitTypedEvent(&types.EventDeposit{Id: id, Depositor: depositor, Amount: amount}); err != nil {
		return err
	}
	if restored && k.hooks != nil {
		return k.hooks.OnAccountRestored(ctx, acc)
	}
	return nil
}

// Withdraw settles and pays the payee everything the payment has earned.
func (k *Keeper) Withdraw(ctx context.Context, accountID, paymentID, payee string) (sdk.Coin, error) {
	if _, err := k.Settle(ctx, accountID); err != nil {
		return sdk.Coin{}, err
	}
	p, err := k.getPayment(ctx, accountID, paymentID)
	if err != nil {
		return sdk.Coin{}, err
	}
	if p.Payee != payee {
		return sdk.Coin{}, errorsmod.Wrapf(types.ErrUnauthorized, "payment %s/%s pays %s, not %s", accountID, paymentID, p.Payee, payee)
	}
	return k.payout(ctx, &p)
}

func (k *Keeper) getPayment(ctx context.Context, accountID, paymentID string) (types.Payment, error) {
	p, err := k.Payments.Get(ctx, collections.Join(accountID, paymentID))
	if errors.Is(err, collections.ErrNotFound) {
		return p, errorsmod.Wrapf(types.ErrPaymentNotFound, "%s/%s", accountID, paymentID)
	}
	return p, err
}

// payout sends p.Balance to the payee and stores p.
func (k *Keeper) payout(ctx context.Context, p *types.Payment) (sdk.Coin, error) {
	amt := p.Balance
	if amt.IsPositive() {
		to, err := k.addr("payee", p.Payee)
		if err != nil {
			return amt, err
		}
		if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, to, sdk.NewCoins(amt)); err != nil {
			return amt, err
		}
		p.Withdrawn = p.Withdrawn.Add(amt)
		p.Balance = sdk.NewCoin(amt.Denom, sdkmath.ZeroInt())
		if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventWithdraw{
			AccountId: p.AccountId, PaymentId: p.PaymentId, Payee: p.Payee, Amount: amt,
		}); err != nil {
			return amt, err
		}
	}
	return amt, k.Payments.Set(ctx, collections.Join(p.AccountId, p.PaymentId), *p)
}

// ClosePayment settles, pays out and stops a payment (lease closed).
func (k *Keeper) ClosePayment(ctx context.Context, accountID, paymentID string) error {
	if _, err := k.Settle(ctx, accountID); err != nil {
		return err
	}
	p, err := k.getPayment(ctx, accountID, paymentID)
	if err != nil {
		return err
	}
	if p.State == types.PAYMENT_STATE_CLOSED {
		return errorsmod.Wrapf(types.ErrPaymentClosed, "%s/%s", accountID, paymentID)
	}
	// Unpaid debt is dropped with the payment: the account had no funds.
	p.State = types.PAYMENT_STATE_CLOSED
	p.Owed = sdk.NewCoin(p.Owed.Denom, sdkmath.ZeroInt())
	if _, err := k.payout(ctx, &p); err != nil {
		return err
	}
	return sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventPaymentClosed{AccountId: accountID, PaymentId: paymentID})
}

// CloseAccount settles, pays out every payment and refunds the rest to the
// owner (order cancelled, lease closed).
func (k *Keeper) CloseAccount(ctx context.Context, id string) (sdk.Coin, error) {
	acc, err := k.Settle(ctx, id)
	if err != nil {
		return sdk.Coin{}, err
	}
	if acc.State == types.ACCOUNT_STATE_CLOSED {
		return sdk.Coin{}, errorsmod.Wrapf(types.ErrAccountClosed, "%s", id)
	}
	pays, err := k.PaymentsOf(ctx, id)
	if err != nil {
		return sdk.Coin{}, err
	}
	for _, p := range pays {
		if p.State == types.PAYMENT_STATE_CLOSED {
			continue
		}
		p.State = types.PAYMENT_STATE_CLOSED
		p.Owed = sdk.NewCoin(p.Owed.Denom, sdkmath.ZeroInt())
		if _, err := k.payout(ctx, &p); err != nil {
			return sdk.Coin{}, err
		}
		if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventPaymentClosed{AccountId: id, PaymentId: p.PaymentId}); err != nil {
			return sdk.Coin{}, err
		}
	}
	refund := acc.Balance
	if refund.IsPositive() {
		owner, err := k.addr("owner", acc.Owner)
		if err != nil {
			return refund, err
		}
		if err := k.bank.SendCoinsFromModuleToAccount(ctx, types.ModuleName, owner, sdk.NewCoins(refund)); err != nil {
			return refund, err
		}
	}
	wasOverdrawn := acc.State == types.ACCOUNT_STATE_OVERDRAWN
	acc.Balance = sdk.NewCoin(refund.Denom, sdkmath.ZeroInt())
	acc.State = types.ACCOUNT_STATE_CLOSED
	if err := k.Accounts.Set(ctx, id, acc); err != nil {
		return refund, err
	}
	if err := k.LiveAccounts.Remove(ctx, id); err != nil {
		return refund, err
	}
	return refund, sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventAccountClosed{Id: id, Refund: refund, Overdrawn: wasOverdrawn})
}

// EndBlocker: every settle_interval blocks settle all live accounts, and
// close overdrawn ones whose grace period is over.
func (k *Keeper) EndBlocker(ctx context.Context) error {
	p, err := k.Params.Get(ctx)
	if err != nil {
		return err
	}
	h := sdk.UnwrapSDKContext(ctx).BlockHeight()
	if h <= 0 || uint64(h)%p.SettleInterval != 0 {
		return nil
	}
	var ids []string
	if err := k.LiveAccounts.Walk(ctx, nil, func(id string) (bool, error) {
		ids = append(ids, id)
		return false, nil
	}); err != nil {
		return err
	}
	sdkCtx := sdk.UnwrapSDKContext(ctx)
	for _, id := range ids {
		// Each account in its own cache: a failure in one (or in a market
		// hook) is logged and rolled back instead of halting the chain.
		cacheCtx, write := sdkCtx.CacheContext()
		if err := k.sweepAccount(cacheCtx, id, h, p); err != nil {
			sdkCtx.Logger().Error("escrow sweep failed; account skipped", "module", "x/"+types.ModuleName, "account", id, "err", err)
			continue
		}
		write()
	}
	return nil
}

func (k *Keeper) sweepAccount(ctx context.Context, id string, h int64, p types.Params) error {
	acc, err := k.Settle(ctx, id)
	if err != nil {
		return err
	}
	if acc.State != types.ACCOUNT_STATE_OVERDRAWN || uint64(h-acc.OverdrawnAt) < p.OverdraftGraceBlocks {
		return nil
	}
	if _, err := k.CloseAccount(ctx, id); err != nil {
		return err
	}
	if k.hooks == nil {
		return nil
	}
	closed, err := k.GetAccount(ctx, id)
	if err != nil {
		return err
	}
	return k.hooks.OnAccountClosedOverdrawn(ctx, closed)
}

// Charge moves amount from the account to one payment at once (usage-billed
// components). If the account cannot cover it, it pays what it has, the rest
// is owed and the account becomes overdrawn, exactly as in Settle.
func (k *Keeper) Charge(ctx context.Context, accountID, paymentID string, amount sdk.Coin) error {
	if err := k.checkCoin(ctx, "charge", amount); err != nil {
		return err
	}
	acc, err := k.Settle(ctx, accountID)
	if err != nil {
		return err
	}
	if acc.State == types.ACCOUNT_STATE_CLOSED {
		return errorsmod.Wrapf(types.ErrAccountClosed, "%s", accountID)
	}
	p, err := k.getPayment(ctx, accountID, paymentID)
	if err != nil {
		return err
	}
	if p.State == types.PAYMENT_STATE_CLOSED {
		return errorsmod.Wrapf(types.ErrPaymentClosed, "%s/%s", accountID, paymentID)
	}
	paid := sdkmath.MinInt(amount.Amount, acc.Balance.Amount)
	p.Balance = p.Balance.AddAmount(paid)
	acc.Balance = acc.Balance.SubAmount(paid)
	acc.Transferred = acc.Transferred.AddAmount(paid)
	short := amount.Amount.Sub(paid)
	becameOverdrawn := false
	if short.IsPositive() {
		p.Owed = p.Owed.AddAmount(short)
		p.State = types.PAYMENT_STATE_OVERDRAWN
		if acc.State == types.ACCOUNT_STATE_OPEN {
			acc.State = types.ACCOUNT_STATE_OVERDRAWN
			acc.OverdrawnAt = sdk.UnwrapSDKContext(ctx).BlockHeight()
			becameOverdrawn = true
		}
	}
	if err := k.Payments.Set(ctx, collections.Join(accountID, paymentID), p); err != nil {
		return err
	}
	if err := k.Accounts.Set(ctx, accountID, acc); err != nil {
		return err
	}
	if becameOverdrawn {
		if err := sdk.UnwrapSDKContext(ctx).EventManager().EmitTypedEvent(&types.EventAccountOverdrawn{Id: accountID, Height: acc.OverdrawnAt}); err != nil {
			return err
		}
		if k.hooks != nil {
			return k.hooks.OnAccountOverdrawn(ctx, acc)
		}
	}
	return nil
}
