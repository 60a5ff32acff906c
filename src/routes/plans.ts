// /api/marketplace-plans/ (provider CRUD with update_prices / update_quotas / archive),
// /api/marketplace-plan-components/ (read-only) and /api/marketplace-plugins/.
import { and, count, eq, type SQL } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireUser, type User } from "../auth/session.ts";
import { offeringComponents, offerings, planComponents, plans, resources } from "../db/schema/index.ts";
import { conflict, fieldError, notFound } from "../http/errors.ts";
import { newUuid, nowIso, pathUuid } from "../http/ids.ts";
import { pageOf, paginated, qUuids, sparse } from "../http/list.ts";
import { hyperlink, linksFor } from "../http/links.ts";
import { body, int, v } from "../http/validate.ts";
import { findProviderOffering, providerVisible } from "../marketplace/catalog/queries.ts";
import { planFields, planSchema } from "../marketplace/catalog/schemas.ts";
import { loadBundles, type Offering, type Plan, serializePlan } from "../marketplace/catalog/serialize.ts";
import { BUILTIN_COMPONENTS, OFFERING_TYPES } from "../marketplace/catalog/types.ts";
import { checkPlanKeys, planStatements, refuseImportedEdit } from "../marketplace/catalog/write.ts";
import { offeringPlansChangedItems, type PlanChange } from "../bridge/chain/marketplace.ts";
import type { BatchItem } from "drizzle-orm/batch";
import { decimalStr } from "../http/validate.ts";

async function findPlan(c: Context<AppEnv>, me: User): Promise<{ plan: Plan; offering: Offering }> {
  const row = await c.var.db
    .select({ plan: plans, offering: offerings })
    .from(plans)
    .innerJoin(offerings, eq(offerings.id, plans.offeringId))
    .where(and(eq(plans.uuid, pathUuid(c.req.param("uuid"))), providerVisible(c.var.db, me)))
    .get();
  if (!row) throw notFound();
  return row;
}

