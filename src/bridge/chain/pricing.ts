// Waldur prices (exact decimal strings in VE per plan unit, e.g. per month) to x/market's integer
// uve amounts, which are per block for fixed components and per posted unit for usage components.
// Integers only: every division rounds up, so the chain never charges less than the API shows.
import { formatDecimal, isDecimal } from "../../http/decimal.ts";

/** Block time the per-block rates assume (the localnet's timeout_commit). */
export const BLOCK_SECONDS = 1;
/** x/market's default order_min_deposit (1 VE); a chain with a higher one refuses the order, kept on its outbox row. */
export const ORDER_MIN_DEPOSIT_UVE = 1_000_000n;
/** Waldur usage has 2 decimals: it is posted on chain in hundredths of the component's measured unit. */
export const USAGE_SCALE = 100n;

const UVE_PER_VE = 1_000_000n;
const SCALE12 = 10n ** 12n;
const DAY = 86_400;
const UNIT_SECONDS: Record<string, number> = { hour: 3600, day: DAY, half_month: 15 * DAY, month: 30 * DAY, quarter: 90 * DAY, year: 365 * DAY };

export class PricingError extends Error {
  override name = "PricingError";
}

/** A non-negative decimal string scaled by 10^12 (exact). */
function scaled(dec: string, what: string): bigint {
  if (!isDecimal(dec) || dec.startsWith("-")) throw new PricingError(`${what} must be a non-negative decimal`);
  return BigInt(formatDecimal(dec, 12).replace(".", ""));
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** Blocks in one plan billing unit (unknown units count as a month). */
export function blocksPerUnit(unit: string): bigint {
  return BigInt(Math.ceil((UNIT_SECONDS[unit] ?? UNIT_SECONDS.month!) / BLOCK_SECONDS));
}

/** uve per block for `price` VE per plan unit (× `quantity`, e.g. a fixed component's quota). */
export function fixedRatePerBlock(price: string, unit: string, quantity = 1n): bigint {
  return ceilDiv(scaled(price, "price") * quantity * UVE_PER_VE, SCALE12 * blocksPerUnit(unit));
}

/** uve per hundredth of a usage unit for `price` VE per unit. */
export function usagePricePerStep(price: string): bigint {
  return ceilDiv(scaled(price, "price") * UVE_PER_VE, SCALE12 * USAGE_SCALE);
}

/** A usage amount (≤ 2 decimals) in hundredths; exact. */
export function usageSteps(amount: string): bigint {
  const s = scaled(amount, "usage");
  const step = SCALE12 / USAGE_SCALE;
  if (s % step !== 0n) throw new PricingError("usage has more than 2 decimals");
  return s / step;
}

/** The escrow deposit of a new order: one plan unit of its fixed rate, at least the chain's minimum. */
export function orderDeposit(ratePerBlock: bigint, unit: string): bigint {
  const period = ratePerBlock * blocksPerUnit(unit);
  return period > ORDER_MIN_DEPOSIT_UVE ? period : ORDER_MIN_DEPOSIT_UVE;
}
