// /api/marketplace-stats/*: the support and staff reporting figures of Waldur's StatsViewSet, in
// its response shapes (openapi/waldur/waldur-openapi-schema-8.0.5.yaml). A subset: active resources
// and cost per offering, component usage (this month and per month), projects and resources per
// organization, and order statistics. Staff and support only. Query parameters are checked with
// valibot; a bad one is a 400 naming it. Usage and order amounts are exact decimal strings; the
// one field Waldur types as a float (OfferingCost.cost) carries at most 6 decimal places, which
// JSON renders exactly, and the same amount as integer uve in cost_uve.
import { and, count, eq, gte, lt, ne, notInArray } from "drizzle-orm";
import type { Context, Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../app-env.ts";
import { seesEverything } from "../auth/access.ts";
import { requireUser } from "../auth/session.ts";
import { inArray } from "../db/in-list.ts";
import { componentUsages, customers, offeringComponents, offerings, orders, projects, resources, serviceProviders } from "../db/schema/index.ts";
import type { OrderState, OrderType } from "../db/schema/marketplace.ts";
import { addDecimal, formatDecimal } from "../http/decimal.ts";
import { fieldErrors, permissionDenied } from "../http/errors.ts";
import { parseUuid } from "../http/ids.ts";
import { pageOf, paginated } from "../http/list.ts";
import { isoDate, parseWith } from "../http/validate.ts";
import { nextMonth, offeringMonthCosts, uveToVe } from "../marketplace/reports/costs.ts";

const BASE = "/api/marketplace-stats";
/** Resources that exist for their owner: provisioned and not gone (Waldur counts these as active). */
const INACTIVE: ("Creating" | "Terminated")[] = ["Creating", "Terminated"];
const MAX_MONTHS = 36;
const MAX_DAYS = 366;
const PENDING: OrderState[] = ["pending-consumer", "pending-provider", "pending-project", "pending-start-date"];
const ORDER_TYPES: OrderType[] = ["Create", "Update", "Terminate", "Restore"];

const MONTH_MSG = "Enter a month as YYYY-MM.";
// From 1970: the month arithmetic uses Date.UTC, which reads years 0-99 as 1900-1999.
const month = v.pipe(v.string(MONTH_MSG), v.regex(/^(19[7-9]\d|[2-9]\d{3})-(0[1-9]|1[0-2])$/, MONTH_MSG));
const day = isoDate();
const uuid = v.pipe(
  v.string(),
  v.check((s) => parseUuid(s) !== null, "Must be a valid UUID."),
  v.transform((s) => parseUuid(s)!),
);
const monthRange = v.object({ start: v.optional(month), end: v.optional(month) });
const orderStatsQuery = v.object({ start: v.optional(day), end: v.optional(day), customer_uuid: v.optional(uuid), provider_uuid: v.optional(uuid) });

/** The query string as one value per name (the last one, as Django's QueryDict.get); empty = absent. */
function queryOf(c: Context<AppEnv>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, vals] of Object.entries(c.req.queries())) {
    const last = vals[vals.length - 1];
    if (last !== undefined && last !== "") out[k] = last;
  }
  return out;
}

function staffOnly(c: Context<AppEnv>) {
  if (!seesEverything(requireUser(c.var.user))) throw permissionDenied();
}

/** Months from start to end inclusive (Waldur's defaults: a year ago this month, to this month). */
function monthsOf(c: Context<AppEnv>, now: Date): string[] {
  const q = parseWith(monthRange, queryOf(c));
  const thisMonth = now.toISOString().slice(0, 7);
  const yearAgo = new Date(Date.UTC(now.getUTCFullYear() - 1, now.getUTCMonth(), 1)).toISOString().slice(0, 7);
  const start = q.start ?? yearAgo;
  const end = q.end ?? thisMonth;
  if (start > end) throw fieldErrors({ end: ["The end month is before the start month."] });
  const months: string[] = [];
  for (let m = start; m <= end; m = nextMonth(m)) {
    months.push(m);
    if (months.length > MAX_MONTHS) throw fieldErrors({ end: [`At most ${MAX_MONTHS} months.`] });
  }
  return months;
}

const usageSum = (a: string, b: string) => addDecimal(a, b, 12);
const byCountThenName = <T extends { count: number; name: string }>(a: T, b: T) => b.count - a.count || a.name.localeCompare(b.name);

async function offeringCountries(c: Context<AppEnv>, offeringIds: number[]) {
  const rows = offeringIds.length
    ? await c.var.db
        .select({ id: offerings.id, uuid: offerings.uuid, name: offerings.name, country: offerings.country, customerCountry: customers.country })
        .from(offerings)
        .innerJoin(customers, eq(customers.id, offerings.customerId))
        .where(inArray(offerings.id, offeringIds))
        .all()
    : [];
  // Waldur: the offering's country, else its provider organization's.
  return new Map(rows.map((r) => [r.id, { uuid: r.uuid, name: r.name, country: r.country || r.customerCountry }]));
}

