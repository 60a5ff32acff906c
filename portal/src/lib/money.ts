// Price estimates from a plan: exact decimals (the API's own helper for + and ×, BigInt for the
// period ratio), never floats. A plan's prices are per billing unit; the portal shows them per
// hour, day, 30 days and 365 days, as Waldur does.
import { addDecimal, formatDecimal, mulDecimal } from "../../../src/http/decimal.ts";
import type { Component, Plan } from "../api/models.ts";

const UNIT_HOURS: Record<string, bigint> = {
  hour: 1n,
  day: 24n,
  week: 168n,
  half_month: 360n,
  month: 720n,
  quarter: 2160n,
  year: 8760n,
};

export const PERIODS = [
  { key: "hour", hours: 1n },
  { key: "day", hours: 24n },
  { key: "month", hours: 720n },
  { key: "year", hours: 8760n },
] as const;
export type PeriodKey = (typeof PERIODS)[number]["key"];

const PLACES = 12;

/** amount × num / den, rounded half up to `places`. */
export function scaleDecimal(amount: string, num: bigint, den: bigint, places = 2): string {
  const scaled = BigInt(mulDecimal(amount, num, PLACES).replace(".", ""));
  const unit = 10n ** BigInt(PLACES - places);
  const q = scaled / den;
  const rounded = (q >= 0n ? q + unit / 2n : q - unit / 2n) / unit;
  const neg = rounded < 0n;
  const digits = (neg ? -rounded : rounded).toString().padStart(places + 1, "0");
  const out = places > 0 ? `${digits.slice(0, -places)}.${digits.slice(-places)}` : digits;
  return neg ? `-${out}` : out;
}

/** Components whose quantity the customer chooses when ordering. */
export const limitComponents = (components: Component[]) =>
  components.filter((c) => c.billing_type === "limit");

/**
 * The recurring price of `plan` per its own unit for the chosen limits: unit price, plus fixed
 * components at their plan amount, plus limit components × quantity. Usage-based components are
 * billed from reported usage and are not part of an estimate.
 */
export function pricePerUnit(plan: Plan, components: Component[], limits: Record<string, number>): string {
  let total = formatDecimal(plan.unit_price || "0", PLACES);
  for (const pc of plan.components) {
    const kind = components.find((c) => c.type === pc.type)?.billing_type;
    if (kind === "fixed")
      total = addDecimal(total, mulDecimal(pc.price, BigInt(Math.max(1, pc.amount)), PLACES), PLACES);
    if (kind === "limit")
      total = addDecimal(total, mulDecimal(pc.price, BigInt(limits[pc.type] ?? 0), PLACES), PLACES);
  }
  return total;
}

/** The same price over each display period; null when the plan is billed per quantity, not time. */
export function pricePerPeriods(
  unitPrice: string,
  unit: string,
  places = 2,
): Record<PeriodKey, string> | null {
  const unitHours = UNIT_HOURS[unit];
  if (!unitHours) return null;
  return Object.fromEntries(
    PERIODS.map((p) => [p.key, scaleDecimal(unitPrice, p.hours, unitHours, places)]),
  ) as Record<PeriodKey, string>;
}

/** Drops trailing zeros beyond `min` places: unit prices keep their small digits, totals read as money. */
export function trimPlaces(s: string, min = 2): string {
  const dot = s.indexOf(".");
  if (dot < 0) return s;
  let end = s.length;
  while (end > dot + 1 + min && s[end - 1] === "0") end--;
  return s.slice(0, end);
}

export const hasUsageComponents = (components: Component[]) =>
  components.some((c) => c.billing_type === "usage");

/** Plain rendering for display: thousands kept as typed, two places. */
export const money = (s: string) => `${formatDecimal(s, 2)} VE`;
/** A unit price: two places, or up to four when the small digits matter. */
export const unitMoney = (s: string) => `${trimPlaces(formatDecimal(s, 4))} VE`;

/** Integer uve as VE, exactly: thousands grouped, the fraction without trailing zeros. */
export function uveToVe(uve: string | bigint): string {
  const v = BigInt(uve);
  const abs = v < 0n ? -v : v;
  const whole = (abs / 1_000_000n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = (abs % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return `${v < 0n ? "-" : ""}${whole}${frac ? `.${frac}` : ""} VE`;
}
