// /api/marketplace-orders/: placing orders, the approval workflow and the provider's state actions.
import { and, count, eq, gte, like, lte, or, type SQL, sql } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { canOrderIn, managesOffering, offeringManaged } from "../auth/access.ts";
import { requireUser, type User } from "../auth/session.ts";
import { categories, customers, offerings, orders, plans, projects, resources } from "../db/schema/index.ts";
import type { OrderState } from "../db/schema/marketplace.ts";
import { ApiError, fieldError, permissionDenied } from "../http/errors.ts";
import { nowIso, pathUuid } from "../http/ids.ts";
import { ordering, pageOf, paginated, qAll, qBool, qChoices, qOne, qUuids, sparse } from "../http/list.ts";
import { hyperlink, linksFor, planHyperlink } from "../http/links.ts";
import { body, bool, choice, isoDate, jsonObject, limitsMap, str, v } from "../http/validate.ts";
import { chainViewOf, chainViews } from "../bridge/chain/view.ts";
import { findPublicOffering } from "../marketplace/catalog/queries.ts";
import { loadBundles, serializeOffering } from "../marketplace/catalog/serialize.ts";
import { AGENT_TYPES, MANUAL_TYPES } from "../marketplace/catalog/types.ts";
import { dispatchOrder } from "../marketplace/execution/dispatch.ts";
import { pluginFor } from "../plugins/registry.ts";
import { loadRelated, type Order } from "../marketplace/orders/context.ts";
import { createOrder } from "../marketplace/orders/create.ts";
import { findOrder, orderVisible } from "../marketplace/orders/queries.ts";
import { serializeOrder } from "../marketplace/orders/serialize.ts";
import { moveOrder, PENDING } from "../marketplace/orders/workflow.ts";
import { sealNewOrderAttributes } from "../secrets/order-attributes.ts";
import { SMALL_ENVELOPE } from "../secrets/sealed-records.ts";
import { findProject } from "../structure/customers.ts";

const BASE = "/api/marketplace-orders";
export const ORDER_STATES = ["pending-consumer", "pending-provider", "pending-project", "pending-start-date", "executing", "done", "erred", "canceled", "rejected"] as const;
const ORDER_TYPES = ["Create", "Update", "Terminate", "Restore"] as const;

const createSchema = v.object({
  offering: hyperlink("marketplace-public-offerings"),
  project: hyperlink("projects"),
  plan: v.optional(v.nullable(planHyperlink()), null),
  attributes: v.optional(jsonObject(), {}),
  /** The attributes as a VEENV envelope the client sealed (openapi/sealed-flows.md). */
  attributes_envelope: v.optional(v.nullable(str(SMALL_ENVELOPE * 2)), null),
  limits: v.optional(limitsMap(), {}),
  accepting_terms_of_service: v.optional(bool(), false),
  callback_url: v.optional(v.nullable(v.pipe(str(500), v.url("Enter a valid URL."))), null),
  request_comment: v.optional(v.nullable(str(2000)), null),
  start_date: v.optional(v.nullable(isoDate()), null),
  type: v.optional(choice(ORDER_TYPES), "Create"),
});

export async function renderOrders(c: Context<AppEnv>, rows: Order[]) {
  const [rel, chain] = await Promise.all([loadRelated(c.var.db, { orders: rows }), chainViews(c.var.db, "order", rows.map((o) => o.uuid))]);
  const links = linksFor(c);
  return rows.map((o) => ({ ...serializeOrder(links, o, rel), ...chainViewOf(chain, o.uuid) }));
}

async function renderOne(c: Context<AppEnv>, o: Order) {
  return sparse(c, (await renderOrders(c, [o]))[0]!);
}

const offeringOf = async (c: Context<AppEnv>, o: Order) => (await c.var.db.select().from(offerings).where(eq(offerings.id, o.offeringId)).get())!;
const projectOf = async (c: Context<AppEnv>, o: Order) => (await c.var.db.select().from(projects).where(eq(projects.id, o.projectId)).get())!;

