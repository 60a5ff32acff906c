// Stores one billing period's component usage for a resource (one row per component and month,
// replaced on re-report) and mirrors the current month into resource.current_usages. Shared by
// set_usage (providers and site agents) and the plugins' usage collection.
import { eq } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { componentUsages, type offeringComponents, resourcePlanPeriods, resources } from "../../db/schema/index.ts";
import { formatDecimal } from "../../http/decimal.ts";
import { newUuid, nowIso } from "../../http/ids.ts";
import type { Resource } from "../orders/context.ts";
import { usageReportedItems } from "../../bridge/chain/marketplace.ts";

export interface UsageEntry {
  type: string;
  /** Decimal string, at most 2 decimals. */
  amount: string;
  description?: string;
  recurring?: boolean;
}

/** First day of the UTC month of `d`, YYYY-MM-01. */
export function monthStart(d: Date): string {
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}-01`;
}

export async function recordUsages(
  db: Db,
  res: Resource,
  comps: (typeof offeringComponents.$inferSelect)[],
  entries: UsageEntry[],
  when: Date,
  modifiedById: number | null,
): Promise<void> {
  if (entries.length === 0) return;
  const now = nowIso();
  const period = monthStart(when);
  const openPeriod = (await db.select().from(resourcePlanPeriods).where(eq(resourcePlanPeriods.resourceId, res.id)).all()).find((x) => x.end === null);
  const onChain = await usageReportedItems(db, res, comps, entries, new Date(`${period}T00:00:00Z`));
  await db.batch([
    ...entries.map((u) => {
      const comp = comps.find((x) => x.type === u.type)!;
      const set = { usage: u.amount, date: when.toISOString(), description: u.description ?? "", recurring: u.recurring ?? false, modifiedById, modified: now };
      return db
        .insert(componentUsages)
        .values({ uuid: newUuid(), resourceId: res.id, componentId: comp.id, planPeriodId: openPeriod?.id ?? null, billingPeriod: period, created: now, ...set })
        .onConflictDoUpdate({ target: [componentUsages.resourceId, componentUsages.componentId, componentUsages.billingPeriod], set });
    }),
    ...onChain,
  ] as [never, ...never[]]);
  if (period === monthStart(new Date())) {
    const cu = { ...res.currentUsages };
    for (const u of entries) cu[u.type] = formatDecimal(u.amount, 2);
    await db.update(resources).set({ currentUsages: cu, modified: now }).where(eq(resources.id, res.id));
  }
}
