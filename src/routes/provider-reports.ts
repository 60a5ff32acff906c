// /api/marketplace-provider-reports/: a provider's revenue per offering per month, in integer uve
// (1 VE = 10^6 uve), computed from its resources by the shared cost rules in
// src/marketplace/reports/costs.ts (the same figures staff see in /api/marketplace-stats/).
import { and, eq } from "drizzle-orm";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { hasRole, PROVIDER_ROLES, seesEverything } from "../auth/access.ts";
import { requireUser } from "../auth/session.ts";
import { inArray } from "../db/in-list.ts";
import { customers, offerings, resources } from "../db/schema/index.ts";
import { fieldError, permissionDenied } from "../http/errors.ts";
import { pageOf, paginated, qAll, qOne, qUuid, qUuids } from "../http/list.ts";
import { nextMonth, offeringMonthActivity } from "../marketplace/reports/costs.ts";

const MAX_MONTHS = 36;

/** "YYYY-MM"; a bad value is a 400 naming the parameter. */
function monthParam(c: Context<AppEnv>, name: string, fallback: string): string {
  const s = qOne(c, name) ?? fallback;
  const m = s.match(/^(\d{4})-(\d{2})$/);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 12) throw fieldError(name, "Enter a month as YYYY-MM.");
  return s;
}

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
    const offById = new Map(offs.map((o) => [o.id, o]));
    const ress = offs.length ? await db.select().from(resources).where(inArray(resources.offeringId, [...offById.keys()])).all() : [];
    // Every month a resource ran or reported usage is a row, priced or not, so resources_count shows it.
    const activity = await offeringMonthActivity(db, ress, months, now);
    const rows: Row[] = activity.map((a) => ({
      offering_uuid: offById.get(a.offeringId)!.uuid,
      offering_name: offById.get(a.offeringId)!.name,
      month: a.month,
      usage_uve: a.usageUve,
      fixed_uve: a.fixedUve,
      resources: a.resourceIds,
    }));

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
    const sorted = [...rows].sort((a, b) => (order.startsWith("-") && cmp[key] ? -by(a, b) : by(a, b)));
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
