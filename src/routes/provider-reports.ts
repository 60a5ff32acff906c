// /api/marketplace-provider-reports/: a provider's revenue per offering per month, in integer uve
// (1 VE = 10^6 uve), computed from its resources: reported usage × the plan's price for usage
// components, and for fixed and limit components the plan price × quantity prorated over the
// seconds each plan period overlaps the month. Every amount is exact integer arithmetic (BigInt),
// rounded down once per resource, component and month, so the report never shows more than was
// earned. Limit components use the resource's current limits (limit history is not kept);
// one-time components are left out.
import { and, eq, gte, lte } from "drizzle-orm";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { hasRole, PROVIDER_ROLES, seesEverything } from "../auth/access.ts";
import { requireUser } from "../auth/session.ts";
import { blocksPerUnit, BLOCK_SECONDS, usageSteps, USAGE_SCALE } from "../bridge/chain/pricing.ts";
import { inArray } from "../db/in-list.ts";
import {
  componentUsages,
  customers,
  offeringComponents,
  offerings,
  planComponents,
  plans,
  resourcePlanPeriods,
  resources,
} from "../db/schema/index.ts";
import { fieldError, permissionDenied } from "../http/errors.ts";
import { formatDecimal } from "../http/decimal.ts";
import { pageOf, paginated, qAll, qOne, qUuid, qUuids } from "../http/list.ts";

const UVE_PER_VE = 1_000_000n;
const SCALE12 = 10n ** 12n;
const MAX_MONTHS = 36;

/** "YYYY-MM" → its first instant (ms); a bad value is a 400 naming the parameter. */
function monthParam(c: Context<AppEnv>, name: string, fallback: string): string {
  const s = qOne(c, name) ?? fallback;
  const m = s.match(/^(\d{4})-(\d{2})$/);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw fieldError(name, "Enter a month as YYYY-MM.");
  return s;
}

const monthStart = (ym: string) => Date.UTC(Number(ym.slice(0, 4)), Number(ym.slice(5, 7)) - 1, 1);
const nextMonth = (ym: string) => {
  const d = new Date(monthStart(ym));
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 7);
};
const scaledPrice = (dec: string) => BigInt(formatDecimal(dec, 12).replace(".", ""));

interface Row {
  offering_uuid: string;
  offering_name: string;
  month: string;
  usage_uve: bigint;
  fixed_uve: bigint;
  resources: Set<number>;
}

