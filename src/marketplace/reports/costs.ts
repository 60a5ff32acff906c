// What given resources cost per calendar month, in integer uve (1 VE = 10^6 uve): the one rule set
// behind the provider revenue report (src/routes/provider-reports.ts) and the staff cost figures
// (src/routes/marketplace-stats.ts). Usage components are reported usage × the plan price in force;
// fixed and limit components are plan price × quantity prorated over the seconds each plan period
// overlaps the month; one-time components are left out. Limit components use the resource's current
// limits (limit history is not kept). BigInt throughout, rounded down per usage record and per plan
// period, component and month, so a report never shows more than was earned.
import { and, gte, lte } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { blocksPerUnit, BLOCK_SECONDS, usageSteps, USAGE_SCALE } from "../../bridge/chain/pricing.ts";
import { inArray } from "../../db/in-list.ts";
import { componentUsages, offeringComponents, planComponents, plans, resourcePlanPeriods, type resources } from "../../db/schema/index.ts";
import { formatDecimal } from "../../http/decimal.ts";

const UVE_PER_VE = 1_000_000n;
const SCALE12 = 10n ** 12n;

type Resource = typeof resources.$inferSelect;

export interface MonthCost {
  offeringId: number;
  /** YYYY-MM */
  month: string;
  usageUve: bigint;
  fixedUve: bigint;
  /** Resources with a usage record or plan time in the month, priced or not. */
  resourceIds: Set<number>;
  /** Whether any price applied (a row can exist for a resource whose plan has no price for it). */
  priced: boolean;
}

/** "YYYY-MM" → its first instant (ms). Not Date.UTC: that reads years 0-99 as 1900-1999. */
export const monthStart = (ym: string) => new Date(0).setUTCFullYear(Number(ym.slice(0, 4)), Number(ym.slice(5, 7)) - 1, 1);
export const nextMonth = (ym: string) => {
  const d = new Date(monthStart(ym));
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 7);
};
const scaledPrice = (dec: string) => BigInt(formatDecimal(dec, 12).replace(".", ""));

/** Costs of `ress` in each month of `months` (YYYY-MM, ascending), summed per offering and month;
 * only the months where a price applied. */
export async function offeringMonthCosts(db: Db, ress: Resource[], months: string[], now = new Date()): Promise<MonthCost[]> {
  return (await offeringMonthActivity(db, ress, months, now)).filter((r) => r.priced);
}

/** As offeringMonthCosts, plus the months where a resource ran or reported usage at no price. */
export async function offeringMonthActivity(db: Db, ress: Resource[], months: string[], now = new Date()): Promise<MonthCost[]> {
  const out = new Map<string, MonthCost>();
  if (!ress.length || !months.length) return [];
  const rowOf = (offeringId: number, month: string) => {
    const k = `${offeringId}:${month}`;
    const found = out.get(k);
    if (found) return found;
    const r: MonthCost = { offeringId, month, usageUve: 0n, fixedUve: 0n, resourceIds: new Set(), priced: false };
    out.set(k, r);
    return r;
  };
  const resById = new Map(ress.map((r) => [r.id, r]));
  const resIds = [...resById.keys()];
  const offeringIds = [...new Set(ress.map((r) => r.offeringId))];
  const comps = await db.select().from(offeringComponents).where(inArray(offeringComponents.offeringId, offeringIds)).all();
  const compById = new Map(comps.map((x) => [x.id, x]));
  const periods = await db.select().from(resourcePlanPeriods).where(inArray(resourcePlanPeriods.resourceId, resIds)).all();
  const planIds = [...new Set([...periods.map((p) => p.planId), ...ress.map((r) => r.planId).filter((x): x is number => x !== null)])];
  const planRows = planIds.length ? await db.select().from(plans).where(inArray(plans.id, planIds)).all() : [];
  const planById = new Map(planRows.map((p) => [p.id, p]));
  const prices = planIds.length ? await db.select().from(planComponents).where(inArray(planComponents.planId, planIds)).all() : [];
  const priceOf = (planId: number, componentId: number) => prices.find((p) => p.planId === planId && p.componentId === componentId);
  const first = months[0]!;
  const last = months[months.length - 1]!;

  const usages = await db
    .select()
    .from(componentUsages)
    .where(and(inArray(componentUsages.resourceId, resIds), gte(componentUsages.billingPeriod, `${first}-01`), lte(componentUsages.billingPeriod, `${last}-01`)))
    .all();
  for (const u of usages) {
    const res = resById.get(u.resourceId)!;
    const comp = compById.get(u.componentId);
    if (comp?.billingType !== "usage") continue;
    const planId = (u.planPeriodId !== null ? periods.find((p) => p.id === u.planPeriodId)?.planId : undefined) ?? res.planId;
    const pc = planId === null ? undefined : priceOf(planId, comp.id);
    const row = rowOf(res.offeringId, u.billingPeriod.slice(0, 7));
    row.resourceIds.add(res.id);
    if (!pc) continue;
    row.priced = true;
    row.usageUve += (scaledPrice(pc.price) * usageSteps(u.usage) * UVE_PER_VE) / (SCALE12 * USAGE_SCALE);
  }

  const nowMs = now.getTime();
  for (const p of periods) {
    const res = resById.get(p.resourceId)!;
    const plan = planById.get(p.planId);
    const from = Date.parse(p.start);
    const to = p.end === null ? nowMs : Date.parse(p.end);
    if (!plan || !(to > from)) continue;
    const unitSeconds = blocksPerUnit(plan.unit) * BigInt(BLOCK_SECONDS);
    for (const month of months) {
      const overlap = Math.min(to, monthStart(nextMonth(month))) - Math.max(from, monthStart(month));
      if (overlap <= 0) continue;
      const seconds = BigInt(Math.floor(overlap / 1000));
      const row = rowOf(res.offeringId, month);
      row.resourceIds.add(res.id);
      for (const comp of comps) {
        if (comp.offeringId !== res.offeringId) continue;
        const pc = priceOf(plan.id, comp.id);
        if (!pc) continue;
        const qty = comp.billingType === "fixed" ? BigInt(pc.amount) : comp.billingType === "limit" ? BigInt(Math.max(0, Math.trunc(res.limits[comp.type] ?? 0))) : 0n;
        if (qty === 0n) continue;
        row.priced = true;
        row.fixedUve += (scaledPrice(pc.price) * qty * seconds * UVE_PER_VE) / (SCALE12 * unitSeconds);
      }
    }
  }
  return [...out.values()];
}

/** An integer uve amount as an exact VE decimal string with 6 places. */
export function uveToVe(uve: bigint): string {
  const neg = uve < 0n;
  const abs = neg ? -uve : uve;
  const s = `${abs / UVE_PER_VE}.${(abs % UVE_PER_VE).toString().padStart(6, "0")}`;
  return neg ? `-${s}` : s;
}
