// Component usage from SLURM accounting: each job's allocated TRES times the seconds it ran inside
// the billing period, converted to component units with the offering's unit factor. Integer
// arithmetic throughout (TRES-seconds as bigint), rounded half-up to the 2 decimals Waldur keeps.
import type { UsageReport } from "../types.ts";
import type { SlurmSettings } from "./settings.ts";

export interface AccountedJob {
  tres: { type?: string; name?: string | null; count?: number }[];
  /** Unix seconds; 0 when not started. */
  start: number;
  /** Unix seconds; 0 while still running. */
  end: number;
}

const tresKey = (t: { type?: string; name?: string | null }) => (t.type === "gres" && t.name ? `gres/${t.name}` : (t.type ?? ""));

/** Formats n/d (both ≥ 0) with 2 decimals, rounding half up. */
export function ratio2(n: bigint, d: bigint): string {
  const hundredths = (n * 200n + d) / (2n * d);
  const whole = hundredths / 100n;
  const frac = (hundredths % 100n).toString().padStart(2, "0");
  return `${whole}.${frac}`;
}

export function usageFromJobs(jobs: AccountedJob[], components: SlurmSettings["components"], periodStart: Date, now: Date): UsageReport {
  const from = Math.floor(periodStart.getTime() / 1000);
  const nextMonth = Date.UTC(periodStart.getUTCFullYear(), periodStart.getUTCMonth() + 1, 1) / 1000;
  const until = Math.min(nextMonth, Math.floor(now.getTime() / 1000));
  const tresSeconds = new Map<string, bigint>();
  for (const j of jobs) {
    if (!j.start) continue;
    const start = Math.max(j.start, from);
    const end = Math.min(j.end || until, until);
    if (end <= start) continue;
    for (const t of j.tres) {
      const key = tresKey(t);
      const count = BigInt(Math.max(0, Math.trunc(t.count ?? 0)));
      tresSeconds.set(key, (tresSeconds.get(key) ?? 0n) + count * BigInt(end - start));
    }
  }
  const report: UsageReport = {};
  for (const [component, m] of Object.entries(components)) {
    report[component] = ratio2(tresSeconds.get(m.tres) ?? 0n, 60n * BigInt(m.unit_factor));
  }
  return report;
}

/** Whole TRES-minutes a limit in component units allows (what an association's GrpTRESMins would hold). */
export function limitInTresMinutes(limit: number, unitFactor: number): number {
  return Math.round(limit * unitFactor);
}