/** Usage summed per offering, component type and month (Waldur's ComponentUsagesPerMonthStats). */
async function usageRows(c: Context<AppEnv>, from?: string) {
  const rows = await c.var.db
    .select({ offeringId: resources.offeringId, type: offeringComponents.type, period: componentUsages.billingPeriod, usage: componentUsages.usage })
    .from(componentUsages)
    .innerJoin(resources, eq(resources.id, componentUsages.resourceId))
    .innerJoin(offeringComponents, eq(offeringComponents.id, componentUsages.componentId))
    .where(from ? and(gte(componentUsages.billingPeriod, from), lt(componentUsages.billingPeriod, `${nextMonth(from.slice(0, 7))}-01`)) : undefined)
    .all();
  const sums = new Map<string, { offeringId: number; type: string; ym: string; usage: string }>();
  for (const r of rows) {
    const ym = r.period.slice(0, 7);
    const k = `${r.offeringId}\u0000${r.type}\u0000${ym}`;
    const s = sums.get(k);
    if (s) s.usage = usageSum(s.usage, r.usage);
    else sums.set(k, { offeringId: r.offeringId, type: r.type, ym, usage: formatDecimal(r.usage, 12) });
  }
  const offs = await offeringCountries(c, [...new Set([...sums.values()].map((s) => s.offeringId))]);
  return [...sums.values()]
    .sort((a, b) => b.ym.localeCompare(a.ym) || (offs.get(a.offeringId)?.name ?? "").localeCompare(offs.get(b.offeringId)?.name ?? "") || a.type.localeCompare(b.type))
    .map((s) => ({
      usage: formatDecimal(s.usage, 2),
      offering_uuid: offs.get(s.offeringId)?.uuid ?? "",
      component_type: s.type,
      offering_country: offs.get(s.offeringId)?.country ?? "",
      // No organization groups here: Waldur's rendering for an offering without one.
      organization_group_name: "",
      organization_group_uuid: "",
      year: Number(s.ym.slice(0, 4)),
      month: Number(s.ym.slice(5, 7)),
    }));
}

async function perCustomer(c: Context<AppEnv>, counts: { customerId: number; n: number }[]) {
  const ids = counts.map((x) => x.customerId);
  const rows = ids.length ? await c.var.db.select().from(customers).where(inArray(customers.id, ids)).all() : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  return counts
    .filter((x) => byId.has(x.customerId))
    .map((x) => {
      const r = byId.get(x.customerId)!;
      return { name: r.name, uuid: r.uuid, count: x.n, abbreviation: r.abbreviation };
    })
    .sort(byCountThenName);
}

function list<T extends Record<string, unknown>>(c: Context<AppEnv>, rows: T[]) {
  const p = pageOf(c);
  return paginated(c, p, rows.length, rows.slice(p.offset, p.offset + p.size));
}

