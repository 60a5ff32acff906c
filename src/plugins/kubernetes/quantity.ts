// Kubernetes resource.Quantity: "500m", "2", "1536Mi", "10Gi", "1e3". Parsed to a plain number
// of base units (cores, bytes, objects) so usage can be reported in the offering's units.
const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  "": 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QTY_RE = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** The quantity in base units, or null when it is not a valid quantity. */
export function parseQuantity(q: string | number | undefined | null): number | null {
  if (q === undefined || q === null) return null;
  if (typeof q === "number") return Number.isFinite(q) ? q : null;
  const m = QTY_RE.exec(q.trim());
  if (!m) return null;
  const n = Number(m[1]);
  if (m[2]) return n * 10 ** Number(m[2].slice(1));
  return n * (SUFFIX[m[3] ?? ""] ?? 1);
}

/** Cores as a quantity: whole cores stay "2", fractions become millicores ("500m"). */
export function cpuQuantity(cores: number): string {
  const milli = Math.round(cores * 1000);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Rounds to at most 2 decimals as the usage report wants ("1.5", "0.25", "3"). */
export function decimal2(n: number): string {
  return String(Math.round(n * 100) / 100);
}
