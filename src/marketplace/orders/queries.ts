// Which orders and resources a caller can see: members of the project or its customer, the
// offering's provider, and staff/support.
import { and, eq, or, type SQL } from "drizzle-orm";
import { inArray } from "../../db/in-list.ts";
import type { Db } from "../../app-env.ts";
import { offeringManaged, projectVisible, seesEverything } from "../../auth/access.ts";
import type { User } from "../../auth/session.ts";
import { orders, projects, resources } from "../../db/schema/index.ts";
import { notFound } from "../../http/errors.ts";
import type { Order, Resource } from "./context.ts";

function consumerSees(db: Db, user: User, projectIdCol: typeof orders.projectId | typeof resources.projectId): SQL | undefined {
  if (seesEverything(user)) return undefined;
  return inArray(
    projectIdCol,
    db.select({ id: projects.id }).from(projects).where(projectVisible(db, user, projects.id, projects.customerId)),
  );
}

export function orderVisible(db: Db, user: User): SQL | undefined {
  if (seesEverything(user)) return undefined;
  return or(consumerSees(db, user, orders.projectId), offeringManaged(db, user, orders.offeringId));
}

export function consumerResourceVisible(db: Db, user: User): SQL | undefined {
  return consumerSees(db, user, resources.projectId);
}

export function providerResourceVisible(db: Db, user: User): SQL | undefined {
  if (seesEverything(user)) return undefined;
  return offeringManaged(db, user, resources.offeringId);
}

export async function findOrder(db: Db, user: User, uuid: string): Promise<Order> {
  const row = await db.select().from(orders).where(and(eq(orders.uuid, uuid), orderVisible(db, user))).get();
  if (!row) throw notFound();
  return row;
}

export async function findResource(db: Db, user: User, uuid: string, view: "consumer" | "provider"): Promise<Resource> {
  const cond = view === "consumer" ? or(consumerResourceVisible(db, user), providerResourceVisible(db, user)) : providerResourceVisible(db, user);
  const row = await db.select().from(resources).where(and(eq(resources.uuid, uuid), cond)).get();
  if (!row) throw notFound();
  return row;
}