function filters(c: Context<AppEnv>, me: User): (SQL | undefined)[] {
  const db = c.var.db;
  const conds: (SQL | undefined)[] = [orderVisible(db, me)];
  const states = qChoices(c, "state", ORDER_STATES);
  if (states.length) conds.push(inArray(orders.state, states as OrderState[]));
  const types = qChoices(c, "type", ORDER_TYPES);
  if (types.length) conds.push(inArray(orders.type, types as (typeof ORDER_TYPES)[number][]));
  const offs = qUuids(c, "offering_uuid");
  if (offs.length) conds.push(inArray(orders.offeringId, db.select({ id: offerings.id }).from(offerings).where(inArray(offerings.uuid, offs))));
  const offTypes = qAll(c, "offering_type");
  if (offTypes.length) conds.push(inArray(orders.offeringId, db.select({ id: offerings.id }).from(offerings).where(inArray(offerings.type, offTypes))));
  const projs = qUuids(c, "project_uuid");
  if (projs.length) conds.push(inArray(orders.projectId, db.select({ id: projects.id }).from(projects).where(inArray(projects.uuid, projs))));
  const custs = qUuids(c, "customer_uuid");
  if (custs.length) {
    conds.push(
      inArray(
        orders.projectId,
        db.select({ id: projects.id }).from(projects).where(inArray(projects.customerId, db.select({ id: customers.id }).from(customers).where(inArray(customers.uuid, custs)))),
      ),
    );
  }
  const provs = qUuids(c, "provider_uuid");
  if (provs.length) {
    conds.push(
      inArray(
        orders.offeringId,
        db.select({ id: offerings.id }).from(offerings).where(inArray(offerings.customerId, db.select({ id: customers.id }).from(customers).where(inArray(customers.uuid, provs)))),
      ),
    );
  }
  const cats = qUuids(c, "category_uuid");
  if (cats.length) {
    conds.push(
      inArray(
        orders.offeringId,
        db.select({ id: offerings.id }).from(offerings).where(inArray(offerings.categoryId, db.select({ id: categories.id }).from(categories).where(inArray(categories.uuid, cats)))),
      ),
    );
  }
  const res = qUuids(c, "resource_uuid");
  if (res.length) conds.push(inArray(orders.resourceId, db.select({ id: resources.id }).from(resources).where(inArray(resources.uuid, res))));
  const resName = qOne(c, "resource_name");
  if (resName) conds.push(inArray(orders.resourceId, db.select({ id: resources.id }).from(resources).where(like(resources.name, `%${resName}%`))));
  for (const [param, col, cmp] of [
    ["created", orders.created, gte],
    ["created_before", orders.created, lte],
    ["modified", orders.modified, gte],
    ["modified_before", orders.modified, lte],
  ] as const) {
    const val = qOne(c, param);
    if (val) {
      const t = Date.parse(val);
      if (Number.isNaN(t)) throw fieldError(param, "Enter a valid date/time.");
      conds.push(cmp(col, new Date(t).toISOString()));
    }
  }
  const q = qOne(c, "query");
  if (q) conds.push(or(like(orders.slug, `%${q}%`), inArray(orders.resourceId, db.select({ id: resources.id }).from(resources).where(like(resources.name, `%${q}%`)))));
  if (qBool(c, "can_approve_as_provider")) conds.push(and(eq(orders.state, "pending-provider"), offeringManaged(db, me, orders.offeringId)));
  if (qBool(c, "can_approve_as_consumer")) conds.push(eq(orders.state, "pending-consumer"));
  return conds;
}

