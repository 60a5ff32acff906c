// Placing orders: the Create order with its new resource, and the Update/Terminate orders that
// resource actions produce. Validation follows Waldur's validate_order (waldur-api.md §3.4).
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { canOrderIn, hasRole, managesOffering, PROVIDER_ROLES } from "../../auth/access.ts";
import type { User } from "../../auth/session.ts";
import { customers, offeringComponents, orders, plans, resources } from "../../db/schema/index.ts";
import type { OrderState, OrderType } from "../../db/schema/marketplace.ts";
import { fieldError, fieldErrors, permissionDenied, viewError } from "../../http/errors.ts";
import { newUuid, nowIso, slugify, uniqueSlug } from "../../http/ids.ts";
import type { Offering } from "../catalog/serialize.ts";
import { PROVIDER_REVIEWED_TYPES } from "../catalog/types.ts";
import { ensureOfferingUsers } from "../offering-users/sync.ts";
import type { Order, Resource } from "./context.ts";
import { coupleResource, pendingOrderFor } from "./workflow.ts";
import { orderCreatedItems } from "../../bridge/chain/marketplace.ts";
import type { Bindings } from "../../env.ts";
import { sealFollowUpAttributes } from "../../secrets/order-attributes.ts";
import { identityScoreOf } from "../../identity/scoring/current.ts";
import { orderCost } from "./cost.ts";

type Project = { id: number; uuid: string; customerId: number; startDate: string | null; endDate: string | null; isRemoved: boolean };
type Component = typeof offeringComponents.$inferSelect;

/** Limits are for limit-billed components only, within their min/max. */
export function checkLimits(components: Component[], limits: Record<string, number>) {
  const errs: Record<string, string[]> = {};
  for (const [type, value] of Object.entries(limits)) {
    const comp = components.find((c) => c.type === type);
    if (!comp) errs[type] = [`"${type}" is not a component of this offering.`];
    else if (comp.billingType !== "limit") errs[type] = [`Component "${type}" is not limit-based.`];
    else if (comp.minValue !== null && value < comp.minValue) errs[type] = [`Ensure this value is greater than or equal to ${comp.minValue}.`];
    else if (comp.maxValue !== null && value > comp.maxValue) errs[type] = [`Ensure this value is less than or equal to ${comp.maxValue}.`];
    else if (comp.maxAvailableLimit !== null && value > comp.maxAvailableLimit) errs[type] = [`Ensure this value is less than or equal to ${comp.maxAvailableLimit}.`];
  }
  if (Object.keys(errs).length) throw fieldErrors({ limits: errs });
}

/**
 * Where a new order starts (§5.2): consumer review is skipped for those who may approve in the
 * project (all who may order); provider review is skipped for auto-processed types, for remote
 * offerings with auto-approval, and when the orderer manages the offering.
 */
export async function initialState(db: Db, user: User, offering: Offering, project: Project, startDate: string | null, type: OrderType): Promise<OrderState> {
  const today = new Date().toISOString().slice(0, 10);
  if (type !== "Terminate" && project.startDate && project.startDate > today) return "pending-project";
  if (startDate && startDate > today) return "pending-start-date";
  if (await managesOffering(db, user, offering)) return "executing";
  if (offering.type === "Waldur.RemoteOffering") {
    return offering.pluginOptions.auto_approve_remote_orders === true ? "executing" : "pending-provider";
  }
  return PROVIDER_REVIEWED_TYPES.includes(offering.type) ? "pending-provider" : "executing";
}

export async function checkCustomer(db: Db, project: Project, type: OrderType) {
  const cust = await db.select().from(customers).where(eq(customers.id, project.customerId)).get();
  if (cust?.blocked) throw viewError("Blocked organization is not available.");
  if (cust?.archived && type !== "Terminate") throw viewError("Archived organization is not available.");
  const today = new Date().toISOString().slice(0, 10);
  if (type !== "Terminate" && project.endDate && project.endDate < today) throw viewError("Project has ended. Only termination orders are allowed.");
}

/** New resources only for customers whose identity score reaches the offering's minimum (issue 7). */
async function checkIdentityScore(db: Db, user: User, offering: Offering) {
  const required = offering.requiredIdentityScore;
  if (required <= 0) return;
  const mine = await identityScoreOf(db, user);
  if (mine < required) throw fieldError("offering", `This offering requires an identity score of at least ${required}; yours is ${mine}.`);
}

export interface CreateOrderInput {
  /** Set when the order's sealed attributes were bound to this uuid before the order existed. */
  uuid?: string;
  offering: Offering;
  project: Project;
  planId: number | null;
  attributes: Record<string, unknown>;
  limits: Record<string, number>;
  requestComment: string | null;
  callbackUrl: string | null;
  startDate: string | null;
  acceptingTerms: boolean;
}

