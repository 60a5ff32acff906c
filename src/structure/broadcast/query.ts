// Waldur's BroadcastMessage query (who a message goes to), validated, and resolved to user ids.
// Accepts Waldur's keys: customers, projects, offerings (uuids), customer_roles, project_roles
// (role names, old short forms such as "owner" too), plus all_users. The customers and projects
// named must exist: a typo would otherwise silently mail nobody.
import { and, eq, gt, isNull, ne, or } from "drizzle-orm";
import * as v from "valibot";
import type { Db } from "../../app-env.ts";
import { CUSTOMER_ROLES, PROJECT_ROLES } from "../../auth/access.ts";
import { inArray } from "../../db/in-list.ts";
import { type BroadcastQuery, customers, offerings, projects, resources, roleGrants, users } from "../../db/schema/index.ts";
import { ApiError } from "../../http/errors.ts";
import { parseUuid } from "../../http/ids.ts";
import { bool } from "../../http/validate.ts";

const SHORT: Record<string, string> = {
  owner: "CUSTOMER.OWNER",
  service_manager: "CUSTOMER.MANAGER",
  manager: "CUSTOMER.MANAGER",
  support: "CUSTOMER.SUPPORT",
  admin: "PROJECT.ADMIN",
  member: "PROJECT.MEMBER",
};
const projectShort: Record<string, string> = { manager: "PROJECT.MANAGER", admin: "PROJECT.ADMIN", member: "PROJECT.MEMBER" };

const uuidList = v.pipe(
  v.union([v.array(v.string("Expected a list of UUIDs.")), v.string()], "Expected a list of UUIDs."),
  v.transform((x) => (typeof x === "string" ? x.split(",").filter(Boolean) : x)),
  v.maxLength(300, "Ensure this field has no more than 300 elements."),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const out: string[] = [];
    for (const s of dataset.value) {
      const u = parseUuid(s);
      if (!u) {
        addIssue({ message: `“${s}” is not a valid UUID.` });
        return NEVER;
      }
      out.push(u);
    }
    return [...new Set(out)];
  }),
);

const roleList = (allowed: readonly string[], short: Record<string, string>) =>
  v.pipe(
    v.union([v.array(v.string()), v.string()], "Expected a list of items."),
    v.transform((x) => (typeof x === "string" ? x.split(",").filter(Boolean) : x)),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const out: string[] = [];
      for (const s of dataset.value) {
        const r = allowed.includes(s) ? s : short[s];
        if (!r || !allowed.includes(r)) {
          addIssue({ message: `"${s}" is not a valid choice.` });
          return NEVER;
        }
        out.push(r);
      }
      return [...new Set(out)];
    }),
  );

export const querySchema = v.pipe(
  v.object(
    {
      all_users: v.optional(bool()),
      customers: v.optional(uuidList),
      projects: v.optional(uuidList),
      offerings: v.optional(uuidList),
      customer_roles: v.optional(roleList(CUSTOMER_ROLES, SHORT)),
      project_roles: v.optional(roleList(PROJECT_ROLES, projectShort)),
    },
    "Expected a dictionary of recipients.",
  ),
  v.check(
    (q) => !!q.all_users || !!q.customers?.length || !!q.projects?.length || !!q.offerings?.length,
    "Choose the recipients: all_users, customers, projects or offerings.",
  ),
);

export type ParsedQuery = v.InferOutput<typeof querySchema>;

/** Keeps the stored query to the keys given (so it reads back as written). */
export function normalizeQuery(q: ParsedQuery): BroadcastQuery {
  const out: BroadcastQuery = {};
  if (q.all_users) out.all_users = true;
  for (const k of ["customers", "projects", "offerings", "customer_roles", "project_roles"] as const) {
    if (q[k]?.length) out[k] = q[k];
  }
  return out;
}

const grantActive = () => or(isNull(roleGrants.expirationTime), gt(roleGrants.expirationTime, new Date().toISOString()));

/** Ids of the objects named; a missing one is a 400 naming the query key. */
async function idsOf(db: Db, table: typeof customers | typeof projects | typeof offerings, key: string, uuids: string[], nest?: string) {
  if (uuids.length === 0) return [];
  const rows = await db.select({ id: table.id, uuid: table.uuid }).from(table).where(inArray(table.uuid, uuids)).all();
  const missing = uuids.filter((u) => !rows.some((r) => r.uuid === u));
  if (missing.length) {
    const err = { [key]: [`Object with uuid=${missing[0]} does not exist.`] };
    throw new ApiError(400, nest ? { [nest]: err } : err);
  }
  return rows.map((r) => r.id);
}

async function grantUsers(db: Db, scopeType: "customer" | "project", scopeIds: number[], roles?: string[]) {
  if (scopeIds.length === 0) return [];
  const rows = await db
    .select({ id: roleGrants.userId })
    .from(roleGrants)
    .where(
      and(
        eq(roleGrants.scopeType, scopeType),
        inArray(roleGrants.scopeId, scopeIds),
        roles?.length ? inArray(roleGrants.role, roles) : undefined,
        grantActive(),
      ),
    )
    .all();
  return rows.map((r) => r.id);
}

/**
 * Active users with an address whom the query names, as Waldur reads it: members of the customers
 * (by customer_roles, or anyone connected) and projects (by project_roles); offerings narrow the
 * customers and projects to those holding a live resource of them, or, given alone, name those
 * projects (and, with customer_roles, their customers). `nest` puts a 400 under that body key.
 */
export async function recipientIds(db: Db, q: BroadcastQuery, nest?: string): Promise<number[]> {
  const ids = new Set<number>();
  const live = and(eq(users.isActive, true), ne(users.email, ""));
  if (q.all_users) {
    for (const r of await db.select({ id: users.id }).from(users).where(live).all()) ids.add(r.id);
    return [...ids].sort((a, b) => a - b);
  }
  let custIds = await idsOf(db, customers, "customers", q.customers ?? [], nest);
  let projIds = await idsOf(db, projects, "projects", q.projects ?? [], nest);
  const offIds = await idsOf(db, offerings, "offerings", q.offerings ?? [], nest);
  if (offIds.length) {
    const held = await db
      .select({ projectId: resources.projectId, customerId: projects.customerId })
      .from(resources)
      .innerJoin(projects, eq(projects.id, resources.projectId))
      .where(and(inArray(resources.offeringId, offIds), ne(resources.state, "Terminated")))
      .all();
    if (custIds.length || projIds.length) {
      custIds = custIds.filter((id) => held.some((h) => h.customerId === id));
      projIds = projIds.filter((id) => held.some((h) => h.projectId === id));
    } else {
      projIds = [...new Set(held.map((h) => h.projectId))];
      if (q.customer_roles?.length) custIds = [...new Set(held.map((h) => h.customerId))];
    }
  }
  for (const id of await grantUsers(db, "customer", custIds, q.customer_roles)) ids.add(id);
  if (!q.customer_roles?.length && custIds.length) {
    // No customer role given: everyone connected to the customer, project members included.
    const inside = await db.select({ id: projects.id }).from(projects).where(inArray(projects.customerId, custIds)).all();
    for (const id of await grantUsers(db, "project", inside.map((p) => p.id))) ids.add(id);
  }
  for (const id of await grantUsers(db, "project", projIds, q.project_roles)) ids.add(id);
  if (ids.size === 0) return [];
  const rows = await db.select({ id: users.id }).from(users).where(and(live, inArray(users.id, [...ids]))).all();
  return rows.map((r) => r.id).sort((a, b) => a - b);
}
