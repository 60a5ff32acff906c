// /api/marketplace-resources/ (the consumer's view) and /api/marketplace-provider-resources/
// (the provider's view and the site agent's actions).
import { and, count, eq, like, or, type SQL } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { canOrderIn, managesOffering, seesEverything } from "../auth/access.ts";
import { requireUser, } from "../auth/session.ts";
import {
  componentUsages,
  customers,
  offeringComponents,
  offeringUsers,
  offerings,
  orders,
  plans,
  projects,
  resourcePlanPeriods,
  resources,
  roleGrants,
  users,
} from "../db/schema/index.ts";
import type { ResourceState } from "../db/schema/marketplace.ts";
import { fieldError, invalidState, permissionDenied, viewError } from "../http/errors.ts";
import { newUuid, nowIso, pathUuid } from "../http/ids.ts";
import { ordering, pageOf, paginated, qAll, qBool, qChoices, qOne, qUuids, sparse } from "../http/list.ts";
import { linksFor, planHyperlink } from "../http/links.ts";
import { body, bool, isoDate, jsonObject, limitsMap, requiredStr, str, v } from "../http/validate.ts";
import { loadBundles, serializeOffering } from "../marketplace/catalog/serialize.ts";
import { dispatchOrder, dispatchPause } from "../marketplace/execution/dispatch.ts";
import { loadRelated, type Resource } from "../marketplace/orders/context.ts";
import { checkLimits, createFollowUpOrder } from "../marketplace/orders/create.ts";
import { consumerResourceVisible, findResource, providerResourceVisible } from "../marketplace/orders/queries.ts";
import { serializeResource } from "../marketplace/resources/serialize.ts";
import { fullName, oldRoleName } from "../structure/users.ts";

const CONSUMER = "/api/marketplace-resources";
const PROVIDER = "/api/marketplace-provider-resources";
const STATES = ["Creating", "OK", "Erred", "Updating", "Terminating", "Terminated"] as const;

export async function renderResources(c: Context<AppEnv>, rows: Resource[]) {
  const ords = rows.length ? await c.var.db.select().from(orders).where(inArray(orders.resourceId, rows.map((r) => r.id))).all() : [];
  const full = await loadRelated(c.var.db, { resources: rows, orders: ords });
  const links = linksFor(c);
  return rows.map((r) => serializeResource(links, r, full, ords));
}

function filters(c: Context<AppEnv>): (SQL | undefined)[] {
  const db = c.var.db;
  const conds: (SQL | undefined)[] = [];
  const states = qChoices(c, "state", STATES);
  if (states.length) conds.push(inArray(resources.state, states as ResourceState[]));
  const offs = qUuids(c, "offering_uuid");
  if (offs.length) conds.push(inArray(resources.offeringId, db.select({ id: offerings.id }).from(offerings).where(inArray(offerings.uuid, offs))));
  const offTypes = qAll(c, "offering_type");
  if (offTypes.length) conds.push(inArray(resources.offeringId, db.select({ id: offerings.id }).from(offerings).where(inArray(offerings.type, offTypes))));
  const projs = qUuids(c, "project_uuid");
  if (projs.length) conds.push(inArray(resources.projectId, db.select({ id: projects.id }).from(projects).where(inArray(projects.uuid, projs))));
  const custs = qUuids(c, "customer_uuid");
  if (custs.length) {
    conds.push(
      inArray(
        resources.projectId,
        db.select({ id: projects.id }).from(projects).where(inArray(projects.customerId, db.select({ id: customers.id }).from(customers).where(inArray(customers.uuid, custs)))),
      ),
    );
  }
  const provs = qUuids(c, "provider_uuid");
  if (provs.length) {
    conds.push(
      inArray(
        resources.offeringId,
        db.select({ id: offerings.id }).from(offerings).where(inArray(offerings.customerId, db.select({ id: customers.id }).from(customers).where(inArray(customers.uuid, provs)))),
      ),
    );
  }
  const backendId = qOne(c, "backend_id");
  if (backendId) conds.push(eq(resources.backendId, backendId));
  const name = qOne(c, "name");
  if (name) conds.push(like(resources.name, `%${name}%`));
  const exact = qOne(c, "name_exact");
  if (exact) conds.push(eq(resources.name, exact));
  const slug = qOne(c, "slug");
  if (slug) conds.push(eq(resources.slug, slug));
  const q = qOne(c, "query");
  if (q) conds.push(or(like(resources.name, `%${q}%`), like(resources.backendId, `%${q}%`), like(resources.slug, `%${q}%`)));
  const plan = qUuids(c, "plan_uuid");
  if (plan.length) conds.push(inArray(resources.planId, db.select({ id: plans.id }).from(plans).where(inArray(plans.uuid, plan))));
  for (const [param, col] of [["paused", resources.paused], ["downscaled", resources.downscaled], ["restrict_member_access", resources.restrictMemberAccess]] as const) {
    const b = qBool(c, param);
    if (b !== undefined) conds.push(eq(col, b));
  }
  return conds;
}