export async function createOrder(db: Db, user: User, input: CreateOrderInput): Promise<Order> {
  const { offering, project } = input;
  if (!(await canOrderIn(db, user, project))) throw permissionDenied();
  await checkCustomer(db, project, "Create");
  if (!["Active", "Paused"].includes(offering.state)) throw fieldError("offering", "Offering is not available.");
  if (offering.state === "Paused") throw fieldError("offering", "Offering is paused and does not accept new orders.");
  await checkIdentityScore(db, user, offering);
  const components = await db.select().from(offeringComponents).where(eq(offeringComponents.offeringId, offering.id)).all();
  checkLimits(components, input.limits);
  if (input.planId === null) {
    const anyPlan = await db.select({ id: plans.id }).from(plans).where(and(eq(plans.offeringId, offering.id), eq(plans.archived, false))).get();
    if (anyPlan) throw fieldError("plan", "This field is required.");
  }
  const terms = typeof offering.attributes.terms_of_service === "string" && offering.attributes.terms_of_service.length > 0;
  if (offering.shared && terms && !input.acceptingTerms) {
    throw nonFieldTerms(offering.name);
  }
  const name = typeof input.attributes.name === "string" && input.attributes.name.trim() ? input.attributes.name.trim().slice(0, 150) : offering.name;
  const state = await initialState(db, user, offering, project, input.startDate, "Create");
  const now = nowIso();
  const resUuid = newUuid();
  const orderUuid = input.uuid ?? newUuid();
  const resId = sql`(SELECT id FROM resources WHERE uuid = ${resUuid})`;
  const onChain = await orderCreatedItems(db, { orderUuid, offering, planId: input.planId, limits: input.limits, state, creator: user });
  const cost = await orderCost(db, input.planId, "Create", input.limits);
  await db.batch([
    db.insert(resources).values({
      uuid: resUuid,
      offeringId: offering.id,
      planId: input.planId,
      projectId: project.id,
      name,
      slug: uniqueSlug(name),
      description: typeof input.attributes.description === "string" ? input.attributes.description.slice(0, 2000) : "",
      state: "Creating",
      attributes: input.attributes,
      limits: input.limits,
      endDate: typeof input.attributes.end_date === "string" ? input.attributes.end_date : null,
      created: now,
      modified: now,
    }),
    db.insert(orders).values({
      uuid: orderUuid,
      offeringId: offering.id,
      planId: input.planId,
      projectId: project.id,
      resourceId: resId as unknown as number,
      type: "Create",
      state,
      attributes: input.attributes,
      limits: input.limits,
      cost,
      slug: `${slugify(name)}-${orderUuid.slice(0, 6)}`,
      requestComment: input.requestComment,
      callbackUrl: input.callbackUrl,
      startDate: input.startDate,
      createdById: user.id,
      consumerReviewedById: user.id,
      consumerReviewedAt: now,
      ...(state === "executing" ? { providerReviewedAt: now } : {}),
      created: now,
      modified: now,
    }),
    ...onChain,
  ]);
  await ensureOfferingUsers(db, offering.id, project.id);
  return (await db.select().from(orders).where(eq(orders.uuid, orderUuid)).get())!;
}

function nonFieldTerms(name: string) {
  return fieldErrors({ non_field_errors: [`Terms of service for offering '${name}' have not been accepted.`] });
}

/** Update and Terminate orders from resource actions; one unfinished order per resource. */
export async function createFollowUpOrder(
  db: Db,
  user: User,
  resource: Resource,
  offering: Offering,
  project: Project,
  type: "Update" | "Terminate",
  extra: {
    limits?: Record<string, number>;
    planId?: number;
    /** Sealed like a Create order's (src/secrets/order-attributes.ts): D1 keeps only `old_limits`. */
    attributes?: Record<string, unknown>;
    requestComment?: string | null;
    /** Needed to seal attributes beyond `old_limits` (the executor key and R2). */
    env?: Bindings;
  },
): Promise<Order> {
  const allowed =
    (await canOrderIn(db, user, project)) || (type === "Terminate" && (await hasRole(db, user, "customer", offering.customerId, PROVIDER_ROLES)));
  if (!allowed) throw permissionDenied();
  await checkCustomer(db, project, type);
  if (await pendingOrderFor(db, resource.id)) throw viewError("Pending order for resource already exists.");
  const state = type === "Terminate" && (await managesOffering(db, user, offering)) ? "executing" : await initialState(db, user, offering, project, null, type);
  const now = nowIso();
  const planId = extra.planId ?? resource.planId;
  const cost = await orderCost(db, planId, type, extra.limits ?? {});
  // Sealed before the order exists, so the order is never written without its envelope.
  const sealed = await sealFollowUpAttributes(db, extra.env, user, offering, project, extra.attributes ?? {});
  const row = await db
    .insert(orders)
    .values({
      uuid: sealed.orderUuid,
      offeringId: offering.id,
      planId,
      oldPlanId: extra.planId ? resource.planId : null,
      projectId: project.id,
      resourceId: resource.id,
      type,
      state,
      attributes: sealed.publicAttributes,
      limits: extra.limits ?? {},
      cost,
      slug: `${resource.slug}-${type.toLowerCase()}-${newUuid().slice(0, 6)}`,
      requestComment: extra.requestComment ?? null,
      createdById: user.id,
      consumerReviewedById: user.id,
      consumerReviewedAt: now,
      created: now,
      modified: now,
    })
    .returning()
    .get()
    .catch(async (e) => {
      await sealed.undo();
      throw e;
    });
  await coupleResource(db, row);
  return row;
}
