// Usage reporting: /api/marketplace-component-usages/ with set_usage and per-user usage,
// /api/marketplace-component-user-usages/ and /api/component-user-usage-limits/.
import { and, count, eq, gte, lte, or, type SQL } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { managesOffering, seesEverything } from "../auth/access.ts";
import { requireUser, type User } from "../auth/session.ts";
import {
  componentUsages,
  componentUserUsageLimits,
  componentUserUsages,
  customers,
  offeringComponents,
  offeringUsers,
  offerings,
  projects,
  resourcePlanPeriods,
  resources,
  users,
} from "../db/schema/index.ts";
import { ApiError, fieldError, fieldErrors, nonFieldError, notFound, permissionDenied } from "../http/errors.ts";
import { compareDecimal, decimalPlaces, } from "../http/decimal.ts";
import { newUuid, nowIso, parseUuid, pathUuid } from "../http/ids.ts";
import { ordering, pageOf, paginated, qOne, qUuids, sparse } from "../http/list.ts";
import { linksFor } from "../http/links.ts";
import { body, bool, isoDateTime, optStr, requiredStr, str, v } from "../http/validate.ts";
import { loadRelated, type Resource } from "../marketplace/orders/context.ts";
import { consumerResourceVisible, findResource, providerResourceVisible } from "../marketplace/orders/queries.ts";
import { monthStart, recordUsages } from "../marketplace/usage/record.ts";
import { serializeUsage, serializeUserUsage } from "../marketplace/usage/serialize.ts";

const amount = () =>
  v.pipe(
    v.union([v.string(), v.number()], "A valid number is required."),
    v.transform((x) => (typeof x === "number" ? String(x) : x.trim())),
    v.regex(/^\d{1,15}(\.\d+)?$/, "A valid non-negative number is required."),
    v.check((s) => decimalPlaces(s) <= 2, "Ensure that there are no more than 2 decimal places."),
  );

const setUsageSchema = v.object({
  usages: v.pipe(
    v.array(v.object({ type: requiredStr(50), amount: amount(), description: optStr(2000), recurring: v.optional(bool(), false) })),
    v.minLength(1, "This list may not be empty."),
    v.maxLength(100),
  ),
  resource: v.optional(v.nullable(v.string())),
  plan_period: v.optional(v.nullable(v.string())),
  date: v.optional(v.nullable(isoDateTime()), null),
});


/** Resources whose usage the caller may read: consumers of the project and the provider. */
function visibleResourceIds(c: Context<AppEnv>, me: User) {
  const db = c.var.db;
  return db.select({ id: resources.id }).from(resources).where(or(consumerResourceVisible(db, me), providerResourceVisible(db, me)));
}

async function renderUsages(c: Context<AppEnv>, rows: (typeof componentUsages.$inferSelect)[]) {
  if (rows.length === 0) return [];
  const db = c.var.db;
  const res = await db.select().from(resources).where(inArray(resources.id, [...new Set(rows.map((r) => r.resourceId))])).all();
  const comps = await db.select().from(offeringComponents).where(inArray(offeringComponents.id, [...new Set(rows.map((r) => r.componentId))])).all();
  const byIds = [...new Set(rows.map((r) => r.modifiedById).filter((x): x is number => x !== null))];
  const who = byIds.length ? await db.select().from(users).where(inArray(users.id, byIds)).all() : [];
  const rel = await loadRelated(db, { resources: res });
  const links = linksFor(c);
  return rows.map((u) =>
    serializeUsage(links, u, comps.find((x) => x.id === u.componentId)!, res.find((x) => x.id === u.resourceId)!, rel, who.find((x) => x.id === u.modifiedById)?.username ?? null),
  );
}