async function list(c: Context<AppEnv>, visible: SQL | undefined) {
  const where = and(visible, ...filters(c));
  const p = pageOf(c);
  const total = (await c.var.db.select({ n: count() }).from(resources).where(where).get())?.n ?? 0;
  const rows = await c.var.db
    .select()
    .from(resources)
    .where(where)
    .orderBy(...ordering(c, { created: resources.created, name: resources.name, state: resources.state, end_date: resources.endDate }, [resources.created, resources.id]))
    .limit(p.size)
    .offset(p.offset)
    .all();
  return paginated(c, p, total, await renderResources(c, rows));
}

async function context(c: Context<AppEnv>, view: "consumer" | "provider") {
  const me = requireUser(c.var.user);
  const r = await findResource(c.var.db, me, pathUuid(c.req.param("uuid")), view);
  const offering = (await c.var.db.select().from(offerings).where(eq(offerings.id, r.offeringId)).get())!;
  const project = (await c.var.db.select().from(projects).where(eq(projects.id, r.projectId)).get())!;
  return { me, r, offering, project };
}

/** Provider-side actions: the offering's managers (and staff). */
async function providerContext(c: Context<AppEnv>) {
  const ctx = await context(c, "provider");
  if (!(await managesOffering(c.var.db, ctx.me, ctx.offering))) throw permissionDenied();
  return ctx;
}

async function setResource(c: Context<AppEnv>, id: number, set: Partial<typeof resources.$inferInsert>) {
  await c.var.db.update(resources).set({ ...set, modified: nowIso() }).where(eq(resources.id, id));
}

/** Team of a resource's project with offering usernames (Waldur's ProjectUser). */
async function team(c: Context<AppEnv>, r: Resource) {
  const db = c.var.db;
  const rows = await db
    .select({ g: roleGrants, u: users })
    .from(roleGrants)
    .innerJoin(users, eq(users.id, roleGrants.userId))
    .where(and(eq(roleGrants.scopeType, "project"), eq(roleGrants.scopeId, r.projectId)))
    .orderBy(roleGrants.id)
    .all();
  const ous = rows.length
    ? await db.select().from(offeringUsers).where(and(eq(offeringUsers.offeringId, r.offeringId), inArray(offeringUsers.userId, rows.map((x) => x.u.id)))).all()
    : [];
  const links = linksFor(c);
  return rows.map(({ g, u }) => {
    const ou = ous.find((x) => x.userId === u.id);
    return {
      url: links.to("users", u.uuid),
      uuid: u.uuid,
      username: u.username,
      full_name: fullName(u),
      email: u.email,
      role: oldRoleName(g.role),
      expiration_time: g.expirationTime,
      offering_user_username: ou?.username || null,
      offering_user_state: ou?.state ?? null,
    };
  });
}

