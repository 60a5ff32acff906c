// Loads the rows an order or resource serializer needs (offering, plan, project, customers,
// category, users) for many objects in a fixed number of queries.
import { or } from "drizzle-orm";
import { inArray } from "../../db/in-list.ts";
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
  const given = input.resources ?? [];
  const extraRes = ids(os.map((o) => o.resourceId)).filter((id) => !given.some((r) => r.id === id));
  const rs = given;
  const offIds = ids([...os.map((o) => o.offeringId), ...rs.map((r) => r.offeringId)]);
  const planIds = ids([...os.flatMap((o) => [o.planId, o.oldPlanId]), ...rs.map((r) => r.planId)]);
  const projIds = ids([...os.map((o) => o.projectId), ...rs.map((r) => r.projectId)]);
  const userIds = ids(os.flatMap((o) => [o.createdById, o.consumerReviewedById, o.providerReviewedById]));
  // One round trip: the offerings' customers and categories are reached through subqueries.
  const none = [-1];
  const offCust = db.select({ id: offerings.customerId }).from(offerings).where(inArray(offerings.id, offIds.length ? offIds : none));
  const projCust = db.select({ id: projects.customerId }).from(projects).where(inArray(projects.id, projIds.length ? projIds : none));
  const offCat = db.select({ id: offerings.categoryId }).from(offerings).where(inArray(offerings.id, offIds.length ? offIds : none));
  const [offRows, planRows, projRows, userRows, compRows, custRows, catRows, moreRes] = await db.batch([
    db.select().from(offerings).where(inArray(offerings.id, offIds.length ? offIds : none)),
    db.select().from(plans).where(inArray(plans.id, planIds.length ? planIds : none)),
    db.select().from(projects).where(inArray(projects.id, projIds.length ? projIds : none)),
    db.select().from(users).where(inArray(users.id, userIds.length ? userIds : none)),
    db.select().from(offeringComponents).where(inArray(offeringComponents.offeringId, offIds.length ? offIds : none)),
    db.select().from(customers).where(or(inArray(customers.id, offCust), inArray(customers.id, projCust))),
    db.select().from(categories).where(inArray(categories.id, offCat)),
    // Resources of the orders (their offering, plan and project are the orders' own).
    db.select().from(resources).where(inArray(resources.id, extraRes.length ? extraRes : none)),
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
    resources: byId([...rs, ...moreRes]),
    components,
  };
}
