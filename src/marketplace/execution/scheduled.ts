// The cron's work for plugin-served offerings: re-queue executing orders nobody finished (a
// consumer killed mid-provision leaves them so), and collect each running resource's usage for
// the current month, letting the plugin act on limits reached.
import { and, eq, lt } from "drizzle-orm";
import { inArray } from "../../db/in-list.ts";
import type { Db } from "../../app-env.ts";
import { offeringComponents, offerings, orders, resources } from "../../db/schema/index.ts";
import type { Bindings } from "../../env.ts";
import { pluginFor } from "../../plugins/registry.ts";
import { type UsageEntry, recordUsages } from "../usage/record.ts";
import { pluginContext } from "./consumer.ts";
import { loadExecution } from "./context.ts";
import { recordBackendState } from "./outcome.ts";

/** Seconds an order may sit in `executing` before the sweep sends it again (VE_STUCK_ORDER_SECONDS). */
const stuckAfter = (env: Bindings) => Number(env.VE_STUCK_ORDER_SECONDS ?? "300");

async function pluginOfferingIds(db: Db, env: Bindings): Promise<number[]> {
  const rows = await db.select({ id: offerings.id, uuid: offerings.uuid, type: offerings.type }).from(offerings).all();
  return rows.filter((o) => pluginFor(env, o).ok).map((o) => o.id);
}

export async function sweepStuckOrders(db: Db, env: Bindings, now = new Date()): Promise<number> {
  const ids = await pluginOfferingIds(db, env);
  if (ids.length === 0) return 0;
  const cutoff = new Date(now.getTime() - stuckAfter(env) * 1000).toISOString();
  const stuck = await db
    .select({ uuid: orders.uuid })
    .from(orders)
    .where(and(eq(orders.state, "executing"), inArray(orders.offeringId, ids), lt(orders.modified, cutoff)))
    .all();
  if (stuck.length) await env.ORDER_QUEUE.sendBatch(stuck.map((o) => ({ body: { kind: "order" as const, orderUuid: o.uuid } })));
  return stuck.length;
}

export interface UsageRun {
  collected: number;
  failed: { resource: string; message: string }[];
}

export async function collectUsages(db: Db, env: Bindings, now = new Date()): Promise<UsageRun> {
  const ids = await pluginOfferingIds(db, env);
  const run: UsageRun = { collected: 0, failed: [] };
  if (ids.length === 0) return run;
  const running = await db.select().from(resources).where(and(inArray(resources.offeringId, ids), inArray(resources.state, ["OK", "Updating"]))).all();
  const periodStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  for (const res of running) {
    const x = await loadExecution(db, env, res);
    if (!x.ok) {
      run.failed.push({ resource: res.uuid, message: x.error });
      continue;
    }
    const ctx = pluginContext();
    // Status first: a backend object removed or broken behind the marketplace's back makes the
    // resource Erred with the backend's words, instead of billing a resource that is gone.
    const status = await x.value.plugin.poll(ctx, x.value.settings, x.value.ref);
    if (status.ok && (status.value.state === "Erred" || status.value.state === "Terminated")) {
      const message = status.value.errorMessage || `backend reports ${status.value.state}`;
      await db.update(resources).set({ state: "Erred", errorMessage: message.slice(0, 2000), modified: now.toISOString() }).where(eq(resources.id, res.id));
      run.failed.push({ resource: res.uuid, message });
      continue;
    }
    const usage = await x.value.plugin.collectUsage(ctx, x.value.settings, x.value.ref, periodStart);
    if (!usage.ok) {
      run.failed.push({ resource: res.uuid, message: usage.error.message });
      continue;
    }
    const comps = await db.select().from(offeringComponents).where(eq(offeringComponents.offeringId, res.offeringId)).all();
    const entries: UsageEntry[] = Object.entries(usage.value)
      .filter(([type]) => comps.some((c) => c.type === type && (c.billingType === "usage" || c.billingType === "limit")))
      .map(([type, amount]) => ({ type, amount, description: "collected by the offering's plugin" }));
    await recordUsages(db, res, comps, entries, now, null);
    run.collected++;
    const enforced = await x.value.plugin.enforceLimits?.(ctx, x.value.settings, x.value.ref, usage.value);
    if (enforced && !enforced.ok) run.failed.push({ resource: res.uuid, message: enforced.error.message });
    else if (enforced?.value) await recordBackendState(db, env, res, { metadata: enforced.value });
  }
  return run;
}
