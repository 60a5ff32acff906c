// Invitation records: the invitee's address sealed and hashed on the way in, opened for the people
// allowed to manage the invitation, and the state a reader sees (a pending invitation past its
// expiry reads as expired without a write).
import { and, eq, gt, lte, or, type SQL } from "drizzle-orm";
import { inArray } from "../../db/in-list.ts";
import type { Db } from "../../app-env.ts";
import { scopeIdsOf, seesEverything } from "../../auth/access.ts";
import type { User } from "../../auth/session.ts";
import { customers, projects, type InvitationState, userInvitations, users } from "../../db/schema/index.ts";
import { type IdentityEnv, secretHash } from "../../identity/scopes/common.ts";
import { openJson, sealJson } from "../../secrets/sealed-json.ts";
import type { Links } from "../../http/links.ts";
import { fullName } from "../users.ts";

export type Invitation = typeof userInvitations.$inferSelect;

/** Waldur's INVITATION_LIFETIME default: one week. */
export const INVITATION_LIFETIME_MS = 7 * 24 * 3600 * 1000;

export const ROLE_DESCRIPTIONS: Record<string, string> = {
  "CUSTOMER.OWNER": "Organization owner",
  "CUSTOMER.MANAGER": "Organization manager",
  "CUSTOMER.SUPPORT": "Organization support",
  "PROJECT.ADMIN": "Project administrator",
  "PROJECT.MANAGER": "Project manager",
  "PROJECT.MEMBER": "Project member",
};

// Addresses are compared lower-cased: the hash must not depend on how the owner typed it.
const HASH_CONTEXT = "user-invitation-email";
export const emailHash = (env: IdentityEnv, email: string) => secretHash(env, HASH_CONTEXT, email.toLowerCase());

export const sealEmail = (env: IdentityEnv, uuid: string, email: string) =>
  sealJson(env, { kind: "user-invitation", recordId: uuid }, { email });

export async function openEmail(env: IdentityEnv, inv: Pick<Invitation, "uuid" | "emailSealed">): Promise<string> {
  const v = await openJson(env, { kind: "user-invitation", recordId: inv.uuid }, inv.emailSealed);
  if (typeof v.email !== "string") throw new Error("sealed invitation holds no address");
  return v.email;
}

export function stateOf(inv: Pick<Invitation, "state" | "expires">, now = Date.now()): InvitationState {
  return inv.state === "pending" && Date.parse(inv.expires) <= now ? "expired" : inv.state;
}

/** SQL for the state a reader sees (see stateOf). */
export function stateIs(state: InvitationState): SQL {
  // ISO timestamps compare as text.
  const now = new Date().toISOString();
  const t = userInvitations;
  if (state === "pending") return and(eq(t.state, "pending"), gt(t.expires, now))!;
  if (state === "expired") return or(eq(t.state, "expired"), and(eq(t.state, "pending"), lte(t.expires, now)))!;
  return eq(t.state, state);
}

/**
 * Invitations the user may see: staff and support all; owners those of their organizations and
 * its projects; project managers those of their projects.
 */
export function invitationVisible(db: Db, me: User): SQL | undefined {
  if (seesEverything(me)) return undefined;
  return or(
    inArray(userInvitations.customerId, scopeIdsOf(db, me.id, "customer", ["CUSTOMER.OWNER"])),
    and(eq(userInvitations.scopeType, "project"), inArray(userInvitations.scopeId, scopeIdsOf(db, me.id, "project", ["PROJECT.MANAGER"]))),
  );
}

export interface ScopeInfo {
  type: "customer" | "project";
  id: number;
  uuid: string;
  name: string;
  description: string;
  customer: { id: number; uuid: string; name: string };
}

export async function scopesOf(db: Db, rows: Pick<Invitation, "scopeType" | "scopeId" | "customerId">[]) {
  const custIds = [...new Set(rows.map((r) => r.customerId))];
  const projIds = [...new Set(rows.filter((r) => r.scopeType === "project").map((r) => r.scopeId))];
  const custs = custIds.length ? await db.select().from(customers).where(inArray(customers.id, custIds)).all() : [];
  const projs = projIds.length ? await db.select().from(projects).where(inArray(projects.id, projIds)).all() : [];
  return (r: Pick<Invitation, "scopeType" | "scopeId" | "customerId">): ScopeInfo => {
    const cu = custs.find((x) => x.id === r.customerId)!;
    const customer = { id: cu.id, uuid: cu.uuid, name: cu.name };
    if (r.scopeType === "customer") return { type: "customer", id: cu.id, uuid: cu.uuid, name: cu.name, description: cu.description, customer };
    const p = projs.find((x) => x.id === r.scopeId)!;
    return { type: "project", id: p.id, uuid: p.uuid, name: p.name, description: p.description, customer };
  };
}

/** Fields an invitee may see before accepting (Waldur's VisibleInvitationDetails, without the address). */
export async function publicDetails(db: Db, inv: Invitation) {
  const scope = (await scopesOf(db, [inv]))(inv);
  const by = inv.createdById ? await db.select().from(users).where(eq(users.id, inv.createdById)).get() : undefined;
  return {
    scope_uuid: scope.uuid,
    scope_name: scope.name,
    scope_description: scope.description,
    scope_type: scope.type,
    customer_uuid: scope.customer.uuid,
    customer_name: scope.customer.name,
    role_name: inv.role,
    role_description: ROLE_DESCRIPTIONS[inv.role] ?? inv.role,
    created_by_full_name: by ? fullName(by) : "",
    created_by_username: by?.username ?? "",
    created_by_image: null,
    state: stateOf(inv),
    expires: inv.expires,
    error_message: "",
    execution_state: "OK",
  };
}

/** Waldur's Invitation, with the address opened for the managing reader. */
export async function serializeInvitations(db: Db, env: IdentityEnv, links: Links, rows: Invitation[]) {
  const scopeOf = await scopesOf(db, rows);
  const creatorIds = [...new Set(rows.map((r) => r.createdById).filter((x): x is number => x !== null))];
  const creators = creatorIds.length ? await db.select().from(users).where(inArray(users.id, creatorIds)).all() : [];
  return Promise.all(
    rows.map(async (r) => {
      const scope = scopeOf(r);
      const by = creators.find((u) => u.id === r.createdById);
      return {
        url: `${links.base}/api/user-invitations/${r.uuid}/`,
        uuid: r.uuid,
        scope_uuid: scope.uuid,
        scope_name: scope.name,
        scope_description: scope.description,
        scope_type: scope.type,
        scope: links.to(scope.type === "customer" ? "customers" : "projects", scope.uuid),
        customer_uuid: scope.customer.uuid,
        customer_name: scope.customer.name,
        role: r.role,
        role_name: r.role,
        role_description: ROLE_DESCRIPTIONS[r.role] ?? r.role,
        email: await openEmail(env, r),
        civil_number: "",
        full_name: "",
        native_name: "",
        phone_number: "",
        organization: "",
        job_title: "",
        extra_invitation_text: r.extraText,
        state: stateOf(r),
        created: r.created,
        expires: r.expires,
        created_by_full_name: by ? fullName(by) : "",
        created_by_username: by?.username ?? "",
        created_by_image: null,
        error_message: "",
        execution_state: "OK",
      };
    }),
  );
}
