// Loads the rows an order or resource serializer needs (offering, plan, project, customers,
// category, users) for many objects in a fixed number of queries.
import { inArray } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import {
  categories,
  customers,
  offeringComponents,
  offerings,
  type orders,
  plans,
  projects,
  resources,
  users,
} from "../../db/schema/index.ts";

export type Order = typeof orders.$inferSelect;
export type Resource = typeof resources.$inferSelect;
type Row<T extends { $inferSelect: unknown }> = T["$inferSelect"];

export interface Related {
  offerings: Map<number, Row<typeof offerings>>;
  plans: Map<number, Row<typeof plans>>;
  projects: Map<number, Row<typeof projects>>;
  customers: Map<number, Row<typeof customers>>;
  categories: Map<number, Row<typeof categories>>;
  users: Map<number, Row<typeof users>>;
  resources: Map<number, Row<typeof resources>>;
  components: Map<number, Row<typeof offeringComponents>[]>;
}

const byId = <T extends { id: number }>(rows: T[]) => new Map(rows.map((r) => [r.id, r]));
const ids = (xs: (number | null | undefined)[]) => [...new Set(xs.filter((x): x is number => typeof x === "number"))];

export async function loadRelated(db: Db, input: { orders?: Order[]; resources?: Resource[] }): Promise<Related> {
  const os = input.orders ?? [];
  let rs = input.resources ?? [];
  const extraRes = ids(os.map((o) => o.resourceId)).filter((id) => !rs.some((r) => r.id === id));
  if (extraRes.length) rs = [...rs, ...(await db.select().from(resources).where(inArray(resources.id, extraRes)).all())];
  const offIds = ids([...os.map((o) => o.offeringId), ...rs.map((r) => r.offeringId)]);
  const planIds = ids([...os.flatMap((o) => [o.planId, o.oldPlanId]), ...rs.map((r) => r.planId)]);
  const projIds = ids([...os.map((o) => o.projectId), ...rs.map((r) => r.projectId)]);
  const userIds = ids(os.flatMap((o) => [o.createdById, o.consumerReviewedById, o.providerReviewedById]));
  const [offRows, planRows, projRows, userRows, compRows] = await Promise.all([
    offIds.length ? db.select().from(offerings).where(inArray(offerings.id, offIds)).all() : [],
    planIds.length ? db.select().from(plans).where(inArray(plans.id, planIds)).all() : [],
    projIds.length ? db.select().from(projects).where(inArray(projects.id, projIds)).all() : [],
    userIds.length ? db.select().from(users).where(inArray(users.id, userIds)).all() : [],
    offIds.length ? db.select().from(offeringComponents).where(inArray(offeringComponents.offeringId, offIds)).all() : [],
  ]);
  const custIds = ids([...offRows.map((o) => o.customerId), ...projRows.map((p) => p.customerId)]);
  const catIds = ids(offRows.map((o) => o.categoryId));
  const [custRows, catRows] = await Promise.all([
    custIds.length ? db.select().from(customers).where(inArray(customers.id, custIds)).all() : [],
    catIds.length ? db.select().from(categories).where(inArray(categories.id, catIds)).all() : [],
  ]);
  const components = new Map<number, Row<typeof offeringComponents>[]>();
  for (const c of compRows) components.set(c.offeringId, [...(components.get(c.offeringId) ?? []), c]);
  return {
    offerings: byId(offRows),
    plans: byId(planRows),
    projects: byId(projRows),
    customers: byId(custRows),
    categories: byId(catRows),
    users: byId(userRows),
    resources: byId(rs),
    components,
  };
}