export function mountOrders(app: Hono<AppEnv>) {
  app.get(`${BASE}/`, async (c) => {
    const me = requireUser(c.var.user);
    const where = and(...filters(c, me));
    const p = pageOf(c);
    const total = (await c.var.db.select({ n: count() }).from(orders).where(where).get())?.n ?? 0;
    const rows = await c.var.db
      .select()
      .from(orders)
      .where(where)
      // cost is an exact decimal kept as text: ordered by its value (8 before 15), never summed here.
      .orderBy(...ordering(c, { created: orders.created, state: orders.state, cost: sql`cast(${orders.cost} as real)`, consumer_reviewed_at: orders.consumerReviewedAt }, [orders.created, orders.id]))
      .limit(p.size)
      .offset(p.offset)
      .all();
    return paginated(c, p, total, await renderOrders(c, rows));
  });

  app.post(`${BASE}/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const b = await body(c, createSchema);
    if (b.type !== "Create") {
      throw fieldError("type", "Only Create orders are placed here; Update and Terminate orders come from the resource's actions.");
    }
    const offering = await findPublicOffering(db, me, b.offering).catch(() => {
      throw fieldError("offering", "Invalid hyperlink - Object does not exist.");
    });
    const project = await findProject(db, me, b.project).catch(() => {
      throw fieldError("project", "Invalid hyperlink - Object does not exist.");
    });
    let planId: number | null = null;
    if (b.plan) {
      const plan = await db.select().from(plans).where(eq(plans.uuid, b.plan.plan)).get();
      if (!plan || plan.offeringId !== offering.id || (b.plan.offering && b.plan.offering !== offering.uuid)) {
        throw fieldError("plan", "Plan does not belong to this offering.");
      }
      if (plan.archived) throw fieldError("plan", "Plan is archived.");
      planId = plan.id;
    }
    // Sealed before the order exists, so the order is never written without its envelope.
    const sealed = await sealNewOrderAttributes(db, c.env, me, offering, project, { attributes: b.attributes, envelope: b.attributes_envelope });
    const order = await createOrder(db, me, {
      uuid: sealed.orderUuid,
      offering,
      project,
      planId,
      attributes: sealed.publicAttributes,
      limits: b.limits,
      requestComment: b.request_comment,
      callbackUrl: b.callback_url,
      startDate: b.start_date,
      acceptingTerms: b.accepting_terms_of_service,
    }).catch(async (e) => {
      await sealed.undo();
      throw e;
    });
    await dispatchOrder(c.env, order, offering);
    return c.json(await renderOne(c, order), 201);
  });

  app.get(`${BASE}/:uuid/`, async (c) => {
    const me = requireUser(c.var.user);
    return c.json(await renderOne(c, await findOrder(c.var.db, me, pathUuid(c.req.param("uuid")))));
  });

  app.get(`${BASE}/:uuid/offering/`, async (c) => {
    const me = requireUser(c.var.user);
    const o = await findOrder(c.var.db, me, pathUuid(c.req.param("uuid")));
    const [b] = await loadBundles(c.var.db, [await offeringOf(c, o)]);
    return c.json(sparse(c, serializeOffering(linksFor(c), b!, "public")));
  });

  /** Loads the order and checks the caller's side: consumer (orders in the project) or provider. */
  async function orderFor(c: Context<AppEnv>, side: "consumer" | "provider" | "either") {
    const me = requireUser(c.var.user);
    const o = await findOrder(c.var.db, me, pathUuid(c.req.param("uuid")));
    const offering = await offeringOf(c, o);
    const project = await projectOf(c, o);
    const isProvider = await managesOffering(c.var.db, me, offering);
    const isConsumer = await canOrderIn(c.var.db, me, project);
    const ok = side === "provider" ? isProvider : side === "consumer" ? isConsumer : isProvider || isConsumer;
    if (!ok) throw permissionDenied();
    return { me, o, offering, project };
  }

  const typeOnly = (allowed: readonly string[], type: string) => {
    if (!allowed.includes(type)) throw new ApiError(405, { detail: `The order's offering with ${type} type does not support this action` });
  };
  // The provider's hand-moves: for manual and agent types, and for any type no plugin serves here
  // (nothing else would ever finish those orders, while their chain lease keeps charging).
  const providerMoves = (c: Context<AppEnv>, offering: Awaited<ReturnType<typeof offeringOf>>) => {
    if (!pluginFor(c.env, offering).ok) return;
    typeOnly([...AGENT_TYPES, ...MANUAL_TYPES], offering.type);
  };

  app.post(`${BASE}/:uuid/approve_by_consumer/`, async (c) => {
    const { me, o, offering } = await orderFor(c, "consumer");
    const next = (await managesOffering(c.var.db, me, offering)) ? "executing" : ["Marketplace.Slurm", "Marketplace.Basic", "Support.OfferingTemplate", "Waldur.RemoteOffering"].includes(offering.type) ? "pending-provider" : "executing";
    const moved = await moveOrder(c.var.db, o, ["pending-consumer"], next, { consumerReviewedById: me.id, consumerReviewedAt: nowIso() });
    await dispatchOrder(c.env, moved, offering);
    return c.json({ detail: "Order has been approved." });
  });

  app.post(`${BASE}/:uuid/reject_by_consumer/`, async (c) => {
    const { me, o } = await orderFor(c, "consumer");
    const b = await body(c, v.object({ consumer_rejection_comment: v.optional(str(2000), ""), error_message: v.optional(str(2000)), error_traceback: v.optional(str(20000)) }));
    await moveOrder(c.var.db, o, ["pending-consumer"], "rejected", { consumerReviewedById: me.id, consumerReviewedAt: nowIso(), consumerRejectionComment: b.consumer_rejection_comment });
    return c.json({ detail: "Order has been rejected." });
  });

  app.post(`${BASE}/:uuid/approve_by_provider/`, async (c) => {
    const { me, o, offering } = await orderFor(c, "provider");
    await body(c, v.object({ attributes: v.optional(jsonObject()) }));
    const moved = await moveOrder(c.var.db, o, ["pending-provider"], "executing", { providerReviewedById: me.id, providerReviewedAt: nowIso() });
    await dispatchOrder(c.env, moved, offering);
    return c.json({ detail: "Order has been approved." });
  });

  app.post(`${BASE}/:uuid/reject_by_provider/`, async (c) => {
    const { me, o } = await orderFor(c, "provider");
    const b = await body(c, v.object({ provider_rejection_comment: v.optional(str(2000), "") }));
    await moveOrder(c.var.db, o, ["pending-provider"], "rejected", { providerReviewedById: me.id, providerReviewedAt: nowIso(), providerRejectionComment: b.provider_rejection_comment });
    return c.json({ detail: "Order has been rejected." });
  });

  app.post(`${BASE}/:uuid/cancel/`, async (c) => {
    const { o, offering } = await orderFor(c, "either");
    typeOnly(MANUAL_TYPES, offering.type);
    await moveOrder(c.var.db, o, ["pending-consumer", "pending-provider", "executing"], "canceled");
    return c.json({ detail: "Order has been canceled." }, 202);
  });

  app.post(`${BASE}/:uuid/set_state_executing/`, async (c) => {
    const { o, offering } = await orderFor(c, "provider");
    typeOnly([...AGENT_TYPES, ...MANUAL_TYPES], offering.type);
    await moveOrder(c.var.db, o, ["pending-consumer", "pending-provider", "erred"], "executing", { errorMessage: "", errorTraceback: "" });
    return c.json({ detail: "Order state has been changed to executing." });
  });

  app.post(`${BASE}/:uuid/set_state_done/`, async (c) => {
    const { o, offering } = await orderFor(c, "provider");
    providerMoves(c, offering);
    await moveOrder(c.var.db, o, ["executing"], "done");
    return c.json({ detail: "Order state has been changed to done." });
  });

  app.post(`${BASE}/:uuid/set_state_erred/`, async (c) => {
    const { o, offering } = await orderFor(c, "provider");
    providerMoves(c, offering);
    const b = await body(c, v.object({ error_message: v.optional(str(10_000), ""), error_traceback: v.optional(str(100_000), "") }));
    await moveOrder(c.var.db, o, [...PENDING, "executing"], "erred", { errorMessage: b.error_message, errorTraceback: b.error_traceback });
    return c.json({ detail: "Order state has been changed to erred." });
  });

  app.post(`${BASE}/:uuid/set_backend_id/`, async (c) => {
    const { o } = await orderFor(c, "provider");
    const b = await body(c, v.object({ backend_id: v.pipe(v.string("This field is required."), v.maxLength(255)) }));
    await c.var.db.update(orders).set({ backendId: b.backend_id, modified: nowIso() }).where(eq(orders.id, o.id));
    return c.json({ status: "Order backend_id has been changed." });
  });

  app.post(`${BASE}/:uuid/set_provider_info/`, async (c) => {
    const { o } = await orderFor(c, "provider");
    const b = await body(c, v.object({ provider_message: v.optional(str(10_000), ""), provider_message_url: v.optional(str(500), "") }));
    await c.var.db.update(orders).set({ providerMessage: b.provider_message, providerMessageUrl: b.provider_message_url, modified: nowIso() }).where(eq(orders.id, o.id));
    return c.json({ detail: "Provider info has been updated." });
  });

  app.post(`${BASE}/:uuid/set_consumer_info/`, async (c) => {
    const { o } = await orderFor(c, "consumer");
    const b = await body(c, v.object({ consumer_message: v.optional(str(10_000), "") }));
    await c.var.db.update(orders).set({ consumerMessage: b.consumer_message, modified: nowIso() }).where(eq(orders.id, o.id));
    return c.json({ detail: "Consumer info has been updated." });
  });

  app.delete(`${BASE}/:uuid/`, async (c) => {
    const { o } = await orderFor(c, "consumer");
    // Withdrawing an order that nobody acted on yet: as a cancel, keeping the record.
    await moveOrder(c.var.db, o, ["pending-consumer", "pending-provider"], "canceled");
    return c.body(null, 204);
  });

  app.post(`${BASE}/:uuid/unlink/`, async (c) => {
    const me = requireUser(c.var.user);
    const o = await findOrder(c.var.db, me, pathUuid(c.req.param("uuid")));
    if (!me.isStaff) throw permissionDenied();
    await c.var.db.delete(orders).where(eq(orders.id, o.id));
    return c.body(null, 204);
  });

}
