// Creating offerings with their components and plans, in one D1 batch.
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../app-env.ts";
import { offeringComponents, offerings, planComponents, plans } from "../../db/schema/index.ts";
import { ApiError, fieldErrors } from "../../http/errors.ts";
import { newUuid, nowIso, uniqueSlug } from "../../http/ids.ts";
import type * as v from "valibot";
import type { componentSchema, planSchema } from "./schemas.ts";
import { BUILTIN_COMPONENTS, type OfferingType } from "./types.ts";

export type ComponentInput = v.InferOutput<typeof componentSchema>;
export type PlanInput = v.InferOutput<typeof planSchema>;

/** Resolves the component list for a type: built-ins are fixed, others are the provider's. */
export function componentsFor(type: OfferingType, given: ComponentInput[]): (ComponentInput & { isBuiltin: boolean })[] {
  const builtins = BUILTIN_COMPONENTS[type];
  const seen = new Set<string>();
  for (const c of given) {
    if (seen.has(c.type)) throw fieldErrors({ components: [`Component type "${c.type}" is given twice.`] });
    seen.add(c.type);
  }
  if (!builtins) return given.map((c) => ({ ...c, isBuiltin: false }));
  const extra = given.filter((c) => !builtins.some((b) => b.type === c.type));
  if (extra.length > 0) throw new ApiError(400, { components: "Extra components are not allowed." });
  return builtins.map((b) => {
    const over = given.find((c) => c.type === b.type);
    return {
      description: "",
      limit_amount: null,
      article_code: "",
      max_value: null,
      min_value: null,
      max_available_limit: null,
      default_limit: null,
      is_boolean: false,
      is_prepaid: false,
      unit_factor: b.unit_factor ?? 1,
      limit_period: b.limit_period ?? null,
      ...over,
      type: b.type,
      name: over?.name ?? b.name,
      measured_unit: over?.measured_unit || b.measured_unit,
      billing_type: b.billing_type,
      isBuiltin: true,
    };
  });
}

/** Price and quota keys must name the offering's components. */
export function checkPlanKeys(plansIn: PlanInput[], componentTypes: string[], field = "plans") {
  const errs: string[] = [];
  for (const p of plansIn) {
    for (const k of [...Object.keys(p.prices), ...Object.keys(p.quotas)]) {
      if (!componentTypes.includes(k)) errs.push(`Plan "${p.name}": "${k}" is not a component of this offering.`);
    }
  }
  if (errs.length) throw fieldErrors({ [field]: [...new Set(errs)] });
}

export function componentRow(offeringId: number | ReturnType<typeof sql>, c: ComponentInput & { isBuiltin?: boolean }) {
  return {
    uuid: newUuid(),
    offeringId: offeringId as number,
    type: c.type,
    name: c.name,
    description: c.description,
    measuredUnit: c.measured_unit,
    billingType: c.billing_type,
    limitPeriod: c.limit_period || null,
    limitAmount: c.limit_amount,
    articleCode: c.article_code,
    maxValue: c.max_value,
    minValue: c.min_value,
    maxAvailableLimit: c.max_available_limit,
    defaultLimit: c.default_limit,
    isBoolean: c.is_boolean,
    isPrepaid: c.is_prepaid,
    isBuiltin: c.isBuiltin ?? false,
    unitFactor: c.unit_factor,
  };
}

/** Statements inserting a plan and its per-component prices for an offering known by id. */
export function planStatements(db: Db, offeringId: number | ReturnType<typeof sql>, p: PlanInput, uuid = newUuid()): BatchItem<"sqlite">[] {
  const now = nowIso();
  const stmts: BatchItem<"sqlite">[] = [
    db.insert(plans).values({
      uuid,
      offeringId: offeringId as number,
      name: p.name,
      description: p.description,
      articleCode: p.article_code,
      maxAmount: p.max_amount,
      archived: p.archived,
      unit: p.unit,
      unitPrice: p.unit_price,
      backendId: p.backend_id,
      created: now,
      modified: now,
    }),
  ];
  const types = new Set([...Object.keys(p.prices), ...Object.keys(p.quotas)]);
  for (const t of types) {
    stmts.push(
      db.insert(planComponents).values({
        planId: sql`(SELECT id FROM plans WHERE uuid = ${uuid})` as unknown as number,
        componentId: sql`(SELECT id FROM offering_components WHERE type = ${t} AND offering_id = ${offeringId})` as unknown as number,
        price: p.prices[t] ?? "0",
        amount: p.quotas[t] ?? 0,
      }),
    );
  }
  return stmts;
}

export interface NewOffering {
  customerId: number;
  categoryId: number;
  type: OfferingType;
  values: Omit<typeof offerings.$inferInsert, "uuid" | "customerId" | "categoryId" | "type" | "slug" | "created" | "modified"> & {
    slug?: string;
  };
  components: (ComponentInput & { isBuiltin: boolean })[];
  plans: PlanInput[];
}

export async function insertOffering(db: Db, n: NewOffering) {
  const uuid = newUuid();
  const now = nowIso();
  const idOf = sql`(SELECT id FROM offerings WHERE uuid = ${uuid})`;
  const stmts: BatchItem<"sqlite">[] = [
    db.insert(offerings).values({
      ...n.values,
      uuid,
      customerId: n.customerId,
      categoryId: n.categoryId,
      type: n.type,
      slug: n.values.slug || uniqueSlug(n.values.name ?? "offering"),
      state: "Draft",
      created: now,
      modified: now,
    }),
    ...n.components.map((c) => db.insert(offeringComponents).values(componentRow(idOf, c))),
    ...n.plans.flatMap((p) => planStatements(db, idOf, p)),
  ];
  await db.batch(stmts as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  return (await db.select().from(offerings).where(and(eq(offerings.uuid, uuid))).get())!;
}

/**
 * Offerings imported from a remote Waldur (the bridge) take their fields, state, components and
 * plans from there: a local edit would be overwritten by the next sync, so it is refused with
 * where to make it instead.
 */
export function refuseImportedEdit(o: { remoteUuid: string | null }): void {
  if (o.remoteUuid) {
    throw new ApiError(409, {
      detail: `This offering is imported from a remote Waldur (remote offering ${o.remoteUuid}): edit it there, in the remote Waldur's marketplace; changes sync here.`,
    });
  }
}