export function mountResources(app: Hono<AppEnv>) {
  app.get(`${CONSUMER}/`, async (c) => {
    const me = requireUser(c.var.user);
    return list(c, seesEverything(me) ? undefined : or(consumerResourceVisible(c.var.db, me), providerResourceVisible(c.var.db, me)));
  });
  app.get(`${PROVIDER}/`, async (c) => {
    const me = requireUser(c.var.user);
    return list(c, providerResourceVisible(c.var.db, me));
  });

  for (const [base, view] of [[CONSUMER, "consumer"], [PROVIDER, "provider"]] as const) {
    app.get(`${base}/:uuid/`, async (c) => {
      const { r } = await context(c, view);
      return c.json(sparse(c, (await renderResources(c, [r]))[0]!));
    });

    const update = async (c: Context<AppEnv>) => {
      const { me, r, project, offering } = await context(c, view);
      const allowed = (await canOrderIn(c.var.db, me, project)) || (await managesOffering(c.var.db, me, offering));
      if (!allowed) throw permissionDenied();
      const b = await body(c, v.partial(v.object({ name: requiredStr(150), description: str(2000), end_date: v.nullable(isoDate()) })));
      await setResource(c, r.id, {
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.description !== undefined ? { description: b.description } : {}),
        ...(b.end_date !== undefined ? { endDate: b.end_date } : {}),
      });
      const row = (await c.var.db.select().from(resources).where(eq(resources.id, r.id)).get())!;
      return c.json({ name: row.name, description: row.description, end_date: row.endDate });
    };
    app.put(`${base}/:uuid/`, update);
    app.patch(`${base}/:uuid/`, update);

    app.post(`${base}/:uuid/terminate/`, async (c) => {
      const { me, r, offering, project } = await context(c, view);
      if (!["OK", "Erred"].includes(r.state)) throw invalidState(["OK", "Erred"]);
      const b = await body(c, v.object({ attributes: v.optional(jsonObject(), {}) }));
      const o = await createFollowUpOrder(c.var.db, me, r, offering, project, "Terminate", { attributes: b.attributes, env: c.env });
      await dispatchOrder(c.env, o, offering);
      return c.json({ order_uuid: o.uuid });
    });

    app.get(`${base}/:uuid/team/`, async (c) => {
      const { r } = await context(c, view);
      return c.json(await team(c, r));
    });

    app.get(`${base}/:uuid/plan_periods/`, async (c) => {
      const { r } = await context(c, view);
      const monthStart = `${new Date().toISOString().slice(0, 7)}-01`;
      const rows = await c.var.db
        .select({ pp: resourcePlanPeriods, plan: plans })
        .from(resourcePlanPeriods)
        .innerJoin(plans, eq(plans.id, resourcePlanPeriods.planId))
        .where(eq(resourcePlanPeriods.resourceId, r.id))
        .all();
      const usage = await c.var.db.select({ cu: componentUsages, comp: offeringComponents }).from(componentUsages).innerJoin(offeringComponents, eq(offeringComponents.id, componentUsages.componentId)).where(eq(componentUsages.resourceId, r.id)).all();
      return c.json(
        rows
          .filter((x) => x.pp.end === null || x.pp.end >= monthStart)
          .map((x) => ({
            uuid: x.pp.uuid,
            plan_name: x.plan.name,
            plan_uuid: x.plan.uuid,
            start: x.pp.start,
            end: x.pp.end,
            components: usage
              .filter((u) => u.cu.billingPeriod >= monthStart)
              .map((u) => ({ uuid: u.cu.uuid, created: u.cu.created, description: u.cu.description, type: u.comp.type, name: u.comp.name, measured_unit: u.comp.measuredUnit, usage: u.cu.usage, date: u.cu.date, recurring: u.cu.recurring })),
          })),
      );
    });

    app.get(`${base}/:uuid/offering/`, async (c) => {
      const { offering } = await context(c, view);
      const [b] = await loadBundles(c.var.db, [offering]);
      return c.json(sparse(c, serializeOffering(linksFor(c), b!, "public")));
    });

    app.get(`${base}/:uuid/details/`, async (c) => {
      const { r } = await context(c, view);
      // No plugin scope object is kept beyond backend metadata: Waldur answers 204 then.
      if (Object.keys(r.backendMetadata).length === 0) return c.body(null, 204);
      return c.json(r.backendMetadata);
    });

    app.post(`${base}/:uuid/set_as_erred/`, async (c) => {
      const { r } = await providerContext(c);
      const b = await body(c, v.object({ error_message: v.optional(str(10_000), ""), error_traceback: v.optional(str(100_000), "") }));
      await setResource(c, r.id, { state: "Erred", errorMessage: b.error_message, errorTraceback: b.error_traceback });
      return c.json({ status: "Resource has been marked as erred." });
    });

    for (const action of ["set_as_ok", "set_state_ok"]) {
      app.post(`${base}/:uuid/${action}/`, async (c) => {
        const { r } = await providerContext(c);
        if (!["Erred", "Creating", "Updating", "Terminating", "OK"].includes(r.state)) throw invalidState(["Erred", "Creating", "Updating", "Terminating"]);
        await setResource(c, r.id, { state: "OK", errorMessage: "", errorTraceback: "" });
        return c.json({ status: "Resource has been marked as OK." });
      });
    }

    app.post(`${base}/:uuid/pull/`, async (c) => {
      await context(c, view);
      return c.json({ detail: "Resource synchronization has been scheduled." }, 202);
    });

    app.post(`${base}/:uuid/unlink/`, async (c) => {
      const { me, r } = await context(c, view);
      if (!me.isStaff) throw permissionDenied();
      await c.var.db.delete(orders).where(eq(orders.resourceId, r.id));
      await c.var.db.delete(resources).where(eq(resources.id, r.id));
      return c.body(null, 204);
    });
  }

  // ---- consumer actions
  app.post(`${CONSUMER}/:uuid/update_limits/`, async (c) => {
    const { me, r, offering, project } = await context(c, "consumer");
    const b = await body(c, v.object({ limits: limitsMap(), request_comment: v.optional(v.nullable(str(2000)), null) }));
    if (r.state !== "OK") throw invalidState(["OK"]);
    const comps = await c.var.db.select().from(offeringComponents).where(eq(offeringComponents.offeringId, offering.id)).all();
    checkLimits(comps, b.limits);
    if (JSON.stringify(Object.entries(b.limits).sort()) === JSON.stringify(Object.entries(r.limits).sort())) {
      throw viewError("Impossible to create update orders with limits set to exactly the same.");
    }
    const o = await createFollowUpOrder(c.var.db, me, r, offering, project, "Update", {
      limits: b.limits,
      attributes: { old_limits: r.limits },
      requestComment: b.request_comment,
    });
    await dispatchOrder(c.env, o, offering);
    return c.json({ order_uuid: o.uuid });
  });

  app.post(`${CONSUMER}/:uuid/switch_plan/`, async (c) => {
    const { me, r, offering, project } = await context(c, "consumer");
    const b = await body(c, v.object({ plan: planHyperlink() }));
    if (r.state !== "OK") throw invalidState(["OK"]);
    const plan = await c.var.db.select().from(plans).where(eq(plans.uuid, b.plan.plan)).get();
    if (!plan || plan.offeringId !== offering.id || plan.archived) throw fieldError("plan", "Plan is not available for this resource.");
    if (plan.id === r.planId) throw viewError("Resource already uses this plan.");
    const o = await createFollowUpOrder(c.var.db, me, r, offering, project, "Update", { planId: plan.id, limits: r.limits });
    await dispatchOrder(c.env, o, offering);
    return c.json({ order_uuid: o.uuid });
  });

  // ---- provider actions (the site agent)
  app.post(`${PROVIDER}/:uuid/set_backend_id/`, async (c) => {
    const { r } = await providerContext(c);
    const b = await body(c, v.object({ backend_id: v.optional(str(255), "") }));
    if (b.backend_id === r.backendId) return c.json({ status: "Resource backend_id is not changed." });
    await setResource(c, r.id, { backendId: b.backend_id });
    return c.json({ status: "Resource backend_id has been changed." });
  });
  app.post(`${PROVIDER}/:uuid/set_limits/`, async (c) => {
    const { r } = await providerContext(c);
    const b = await body(c, v.object({ limits: limitsMap() }));
    await setResource(c, r.id, { limits: b.limits });
    return c.json({ status: "Resource limits have been updated." });
  });
  app.post(`${PROVIDER}/:uuid/set_backend_metadata/`, async (c) => {
    const { r } = await providerContext(c);
    const b = await body(c, v.object({ backend_metadata: jsonObject() }));
    await setResource(c, r.id, { backendMetadata: b.backend_metadata });
    return c.json({ status: "The backend metadata is updated" });
  });
  app.post(`${PROVIDER}/:uuid/set_endpoints/`, async (c) => {
    const { r } = await providerContext(c);
    const b = await body(c, v.object({ endpoints: v.pipe(v.array(v.object({ name: requiredStr(255), url: v.pipe(requiredStr(500), v.url("Enter a valid URL.")) })), v.maxLength(50)) }));
    await setResource(c, r.id, { endpoints: b.endpoints.map((e) => ({ uuid: newUuid(), ...e })) });
    return c.json({ status: "Endpoints have been updated." });
  });
  app.post(`${PROVIDER}/:uuid/submit_report/`, async (c) => {
    const { r } = await providerContext(c);
    const b = await body(c, v.object({ report: v.pipe(v.array(v.object({ header: requiredStr(500), body: requiredStr(50_000) })), v.minLength(1, "This list may not be empty.")) }));
    await setResource(c, r.id, { report: b.report });
    return c.json({ status: "Report is submitted" });
  });
  app.post(`${PROVIDER}/:uuid/refresh_last_sync/`, async (c) => {
    const { r } = await providerContext(c);
    await setResource(c, r.id, { lastSync: nowIso() });
    return c.json({ status: "Last sync time has been updated." });
  });
  for (const [action, field, col] of [
    ["set_paused", "paused", "paused"],
    ["set_downscaled", "downscaled", "downscaled"],
    ["set_restrict_member_access", "restrict_member_access", "restrictMemberAccess"],
  ] as const) {
    app.post(`${PROVIDER}/:uuid/${action}/`, async (c) => {
      const { r, offering } = await providerContext(c);
      const b = await body(c, v.object({ [field]: bool() }));
      await setResource(c, r.id, { [col]: (b as Record<string, boolean>)[field] });
      // Plugin-served offerings pause on the backend too (site agents read the flag themselves).
      if (field === "paused") await dispatchPause(c.env, r, offering);
      return c.json({ status: `${field} has been updated.` });
    });
  }
  app.post(`${PROVIDER}/:uuid/set_end_date_by_provider/`, async (c) => {
    const { r } = await providerContext(c);
    const b = await body(c, v.object({ end_date: v.nullable(isoDate()) }));
    await setResource(c, r.id, { endDate: b.end_date });
    return c.json({ status: "End date has been updated." });
  });
}