/** Resolves `resource` or `plan_period` to a resource the caller provides, in a state that takes usage. */
async function usageTarget(c: Context<AppEnv>, me: User, b: v.InferOutput<typeof setUsageSchema>): Promise<Resource> {
  const db = c.var.db;
  let res: Resource | undefined;
  if (b.plan_period) {
    const ppUuid = parseUuid(b.plan_period);
    const pp = ppUuid ? await db.select().from(resourcePlanPeriods).where(eq(resourcePlanPeriods.uuid, ppUuid)).get() : undefined;
    if (!pp) throw fieldError("plan_period", "Object does not exist.");
    if (pp.end !== null) throw fieldError("plan_period", "Billing period is closed.");
    res = await db.select().from(resources).where(eq(resources.id, pp.resourceId)).get();
  } else if (b.resource) {
    const ru = parseUuid(b.resource.match(/\/([^/]+)\/?$/)?.[1] ?? b.resource);
    res = ru ? await db.select().from(resources).where(eq(resources.uuid, ru)).get() : undefined;
    if (!res) throw fieldError("resource", "Object does not exist.");
  } else {
    throw nonFieldError("Either plan_period or resource should be provided.");
  }
  const offering = (await db.select().from(offerings).where(eq(offerings.id, res!.offeringId)).get())!;
  if (!(await managesOffering(db, me, offering))) throw permissionDenied();
  if (!["OK", "Updating", "Terminating"].includes(res!.state)) throw fieldError("resource", "Resource is not in valid state.");
  return res!;
}

