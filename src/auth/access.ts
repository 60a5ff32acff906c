// Who may see and do what. Lists are filtered in SQL so foreign objects simply do not exist for the
// caller (404, never 403, as Waldur's user-filtered querysets behave).
import { and, eq, gt, isNull, or, type SQL } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "../app-env.ts";
import { offerings, projects, roleGrants } from "../db/schema/index.ts";
import type { ScopeType } from "../db/schema/structure.ts";
import type { User } from "./session.ts";

export const CUSTOMER_ROLES = ["CUSTOMER.OWNER", "CUSTOMER.MANAGER", "CUSTOMER.SUPPORT"] as const;
export const PROJECT_ROLES = ["PROJECT.ADMIN", "PROJECT.MANAGER", "PROJECT.MEMBER"] as const;
export const OFFERING_ROLES = ["OFFERING.MANAGER"] as const;
export type CustomerRole = (typeof CUSTOMER_ROLES)[number];
export type ProjectRole = (typeof PROJECT_ROLES)[number];

/** Roles that manage a service provider's offerings and orders. */
export const PROVIDER_ROLES: CustomerRole[] = ["CUSTOMER.OWNER", "CUSTOMER.MANAGER"];
/** Project roles that may order and approve as consumer (with the customer owner). */
export const ORDERING_PROJECT_ROLES: ProjectRole[] = ["PROJECT.ADMIN", "PROJECT.MANAGER"];

export const seesEverything = (u: User | null) => !!u && (u.isStaff || u.isSupport);

const active = () => or(isNull(roleGrants.expirationTime), gt(roleGrants.expirationTime, new Date().toISOString()));

/** Subquery: ids of scopes of a type where the user holds one of the roles (any role when omitted). */
export function scopeIdsOf(db: Db, userId: number, scopeType: ScopeType, roles?: readonly string[]) {
  return db
    .select({ id: roleGrants.scopeId })
    .from(roleGrants)
    .where(
      and(
        eq(roleGrants.userId, userId),
        eq(roleGrants.scopeType, scopeType),
        roles ? inArray(roleGrants.role, [...roles]) : undefined,
        active(),
      ),
    );
}

/** Condition: the customer column names one the user is connected to (a customer role, or a role in one of its projects). */
export function customerConnected(db: Db, userId: number, customerIdCol: SQLiteColumn): SQL {
  return or(
    inArray(customerIdCol, scopeIdsOf(db, userId, "customer")),
    inArray(
      customerIdCol,
      db.select({ id: projects.customerId }).from(projects).where(inArray(projects.id, scopeIdsOf(db, userId, "project"))),
    ),
  )!;
}

/** Condition on project id/customer id columns: the user can see that project. undefined = all. */
export function projectVisible(db: Db, user: User, projectIdCol: SQLiteColumn, customerIdCol: SQLiteColumn): SQL | undefined {
  if (seesEverything(user)) return undefined;
  return or(
    inArray(projectIdCol, scopeIdsOf(db, user.id, "project")),
    inArray(customerIdCol, scopeIdsOf(db, user.id, "customer")),
  );
}

/** Condition on an offering id column: the user manages that offering as its provider. */
export function offeringManaged(db: Db, user: User, offeringIdCol: SQLiteColumn): SQL | undefined {
  if (user.isStaff) return undefined;
  return or(
    inArray(
      offeringIdCol,
      db
        .select({ id: offerings.id })
        .from(offerings)
        .where(inArray(offerings.customerId, scopeIdsOf(db, user.id, "customer", PROVIDER_ROLES))),
    ),
    inArray(offeringIdCol, scopeIdsOf(db, user.id, "offering", OFFERING_ROLES)),
  );
}

// A request's user object lives for that request: its grants are read once and reused by every
// permission check the handler makes.
const grantsCache = new WeakMap<User, Promise<(typeof roleGrants.$inferSelect)[]>>();
function grantsOf(db: Db, user: User) {
  let p = grantsCache.get(user);
  if (!p) {
    p = db.select().from(roleGrants).where(eq(roleGrants.userId, user.id)).all();
    grantsCache.set(user, p);
  }
  return p;
}

export async function hasRole(
  db: Db,
  user: User,
  scopeType: ScopeType,
  scopeId: number,
  roles: readonly string[],
): Promise<boolean> {
  if (user.isStaff) return true;
  const now = new Date().toISOString();
  return (await grantsOf(db, user)).some(
    (g) =>
      g.scopeType === scopeType &&
      g.scopeId === scopeId &&
      roles.includes(g.role) &&
      (g.expirationTime === null || g.expirationTime > now),
  );
}

/** Provider-side authority over an offering: staff, owner/manager of its customer, offering manager. */
export async function managesOffering(db: Db, user: User, offering: { id: number; customerId: number }) {
  return (
    user.isStaff ||
    (await hasRole(db, user, "customer", offering.customerId, PROVIDER_ROLES)) ||
    (await hasRole(db, user, "offering", offering.id, OFFERING_ROLES))
  );
}

/** Consumer-side authority to order in / approve for a project. */
export async function canOrderIn(db: Db, user: User, project: { id: number; customerId: number }) {
  return (
    user.isStaff ||
    (await hasRole(db, user, "customer", project.customerId, ["CUSTOMER.OWNER"])) ||
    (await hasRole(db, user, "project", project.id, ORDERING_PROJECT_ROLES))
  );
}

export async function canSeeProject(db: Db, user: User, project: { id: number; customerId: number }) {
  return (
    seesEverything(user) ||
    (await hasRole(db, user, "customer", project.customerId, CUSTOMER_ROLES)) ||
    (await hasRole(db, user, "project", project.id, PROJECT_ROLES))
  );
}