/** Writes a plan change and, for an offering on chain, its plans as they will be, in one batch. */
async function writeWithChain(c: Context<AppEnv>, offering: Offering, change: PlanChange, stmts: BatchItem<"sqlite">[]): Promise<void> {
  const items = await offeringPlansChangedItems(c.var.db, offering, change);
  const all = [...stmts, ...items];
  await c.var.db.batch(all as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

async function render(c: Context<AppEnv>, offering: Offering, planUuid: string) {
  const [b] = await loadBundles(c.var.db, [offering]);
  const pv = b!.plans.find((p) => p.plan.uuid === planUuid)!;
  return serializePlan(linksFor(c), offering, pv, "provider");
}

export function mountPlans(app: Hono<AppEnv>) {
  app.get("/api/marketplace-plans/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [providerVisible(db, me)];
    const offs = qUuids(c, "offering_uuid");
    if (offs.length) conds.push(inArray(offerings.uuid, offs));
    const where = and(...conds);
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(plans).innerJoin(offerings, eq(offerings.id, plans.offeringId)).where(where).get())?.n ?? 0;
    const rows = await db
      .select({ plan: plans, offering: offerings })
      .from(plans)
      .innerJoin(offerings, eq(offerings.id, plans.offeringId))
      .where(where)
      .orderBy(plans.id)
      .limit(p.size)
      .offset(p.offset)
      .all();
    const bundles = await loadBundles(db, [...new Map(rows.map((r) => [r.offering.id, r.offering])).values()]);
    const links = linksFor(c);
    return paginated(
      c,
      p,
      total,
      rows.map((r) => {
        const b = bundles.find((x) => x.offering.id === r.offering.id)!;
        return serializePlan(links, r.offering, b.plans.find((x) => x.plan.id === r.plan.id)!, "provider");
      }),
    );
  });

  app.post("/api/marketplace-plans/", async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, v.object({ ...planFields, offering: hyperlink("marketplace-provider-offerings") }));
    const offering = await findProviderOffering(c.var.db, me, b.offering).catch(() => {
      throw fieldError("offering", "Invalid hyperlink - Object does not exist.");
    });
    refuseImportedEdit(offering);
    const comps = await c.var.db.select().from(offeringComponents).where(eq(offeringComponents.offeringId, offering.id)).all();
    checkPlanKeys([b], comps.map((x) => x.type));
    const uuid = newUuid();
    const added = { uuid, unit: b.unit, archived: b.archived, prices: b.prices, quotas: b.quotas };
    await writeWithChain(c, offering, { added }, planStatements(c.var.db, offering.id, b, uuid));
    return c.json(await render(c, offering, uuid), 201);
  });

  app.get("/api/marketplace-plans/:uuid/", async (c) => {
    const me = requireUser(c.var.user);
    const { plan, offering } = await findPlan(c, me);
    return c.json(sparse(c, await render(c, offering, plan.uuid)));
  });

  const update = async (c: Context<AppEnv>) => {
    const me = requireUser(c.var.user);
    const { plan, offering } = await findPlan(c, me);
    refuseImportedEdit(offering);
    const b = await body(c, v.partial(v.object({ ...planSchema.entries })));
    const set: Partial<typeof plans.$inferInsert> = { modified: nowIso() };
    if (b.name !== undefined) set.name = b.name;
    if (b.description !== undefined) set.description = b.description;
    if (b.article_code !== undefined) set.articleCode = b.article_code;
    if (b.max_amount !== undefined) set.maxAmount = b.max_amount;
    if (b.archived !== undefined) set.archived = b.archived;
    if (b.unit_price !== undefined) set.unitPrice = b.unit_price;
    if (b.unit !== undefined) set.unit = b.unit;
    if (b.backend_id !== undefined) set.backendId = b.backend_id;
    await writeWithChain(c, offering, { planId: plan.id, unit: set.unit, archived: set.archived }, [c.var.db.update(plans).set(set).where(eq(plans.id, plan.id))]);
    return c.json(await render(c, offering, plan.uuid));
  };
  app.put("/api/marketplace-plans/:uuid/", update);
  app.patch("/api/marketplace-plans/:uuid/", update);

  app.delete("/api/marketplace-plans/:uuid/", async (c) => {
    const me = requireUser(c.var.user);
    const { plan, offering } = await findPlan(c, me);
    refuseImportedEdit(offering);
    const used = await c.var.db.select({ id: resources.id }).from(resources).where(eq(resources.planId, plan.id)).get();
    if (used) throw conflict("Cannot delete plan with existing resources");
    await writeWithChain(c, offering, { deleted: plan.id }, [c.var.db.delete(plans).where(eq(plans.id, plan.id))]);
    return c.body(null, 204);
  });

  /** Upserts one column of plan_components for the given component types. */
  const setPerComponent = async (c: Context<AppEnv>, field: "prices" | "quotas", values: Record<string, string | number>) => {
    const me = requireUser(c.var.user);
    const { plan, offering } = await findPlan(c, me);
    refuseImportedEdit(offering);
    const comps = await c.var.db.select().from(offeringComponents).where(eq(offeringComponents.offeringId, offering.id)).all();
    const unknown = Object.keys(values).filter((t) => !comps.some((x) => x.type === t));
    if (unknown.length) throw fieldError(field, `Unknown components: ${unknown.join(", ")}.`);
    const stmts: BatchItem<"sqlite">[] = Object.entries(values).map(([t, val]) => {
      const comp = comps.find((x) => x.type === t)!;
      const set = field === "prices" ? { price: String(val) } : { amount: Number(val) };
      return c.var.db
        .insert(planComponents)
        .values({ planId: plan.id, componentId: comp.id, ...set })
        .onConflictDoUpdate({ target: [planComponents.planId, planComponents.componentId], set });
    });
    stmts.push(c.var.db.update(plans).set({ modified: nowIso() }).where(eq(plans.id, plan.id)));
    const change: PlanChange =
      field === "prices"
        ? { planId: plan.id, prices: Object.fromEntries(Object.entries(values).map(([t, val]) => [t, String(val)])) }
        : { planId: plan.id, quotas: Object.fromEntries(Object.entries(values).map(([t, val]) => [t, Number(val)])) };
    await writeWithChain(c, offering, change, stmts);
    return c.json(await render(c, offering, plan.uuid));
  };
  app.post("/api/marketplace-plans/:uuid/update_prices/", async (c) => {
    const b = await body(
      c,
      v.object({ prices: v.record(v.string(), v.pipe(decimalStr(10), v.check((s) => !s.startsWith("-"), "Ensure this value is greater than or equal to 0."))) }),
    );
    return setPerComponent(c, "prices", b.prices);
  });
  app.post("/api/marketplace-plans/:uuid/update_quotas/", async (c) => {
    const b = await body(c, v.object({ quotas: v.record(v.string(), int(0)) }));
    return setPerComponent(c, "quotas", b.quotas);
  });
  app.post("/api/marketplace-plans/:uuid/archive/", async (c) => {
    const me = requireUser(c.var.user);
    const { plan, offering } = await findPlan(c, me);
    refuseImportedEdit(offering);
    if (plan.archived) throw conflict("Plan is already archived.");
    const archive = c.var.db.update(plans).set({ archived: true, modified: nowIso() }).where(and(eq(plans.id, plan.id), eq(plans.archived, false)));
    await writeWithChain(c, offering, { planId: plan.id, archived: true }, [archive]);
    return c.json({ detail: "Plan has been archived." });
  });

  app.get("/api/marketplace-plan-components/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [providerVisible(db, me)];
    const offs = qUuids(c, "offering_uuid");
    if (offs.length) conds.push(inArray(offerings.uuid, offs));
    const pls = qUuids(c, "plan_uuid");
    if (pls.length) conds.push(inArray(plans.uuid, pls));
    const where = and(...conds);
    const p = pageOf(c);
    const total =
      (
        await db
          .select({ n: count() })
          .from(planComponents)
          .innerJoin(plans, eq(plans.id, planComponents.planId))
          .innerJoin(offerings, eq(offerings.id, plans.offeringId))
          .where(where)
          .get()
      )?.n ?? 0;
    const rows = await db
      .select({ pc: planComponents, plan: plans, offering: offerings, comp: offeringComponents })
      .from(planComponents)
      .innerJoin(plans, eq(plans.id, planComponents.planId))
      .innerJoin(offerings, eq(offerings.id, plans.offeringId))
      .innerJoin(offeringComponents, eq(offeringComponents.id, planComponents.componentId))
      .where(where)
      .orderBy(planComponents.id)
      .limit(p.size)
      .offset(p.offset)
      .all();
    return paginated(
      c,
      p,
      total,
      rows.map((r) => ({
        offering_uuid: r.offering.uuid,
        offering_name: r.offering.name,
        plan_uuid: r.plan.uuid,
        plan_name: r.plan.name,
        plan_unit: r.plan.unit,
        component_name: r.comp.name,
        measured_unit: r.comp.measuredUnit,
        billing_type: r.comp.billingType,
        amount: r.pc.amount,
        price: r.pc.price,
        future_price: r.pc.futurePrice,
        discount_threshold: null,
        discount_rate: null,
      })),
    );
  });

  app.get("/api/marketplace-plugins/", (c) =>
    c.json(
      OFFERING_TYPES.map((t) => ({
        offering_type: t,
        components: (BUILTIN_COMPONENTS[t] ?? []).map((x) => ({ type: x.type, name: x.name, measured_unit: x.measured_unit, billing_type: x.billing_type })),
        available_limits: (BUILTIN_COMPONENTS[t] ?? []).filter((x) => x.billing_type === "limit").map((x) => x.type),
      })),
    ),
  );
}
