// Exact decimal arithmetic on strings (prices, usage, costs): BigInt scaled integers, no floats.

const DECIMAL = /^-?\d{1,18}(\.\d{1,12})?$/;

export function isDecimal(s: string): boolean {
  return DECIMAL.test(s);
}

export function decimalPlaces(s: string): number {
  const dot = s.indexOf(".");
  return dot < 0 ? 0 : s.length - dot - 1;
}

const SCALE = 12;

function toScaled(s: string): bigint {
  if (!DECIMAL.test(s)) throw new RangeError(`not a decimal: ${s}`);
  const neg = s.startsWith("-");
  const [int = "0", frac = ""] = (neg ? s.slice(1) : s).split(".");
  const v = BigInt(int) * 10n ** BigInt(SCALE) + BigInt((frac + "0".repeat(SCALE)).slice(0, SCALE));
  return neg ? -v : v;
}

function fromScaled(v: bigint, places: number): string {
  const neg = v < 0n;
  const abs = neg ? -v : v;
  const unit = 10n ** BigInt(SCALE);
  const int = abs / unit;
  const frac = (abs % unit).toString().padStart(SCALE, "0").slice(0, places);
  const out = places > 0 ? `${int}.${frac}` : `${int}`;
  return neg && abs !== 0n ? `-${out}` : out;
}

/** Normalised rendering with a fixed number of places (Waldur renders usage with 2, prices with up to 10). */
export function formatDecimal(s: string, places: number): string {
  return fromScaled(toScaled(s), places);
}

export function compareDecimal(a: string, b: string): number {
  const d = toScaled(a) - toScaled(b);
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}

export function addDecimal(a: string, b: string, places = 2): string {
  return fromScaled(toScaled(a) + toScaled(b), places);
}

/** price × integer quantity. */
export function mulDecimal(a: string, qty: number | bigint, places = 2): string {
  return fromScaled(toScaled(a) * BigInt(qty), places);
}

/**
 * A price as Waldur renders it: every significant place up to 10 (its DecimalField), at least 2,
 * so a sub-cent hourly price (0.013) is never shown or summed as 0.01.
 */
export function formatPrice(s: string): string {
  const full = fromScaled(toScaled(s), 10);
  return full.replace(/(\.\d\d\d*?)0+$/, "$1");
}