export function mountProviderReports(app: Hono<AppEnv>) {
  app.get("/api/marketplace-provider-reports/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    if (qOne(c, "customer_uuid") === undefined) throw fieldError("customer_uuid", "This field is required.");
    const custUuid = qUuid(c, "customer_uuid")!;
    const cust = await db.select().from(customers).where(eq(customers.uuid, custUuid)).get();
    if (!cust) throw fieldError("customer_uuid", "Object does not exist.");
    if (!seesEverything(me) && !(await hasRole(db, me, "customer", cust.id, PROVIDER_ROLES))) throw permissionDenied();
    const now = new Date();
    const thisMonth = now.toISOString().slice(0, 7);
    const yearAgo = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1)).toISOString().slice(0, 7);
    const start = monthParam(c, "start", yearAgo);
    const end = monthParam(c, "end", thisMonth);
    if (start > end) throw fieldError("end", "The end month is before the start month.");
    const months: string[] = [];
    for (let m = start; m <= end; m = nextMonth(m)) {
      months.push(m);
      if (months.length > MAX_MONTHS) throw fieldError("end", `A report covers at most ${MAX_MONTHS} months.`);
    }
    const offUuids = qUuids(c, "offering_uuid");
    const offs = await db
      .select()
      .from(offerings)
      .where(and(eq(offerings.customerId, cust.id), offUuids.length ? inArray(offerings.uuid, offUuids) : undefined))
      .all();
    const rows = new Map<string, Row>();
    const rowOf = (o: (typeof offs)[number], month: string) => {
      const k = `${o.id}:${month}`;
      const found = rows.get(k);
      if (found) return found;
      const r: Row = { offering_uuid: o.uuid, offering_name: o.name, month, usage_uve: 0n, fixed_uve: 0n, resources: new Set() };
      rows.set(k, r);
      return r;
    };
    const offById = new Map(offs.map((o) => [o.id, o]));
    const ress = offs.length ? await db.select().from(resources).where(inArray(resources.offeringId, [...offById.keys()])).all() : [];
    const resById = new Map(ress.map((r) => [r.id, r]));
    const resIds = [...resById.keys()];
    const comps = offs.length ? await db.select().from(offeringComponents).where(inArray(offeringComponents.offeringId, [...offById.keys()])).all() : [];
    const compById = new Map(comps.map((x) => [x.id, x]));
    const periods = resIds.length ? await db.select().from(resourcePlanPeriods).where(inArray(resourcePlanPeriods.resourceId, resIds)).all() : [];
    const planIds = [...new Set([...periods.map((p) => p.planId), ...ress.map((r) => r.planId).filter((x): x is number => x !== null)])];
    const planRows = planIds.length ? await db.select().from(plans).where(inArray(plans.id, planIds)).all() : [];
    const planById = new Map(planRows.map((p) => [p.id, p]));
    const prices = planIds.length ? await db.select().from(planComponents).where(inArray(planComponents.planId, planIds)).all() : [];
    const priceOf = (planId: number, componentId: number) => prices.find((p) => p.planId === planId && p.componentId === componentId);

    // Usage components: reported usage × price of the plan in force for that usage.
    const usages = resIds.length
      ? await db
          .select()
          .from(componentUsages)
          .where(and(inArray(componentUsages.resourceId, resIds), gte(componentUsages.billingPeriod, `${start}-01`), lte(componentUsages.billingPeriod, `${end}-01`)))
          .all()
      : [];
    for (const u of usages) {
      const res = resById.get(u.resourceId)!;
      const comp = compById.get(u.componentId);
      if (comp?.billingType !== "usage") continue;
      const planId = (u.planPeriodId !== null ? periods.find((p) => p.id === u.planPeriodId)?.planId : undefined) ?? res.planId;
      const pc = planId === null ? undefined : priceOf(planId, comp.id);
      const row = rowOf(offById.get(res.offeringId)!, u.billingPeriod.slice(0, 7));
      row.resources.add(res.id);
      if (!pc) continue;
      row.usage_uve += (scaledPrice(pc.price) * usageSteps(u.usage) * UVE_PER_VE) / (SCALE12 * USAGE_SCALE);
    }

    // Fixed and limit components: prorated by the seconds each plan period overlaps each month.
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
        const row = rowOf(offById.get(res.offeringId)!, month);
        row.resources.add(res.id);
        for (const comp of comps.filter((x) => x.offeringId === res.offeringId)) {
          const pc = priceOf(plan.id, comp.id);
          if (!pc) continue;
          const qty = comp.billingType === "fixed" ? BigInt(pc.amount) : comp.billingType === "limit" ? BigInt(Math.max(0, Math.trunc(res.limits[comp.type] ?? 0))) : 0n;
          if (qty === 0n) continue;
          row.fixed_uve += (scaledPrice(pc.price) * qty * seconds * UVE_PER_VE) / (SCALE12 * unitSeconds);
        }
      }
    }

    const order = qAll(c, "o")[0] ?? "-month";
    const cmp: Record<string, (a: Row, b: Row) => number> = {
      month: (a, b) => a.month.localeCompare(b.month) || a.offering_name.localeCompare(b.offering_name),
      offering_name: (a, b) => a.offering_name.localeCompare(b.offering_name) || a.month.localeCompare(b.month),
      total_uve: (a, b) => {
        const d = a.usage_uve + a.fixed_uve - (b.usage_uve + b.fixed_uve);
        return d === 0n ? a.month.localeCompare(b.month) : d < 0n ? -1 : 1;
      },
    };
    const key = order.replace(/^-/, "");
    const by = cmp[key] ?? cmp.month!;
    const sorted = [...rows.values()].sort((a, b) => (order.startsWith("-") && cmp[key] ? -by(a, b) : by(a, b)));
    const p = pageOf(c);
    return paginated(
      c,
      p,
      sorted.length,
      sorted.slice(p.offset, p.offset + p.size).map((r) => ({
        offering_uuid: r.offering_uuid,
        offering_name: r.offering_name,
        month: r.month,
        resources_count: r.resources.size,
        usage_uve: r.usage_uve.toString(),
        fixed_uve: r.fixed_uve.toString(),
        total_uve: (r.usage_uve + r.fixed_uve).toString(),
      })),
    );
  });
}