export function mountUsages(app: Hono<AppEnv>) {
  const BASE = "/api/marketplace-component-usages";

  app.get(`${BASE}/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [seesEverything(me) ? undefined : inArray(componentUsages.resourceId, visibleResourceIds(c, me))];
    const rs = qUuids(c, "resource_uuid");
    if (rs.length) conds.push(inArray(componentUsages.resourceId, db.select({ id: resources.id }).from(resources).where(inArray(resources.uuid, rs))));
    const offs = qUuids(c, "offering_uuid");
    if (offs.length) conds.push(inArray(componentUsages.resourceId, db.select({ id: resources.id }).from(resources).where(inArray(resources.offeringId, db.select({ id: offerings.id }).from(offerings).where(inArray(offerings.uuid, offs))))));
    const projs = qUuids(c, "project_uuid");
    if (projs.length) conds.push(inArray(componentUsages.resourceId, db.select({ id: resources.id }).from(resources).where(inArray(resources.projectId, db.select({ id: projects.id }).from(projects).where(inArray(projects.uuid, projs))))));
    const custs = qUuids(c, "customer_uuid");
    if (custs.length) {
      conds.push(
        inArray(
          componentUsages.resourceId,
          db.select({ id: resources.id }).from(resources).where(inArray(resources.projectId, db.select({ id: projects.id }).from(projects).where(inArray(projects.customerId, db.select({ id: customers.id }).from(customers).where(inArray(customers.uuid, custs)))))),
        ),
      );
    }
    const period = qOne(c, "billing_period");
    if (period) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(period)) throw fieldError("billing_period", "Enter a valid date.");
      conds.push(eq(componentUsages.billingPeriod, `${period.slice(0, 7)}-01`));
    }
    const type = qOne(c, "type");
    if (type) conds.push(inArray(componentUsages.componentId, db.select({ id: offeringComponents.id }).from(offeringComponents).where(eq(offeringComponents.type, type))));
    const after = qOne(c, "date_after");
    if (after) conds.push(gte(componentUsages.date, after));
    const before = qOne(c, "date_before");
    if (before) conds.push(lte(componentUsages.date, `${before}T23:59:59.999Z`));
    const where = and(...conds);
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(componentUsages).where(where).get())?.n ?? 0;
    const rows = await db
      .select()
      .from(componentUsages)
      .where(where)
      .orderBy(...ordering(c, { billing_period: componentUsages.billingPeriod, usage: componentUsages.usage, created: componentUsages.created }, [componentUsages.id]))
      .limit(p.size)
      .offset(p.offset)
      .all();
    return paginated(c, p, total, await renderUsages(c, rows));
  });

  app.get(`${BASE}/:uuid/`, async (c) => {
    const me = requireUser(c.var.user);
    const row = await c.var.db
      .select()
      .from(componentUsages)
      .where(and(eq(componentUsages.uuid, pathUuid(c.req.param("uuid"))), seesEverything(me) ? undefined : inArray(componentUsages.resourceId, visibleResourceIds(c, me))))
      .get();
    if (!row) throw notFound();
    return c.json(sparse(c, (await renderUsages(c, [row]))[0]!));
  });

  app.post(`${BASE}/set_usage/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const b = await body(c, setUsageSchema);
    const res = await usageTarget(c, me, b);
    const comps = await db.select().from(offeringComponents).where(eq(offeringComponents.offeringId, res.offeringId)).all();
    const invalid = b.usages.filter((u) => !comps.some((x) => x.type === u.type && (x.billingType === "usage" || x.billingType === "limit"))).map((u) => u.type);
    if (invalid.length) throw nonFieldError(`These components are invalid: ${invalid.join(", ")}.`);
    const when = b.date ? new Date(b.date) : new Date();
    const period = monthStart(when);
    const current = monthStart(new Date());
    const previous = monthStart(new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() - 1, 1)));
    if (period > current) throw fieldError("date", "Usage cannot be reported for a future billing period.");
    if (period < previous && !me.isStaff) throw new ApiError(400, { date: ["Usage backfilling past billing periods is not allowed."] });
    const tooMuch: Record<string, string[]> = {};
    for (const u of b.usages) {
      const comp = comps.find((x) => x.type === u.type)!;
      const cap = comp.billingType === "limit" ? res.limits[comp.type] : comp.limitAmount;
      if (cap !== undefined && cap !== null && compareDecimal(u.amount, String(cap)) > 0) {
        tooMuch[u.type] = [`Usage ${u.amount} exceeds the limit ${cap}.`];
      }
    }
    if (Object.keys(tooMuch).length) throw fieldErrors({ usages: tooMuch });
    await recordUsages(db, res, comps, b.usages, when, me.id);
    return c.body(null, 201);
  });

  const userUsage = v.object({
    username: requiredStr(255),
    usage: amount(),
    user: v.optional(v.nullable(str(500))),
    date: v.optional(v.nullable(isoDateTime()), null),
    description: optStr(2000),
  });

  async function setUserUsages(c: Context<AppEnv>, items: v.InferOutput<typeof userUsage>[]) {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const cu = await db.select().from(componentUsages).where(eq(componentUsages.uuid, pathUuid(c.req.param("uuid")))).get();
    if (!cu) throw notFound();
    const res = (await db.select().from(resources).where(eq(resources.id, cu.resourceId)).get())!;
    const offering = (await db.select().from(offerings).where(eq(offerings.id, res.offeringId)).get())!;
    if (!(await managesOffering(db, me, offering))) throw notFound();
    const now = nowIso();
    for (const it of items) {
      const ouUuid = it.user ? parseUuid(it.user.match(/\/([^/]+)\/?$/)?.[1] ?? it.user) : null;
      const ou = ouUuid ? await db.select().from(offeringUsers).where(eq(offeringUsers.uuid, ouUuid)).get() : undefined;
      await db
        .insert(componentUserUsages)
        .values({ uuid: newUuid(), componentUsageId: cu.id, offeringUserId: ou?.id ?? null, username: it.username, usage: it.usage, date: it.date ?? now, description: it.description, created: now, modified: now })
        .onConflictDoUpdate({ target: [componentUserUsages.componentUsageId, componentUserUsages.username], set: { usage: it.usage, date: it.date ?? now, modified: now, offeringUserId: ou?.id ?? null } });
    }
    return c.body(null, 201);
  }
  app.post(`${BASE}/:uuid/set_user_usage/`, async (c) => setUserUsages(c, [await body(c, userUsage)]));
  app.post(`${BASE}/:uuid/set_user_usages/`, async (c) => {
    const b = await body(c, v.object({ usages: v.pipe(v.array(userUsage), v.minLength(1, "This list may not be empty."), v.maxLength(1000)) }));
    return setUserUsages(c, b.usages);
  });

  app.get("/api/marketplace-component-user-usages/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [seesEverything(me) ? undefined : inArray(componentUsages.resourceId, visibleResourceIds(c, me))];
    const rs = qUuids(c, "resource_uuid");
    if (rs.length) conds.push(inArray(componentUsages.resourceId, db.select({ id: resources.id }).from(resources).where(inArray(resources.uuid, rs))));
    const period = qOne(c, "component_usage__billing_period") ?? qOne(c, "billing_period");
    if (period) conds.push(eq(componentUsages.billingPeriod, `${period.slice(0, 7)}-01`));
    const username = qOne(c, "username");
    if (username) conds.push(eq(componentUserUsages.username, username));
    const where = and(...conds);
    const p = pageOf(c);
    const base = db.select({ n: count() }).from(componentUserUsages).innerJoin(componentUsages, eq(componentUsages.id, componentUserUsages.componentUsageId)).where(where);
    const total = (await base.get())?.n ?? 0;
    const rows = await db
      .select({ uu: componentUserUsages, u: componentUsages, comp: offeringComponents, r: resources, ou: offeringUsers.uuid })
      .from(componentUserUsages)
      .innerJoin(componentUsages, eq(componentUsages.id, componentUserUsages.componentUsageId))
      .innerJoin(offeringComponents, eq(offeringComponents.id, componentUsages.componentId))
      .innerJoin(resources, eq(resources.id, componentUsages.resourceId))
      .leftJoin(offeringUsers, eq(offeringUsers.id, componentUserUsages.offeringUserId))
      .where(where)
      .orderBy(componentUserUsages.id)
      .limit(p.size)
      .offset(p.offset)
      .all();
    const rel = await loadRelated(db, { resources: rows.map((x) => x.r) });
    const links = linksFor(c);
    return paginated(c, p, total, rows.map((x) => serializeUserUsage(links, x.uu, x.u, x.comp, x.r, rel, x.ou)));
  });

  // ---- per-user limits
  const LIM = "/api/component-user-usage-limits";
  const renderLimit = (c: Context<AppEnv>, l: typeof componentUserUsageLimits.$inferSelect, r: Resource, comp: typeof offeringComponents.$inferSelect) => {
    const links = linksFor(c);
    return { url: `${links.base}${LIM}/${l.uuid}/`, uuid: l.uuid, resource: links.to("marketplace-resources", r.uuid), component: comp.uuid, component_type: comp.type, user: l.username, limit: l.limit };
  };
  app.get(`${LIM}/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [seesEverything(me) ? undefined : inArray(componentUserUsageLimits.resourceId, visibleResourceIds(c, me))];
    const rs = qUuids(c, "resource_uuid");
    if (rs.length) conds.push(inArray(componentUserUsageLimits.resourceId, db.select({ id: resources.id }).from(resources).where(inArray(resources.uuid, rs))));
    const where = and(...conds);
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(componentUserUsageLimits).where(where).get())?.n ?? 0;
    const rows = await db
      .select({ l: componentUserUsageLimits, r: resources, comp: offeringComponents })
      .from(componentUserUsageLimits)
      .innerJoin(resources, eq(resources.id, componentUserUsageLimits.resourceId))
      .innerJoin(offeringComponents, eq(offeringComponents.id, componentUserUsageLimits.componentId))
      .where(where)
      .orderBy(componentUserUsageLimits.id)
      .limit(p.size)
      .offset(p.offset)
      .all();
    return paginated(c, p, total, rows.map((x) => renderLimit(c, x.l, x.r, x.comp)));
  });
  app.post(`${LIM}/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const b = await body(c, v.object({ resource: requiredStr(500), component: requiredStr(500), user: requiredStr(255), limit: amount() }));
    const ru = parseUuid(b.resource.match(/\/([^/]+)\/?$/)?.[1] ?? b.resource);
    const r = ru ? await findResource(db, me, ru, "provider").catch(() => undefined) : undefined;
    if (!r) throw fieldError("resource", "Object does not exist.");
    const compUuid = parseUuid(b.component.match(/\/([^/]+)\/?$/)?.[1] ?? b.component);
    const comp = compUuid
      ? await db.select().from(offeringComponents).where(and(eq(offeringComponents.offeringId, r.offeringId), eq(offeringComponents.uuid, compUuid))).get()
      : undefined;
    if (!comp) throw fieldError("component", "Not a component of the resource's offering.");
    const now = nowIso();
    const row = await db
      .insert(componentUserUsageLimits)
      .values({ uuid: newUuid(), resourceId: r.id, componentId: comp.id, username: b.user, limit: b.limit, created: now, modified: now })
      .onConflictDoUpdate({ target: [componentUserUsageLimits.resourceId, componentUserUsageLimits.componentId, componentUserUsageLimits.username], set: { limit: b.limit, modified: now } })
      .returning()
      .get();
    return c.json(renderLimit(c, row, r, comp), 201);
  });
  app.delete(`${LIM}/:uuid/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const row = await db.select().from(componentUserUsageLimits).where(eq(componentUserUsageLimits.uuid, pathUuid(c.req.param("uuid")))).get();
    if (!row) throw notFound();
    const r = (await db.select().from(resources).where(eq(resources.id, row.resourceId)).get())!;
    const offering = (await db.select().from(offerings).where(eq(offerings.id, r.offeringId)).get())!;
    if (!(await managesOffering(db, me, offering))) throw notFound();
    await db.delete(componentUserUsageLimits).where(eq(componentUserUsageLimits.id, row.id));
    return c.body(null, 204);
  });

}