export function mountMarketplaceStats(app: Hono<AppEnv>) {
  app.get(`${BASE}/count_active_resources_grouped_by_offering/`, async (c) => {
    staffOnly(c);
    const counts = await c.var.db
      .select({ offeringId: resources.offeringId, n: count() })
      .from(resources)
      .where(notInArray(resources.state, INACTIVE))
      .groupBy(resources.offeringId)
      .all();
    const offs = await offeringCountries(c, counts.map((x) => x.offeringId));
    const rows = counts
      .filter((x) => offs.has(x.offeringId))
      .map((x) => ({ ...offs.get(x.offeringId)!, count: x.n }))
      .map((r) => ({ count: r.count, name: r.name, uuid: r.uuid, country: r.country }))
      .sort(byCountThenName);
    return list(c, rows);
  });

  app.get(`${BASE}/total_cost_of_active_resources_per_offering/`, async (c) => {
    staffOnly(c);
    const now = new Date();
    const months = monthsOf(c, now);
    // Every resource that was provisioned: a terminated one still cost something while it ran.
    const ress = await c.var.db.select().from(resources).where(ne(resources.state, "Creating")).all();
    const costs = await offeringMonthCosts(c.var.db, ress, months, now);
    const totals = new Map<number, bigint>();
    for (const m of costs) totals.set(m.offeringId, (totals.get(m.offeringId) ?? 0n) + m.usageUve + m.fixedUve);
    const offs = await offeringCountries(c, [...totals.keys()]);
    const rows = [...totals.entries()]
      .filter(([id]) => offs.has(id))
      .map(([id, uve]) => ({ offering_uuid: offs.get(id)!.uuid, offering_name: offs.get(id)!.name, uve }))
      .sort((a, b) => (a.uve === b.uve ? a.offering_name.localeCompare(b.offering_name) : a.uve < b.uve ? 1 : -1))
      .map((r) => ({ offering_uuid: r.offering_uuid, offering_name: r.offering_name, cost: Number(uveToVe(r.uve)), cost_uve: r.uve.toString() }));
    return list(c, rows);
  });

  app.get(`${BASE}/component_usages/`, async (c) => {
    staffOnly(c);
    const rows = await usageRows(c, `${new Date().toISOString().slice(0, 7)}-01`);
    return list(
      c,
      rows.map(({ year: _y, month: _m, ...r }) => r),
    );
  });

  app.get(`${BASE}/component_usages_per_month/`, async (c) => {
    staffOnly(c);
    return list(c, await usageRows(c));
  });

  app.get(`${BASE}/organization_project_count/`, async (c) => {
    staffOnly(c);
    const counts = await c.var.db
      .select({ customerId: projects.customerId, n: count() })
      .from(projects)
      .where(eq(projects.isRemoved, false))
      .groupBy(projects.customerId)
      .all();
    return list(c, await perCustomer(c, counts));
  });

  app.get(`${BASE}/organization_resource_count/`, async (c) => {
    staffOnly(c);
    const counts = await c.var.db
      .select({ customerId: projects.customerId, n: count() })
      .from(resources)
      .innerJoin(projects, eq(projects.id, resources.projectId))
      .where(eq(resources.state, "OK"))
      .groupBy(projects.customerId)
      .all();
    return list(c, await perCustomer(c, counts));
  });

  app.get(`${BASE}/order_stats/`, async (c) => {
    staffOnly(c);
    const q = parseWith(orderStatsQuery, queryOf(c));
    const today = new Date().toISOString().slice(0, 10);
    const end = q.end ?? today;
    const start = q.start ?? new Date(Date.parse(`${end}T00:00:00Z`) - 30 * 86_400_000).toISOString().slice(0, 10);
    if (start > end) throw fieldErrors({ end: ["The end date is before the start date."] });
    if ((Date.parse(end) - Date.parse(start)) / 86_400_000 >= MAX_DAYS) throw fieldErrors({ end: [`At most ${MAX_DAYS} days.`] });
    const db = c.var.db;
    const conds = [gte(orders.created, `${start}T00:00:00`), lt(orders.created, `${new Date(Date.parse(end) + 86_400_000).toISOString().slice(0, 10)}T00:00:00`)];
    if (q.customer_uuid) {
      const cust = await db.select({ id: customers.id }).from(customers).where(eq(customers.uuid, q.customer_uuid)).get();
      const projIds = cust ? (await db.select({ id: projects.id }).from(projects).where(eq(projects.customerId, cust.id)).all()).map((p) => p.id) : [];
      conds.push(inArray(orders.projectId, projIds));
    }
    if (q.provider_uuid) {
      const sp = await db.select({ customerId: serviceProviders.customerId }).from(serviceProviders).where(eq(serviceProviders.uuid, q.provider_uuid)).get();
      const offIds = sp ? (await db.select({ id: offerings.id }).from(offerings).where(eq(offerings.customerId, sp.customerId)).all()).map((o) => o.id) : [];
      conds.push(inArray(orders.offeringId, offIds));
    }
    const rows = await db
      .select({ created: orders.created, state: orders.state, type: orders.type, cost: orders.cost })
      .from(orders)
      .where(and(...conds))
      .all();
    type Bucket = { total: number; cost: string | null; revenue: string | null; by_state: Record<string, number>; by_type: Record<string, number> };
    const bucket = (): Bucket => ({ total: 0, cost: null, revenue: null, by_state: {}, by_type: {} });
    const all = bucket();
    const days = new Map<string, Bucket>();
    const add = (b: Bucket, r: (typeof rows)[number]) => {
      b.total++;
      b.by_state[r.state] = (b.by_state[r.state] ?? 0) + 1;
      b.by_type[r.type] = (b.by_type[r.type] ?? 0) + 1;
      if (r.cost !== null) {
        b.cost = addDecimal(b.cost ?? "0", r.cost, 12);
        if (r.type === "Create" || r.type === "Update") b.revenue = addDecimal(b.revenue ?? "0", r.cost, 12);
      }
    };
    for (const r of rows) {
      const d = r.created.slice(0, 10);
      if (!days.has(d)) days.set(d, bucket());
      add(days.get(d)!, r);
      add(all, r);
    }
    const money = (s: string | null) => (s === null ? null : formatDecimal(s, 2));
    const n = (s: OrderState) => all.by_state[s] ?? 0;
    return c.json({
      summary: {
        total: all.total,
        total_cost: money(all.cost),
        total_revenue: money(all.revenue),
        pending: PENDING.reduce((sum, s) => sum + n(s), 0),
        executing: n("executing"),
        done: n("done"),
        erred: n("erred"),
        canceled: n("canceled"),
        rejected: n("rejected"),
      },
      by_state: all.by_state,
      by_type: Object.fromEntries(ORDER_TYPES.filter((t) => all.by_type[t]).map((t) => [t, all.by_type[t]!])),
      daily: [...days.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([date, b]) => ({ date, total: b.total, total_cost: money(b.cost), revenue: money(b.revenue), by_state: b.by_state, by_type: b.by_type })),
    });
  });
}
