// Offering visibility and lookups. Provider view: offerings the caller manages. Public view:
// Active/Paused offerings that are shared, or that belong to an organization the caller is in.
import { and, eq, or, type SQL } from "drizzle-orm";
import { inArray } from "../../db/in-list.ts";
import type { Db } from "../../app-env.ts";
import { customerConnected, offeringManaged, seesEverything } from "../../auth/access.ts";
import type { User } from "../../auth/session.ts";
import { offeringComponents, offerings, planComponents, plans } from "../../db/schema/index.ts";
import { notFound } from "../../http/errors.ts";
import type { Offering } from "./serialize.ts";

export const PUBLIC_STATES = ["Active", "Paused"] as const;

export function providerVisible(db: Db, user: User): SQL | undefined {
  if (seesEverything(user)) return undefined;
  return offeringManaged(db, user, offerings.id);
}

export function publicVisible(db: Db, user: User | null): SQL {
  const live = inArray(offerings.state, [...PUBLIC_STATES]);
  if (!user) return and(live, eq(offerings.shared, true))!;
  if (seesEverything(user)) return live;
  return and(live, or(eq(offerings.shared, true), customerConnected(db, user.id, offerings.customerId)))!;
}

export async function findProviderOffering(db: Db, user: User, uuid: string): Promise<Offering> {
  const row = await db.select().from(offerings).where(and(eq(offerings.uuid, uuid), providerVisible(db, user))).get();
  if (!row) throw notFound();
  return row;
}

export async function findPublicOffering(db: Db, user: User | null, uuid: string): Promise<Offering> {
  const row = await db.select().from(offerings).where(and(eq(offerings.uuid, uuid), publicVisible(db, user))).get();
  if (!row) throw notFound();
  return row;
}

export async function findOfferingById(db: Db, id: number): Promise<Offering> {
  const row = await db.select().from(offerings).where(eq(offerings.id, id)).get();
  if (!row) throw notFound();
  return row;
}

export function loadComponents(db: Db, offeringId: number) {
  return db.select().from(offeringComponents).where(eq(offeringComponents.offeringId, offeringId)).all();
}

/** A plan with its per-component prices and quotas. */
export async function loadPlan(db: Db, planId: number) {
  const plan = await db.select().from(plans).where(eq(plans.id, planId)).get();
  if (!plan) return null;
  const prices = await db.select().from(planComponents).where(eq(planComponents.planId, planId)).all();
  return { plan, prices };
}
