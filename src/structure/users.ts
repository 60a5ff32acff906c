// Users: lookups, creation and Waldur's User/UserMe serialization.
import { and, eq } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Db } from "../app-env.ts";
import type { User } from "../auth/session.ts";
import { hashPassword } from "../auth/password.ts";
import { customers, offerings, projects, roleGrants, users } from "../db/schema/index.ts";
import { newUuid, nowIso, slugify } from "../http/ids.ts";
import type { Links } from "../http/links.ts";

export interface NewUser {
  username: string;
  email?: string;
  password?: string | null;
  firstName?: string;
  lastName?: string;
  isStaff?: boolean;
  isSupport?: boolean;
  organization?: string;
  jobTitle?: string;
  phoneNumber?: string;
  registrationMethod?: string;
}

export async function createUser(db: Db, u: NewUser): Promise<User> {
  const now = nowIso();
  const row = await db
    .insert(users)
    .values({
      uuid: newUuid(),
      username: u.username,
      slug: slugify(u.username),
      email: u.email ?? "",
      firstName: u.firstName ?? "",
      lastName: u.lastName ?? "",
      organization: u.organization ?? "",
      jobTitle: u.jobTitle ?? "",
      phoneNumber: u.phoneNumber ?? "",
      passwordHash: u.password ? await hashPassword(u.password) : null,
      isStaff: u.isStaff ?? false,
      isSupport: u.isSupport ?? false,
      registrationMethod: u.registrationMethod ?? "default",
      dateJoined: now,
      modified: now,
    })
    .returning()
    .get();
  return row;
}

export const fullName = (u: Pick<User, "firstName" | "lastName" | "username">) =>
  [u.firstName, u.lastName].filter(Boolean).join(" ");

/** Old-style role names Waldur shows in team listings. */
export const oldRoleName = (role: string) => role.split(".")[1]?.toLowerCase() ?? role;

export interface Permission {
  role_name: string;
  role_uuid: string;
  expiration_time: string | null;
  resource_uuid: string | null;
  scope_type: string;
  scope_uuid: string;
  scope_name: string;
  customer_uuid: string;
  customer_name: string;
  project_uuid: string | null;
}

export async function permissionsOf(db: Db, userId: number) {
  const grants = await db.select().from(roleGrants).where(eq(roleGrants.userId, userId)).all();
  const ids = (t: string) => grants.filter((g) => g.scopeType === t).map((g) => g.scopeId);
  const custRows = ids("customer").length
    ? await db.select().from(customers).where(inArray(customers.id, ids("customer"))).all()
    : [];
  const projRows = ids("project").length
    ? await db
        .select({ p: projects, c: customers })
        .from(projects)
        .innerJoin(customers, eq(customers.id, projects.customerId))
        .where(inArray(projects.id, ids("project")))
        .all()
    : [];
  const offRows = ids("offering").length
    ? await db
        .select({ o: offerings, c: customers })
        .from(offerings)
        .innerJoin(customers, eq(customers.id, offerings.customerId))
        .where(inArray(offerings.id, ids("offering")))
        .all()
    : [];
  return grants.flatMap((g): Permission[] => {
    const base = { role_name: g.role, role_uuid: g.uuid, expiration_time: g.expirationTime, resource_uuid: null };
    if (g.scopeType === "customer") {
      const c = custRows.find((r) => r.id === g.scopeId);
      return c
        ? [{ ...base, scope_type: "customer", scope_uuid: c.uuid, scope_name: c.name, customer_uuid: c.uuid, customer_name: c.name, project_uuid: null }]
        : [];
    }
    if (g.scopeType === "project") {
      const r = projRows.find((x) => x.p.id === g.scopeId);
      return r
        ? [{ ...base, scope_type: "project", scope_uuid: r.p.uuid, scope_name: r.p.name, customer_uuid: r.c.uuid, customer_name: r.c.name, project_uuid: r.p.uuid }]
        : [];
    }
    const r = offRows.find((x) => x.o.id === g.scopeId);
    return r
      ? [{ ...base, scope_type: "offering", scope_uuid: r.o.uuid, scope_name: r.o.name, customer_uuid: r.c.uuid, customer_name: r.c.name, project_uuid: null }]
      : [];
  });
}

export function tokenExpiresAt(u: User, lastUsed: string | null): string | null {
  if (u.tokenLifetime === null || lastUsed === null) return null;
  return new Date(Date.parse(lastUsed) + u.tokenLifetime * 1000).toISOString();
}

export function serializeUser(links: Links, u: User, extra: Record<string, unknown> = {}) {
  return {
    url: links.to("users", u.uuid),
    uuid: u.uuid,
    username: u.username,
    slug: u.slug,
    full_name: fullName(u),
    native_name: u.nativeName,
    first_name: u.firstName,
    last_name: u.lastName,
    email: u.email,
    phone_number: u.phoneNumber,
    organization: u.organization,
    job_title: u.jobTitle,
    civil_number: u.civilNumber,
    description: u.description,
    is_staff: u.isStaff,
    is_active: u.isActive,
    is_support: u.isSupport,
    token_lifetime: u.tokenLifetime,
    registration_method: u.registrationMethod,
    date_joined: u.dateJoined,
    agreement_date: u.agreementDate,
    notifications_enabled: u.notificationsEnabled,
    preferred_language: u.preferredLanguage,
    affiliations: [],
    identity_provider_name: "",
    identity_provider_label: "",
    identity_source: "",
    image: null,
    wallet_address: u.walletAddress,
    ...extra,
  };
}

export async function userByUuid(db: Db, uuid: string) {
  return db.select().from(users).where(eq(users.uuid, uuid)).get();
}

export async function userIdsInScope(db: Db, scopeType: "customer" | "project", scopeIds: number[]) {
  if (scopeIds.length === 0) return [];
  return (
    await db
      .select({ id: roleGrants.userId })
      .from(roleGrants)
      .where(and(eq(roleGrants.scopeType, scopeType), inArray(roleGrants.scopeId, scopeIds)))
      .all()
  ).map((r) => r.id);
}
