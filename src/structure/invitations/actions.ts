// What can be done with an invitation, and by whom: owners invite to their organization and its
// projects, project managers invite admins and members to their project (as add_user allows);
// accepting grants the role to the accepting user once, while the invitation is pending.
import { and, eq, gt } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { hasRole } from "../../auth/access.ts";
import type { User } from "../../auth/session.ts";
import { events, projects, userInvitations } from "../../db/schema/index.ts";
import { ApiError, fieldError } from "../../http/errors.ts";
import { newUuid, nowIso } from "../../http/ids.ts";
import type { IdentityEnv } from "../../identity/scopes/common.ts";
import { ensureForProject } from "../../marketplace/offering-users/sync.ts";
import { grantRole } from "../roles.ts";
import { fullName } from "../users.ts";
import { sendInvitation } from "./mail.ts";
import { emailHash, INVITATION_LIFETIME_MS, type Invitation, openEmail, type ScopeInfo, sealEmail, scopesOf, stateIs, stateOf } from "./store.ts";

export async function canInvite(db: Db, me: User, scope: { type: "customer" | "project"; id: number; customerId: number }, role: string) {
  if (await hasRole(db, me, "customer", scope.customerId, ["CUSTOMER.OWNER"])) return true;
  return scope.type === "project" && role !== "PROJECT.MANAGER" && (await hasRole(db, me, "project", scope.id, ["PROJECT.MANAGER"]));
}

/** A refusal naming why an invitation cannot be used. */
export function unusable(inv: Invitation): ApiError {
  const detail = {
    expired: "This invitation has expired.",
    canceled: "This invitation has been canceled.",
    accepted: "This invitation has already been accepted.",
    pending: "This invitation is pending.",
  }[stateOf(inv)];
  return new ApiError(400, { detail });
}

const expiry = () => new Date(Date.now() + INVITATION_LIFETIME_MS).toISOString();

/**
 * One event on the organization (and project) feed, read by /api/events/?customer_uuid=. Never the
 * invitation's uuid: whoever holds it can accept, and the feed reaches every member of the scope.
 */
async function notify(db: Db, actor: User, scope: ScopeInfo, type: string, message: string, extra: Record<string, string>) {
  await db.insert(events).values({
    uuid: newUuid(),
    eventType: type,
    message,
    actorId: actor.id,
    customerId: scope.customer.id,
    projectId: scope.type === "project" ? scope.id : null,
    context: { customers_uuid: scope.customer.uuid, ...(scope.type === "project" ? { projects_uuid: scope.uuid } : {}), ...extra },
    created: nowIso(),
  });
}

export interface NewInvitation {
  scope: ScopeInfo;
  role: string;
  email: string;
  extraText: string;
}

export async function createInvitation(db: Db, env: IdentityEnv, me: User, portal: string, n: NewInvitation): Promise<Invitation> {
  const hash = await emailHash(env, n.email);
  const dup = await db
    .select({ id: userInvitations.id })
    .from(userInvitations)
    .where(
      and(
        eq(userInvitations.emailHash, hash),
        eq(userInvitations.scopeType, n.scope.type),
        eq(userInvitations.scopeId, n.scope.id),
        eq(userInvitations.role, n.role),
        stateIs("pending"),
      ),
    )
    .get();
  if (dup) throw fieldError("email", "A pending invitation for this address and role already exists; resend it instead.");
  const uuid = newUuid();
  const now = nowIso();
  const row = await db
    .insert(userInvitations)
    .values({
      uuid,
      scopeType: n.scope.type,
      scopeId: n.scope.id,
      customerId: n.scope.customer.id,
      role: n.role,
      emailSealed: await sealEmail(env, uuid, n.email),
      emailHash: hash,
      state: "pending",
      expires: expiry(),
      extraText: n.extraText,
      createdById: me.id,
      created: now,
      modified: now,
    })
    .returning()
    .get();
  try {
    await sendInvitation(env, mailOf(me, n.scope, row, n.email, portal));
  } catch (e) {
    // An invitation nobody was told about is not kept.
    await db.delete(userInvitations).where(eq(userInvitations.id, row.id));
    throw e;
  }
  await notify(db, me, n.scope, "user_invitation_created", `${me.username} invited someone as ${n.role} to ${n.scope.name}`, {});
  return row;
}

const mailOf = (me: User, scope: ScopeInfo, inv: Invitation, to: string, portal: string) => ({
  to,
  uuid: inv.uuid,
  inviter: fullName(me),
  scopeName: scope.name,
  scopeType: scope.type,
  role: inv.role,
  expires: inv.expires,
  extraText: inv.extraText,
  portal,
});

/** Resend: pending, expired or canceled invitations go out again, pending with a fresh expiry. */
export async function resendInvitation(db: Db, env: IdentityEnv, me: User, portal: string, inv: Invitation): Promise<Invitation> {
  if (stateOf(inv) === "accepted") throw unusable(inv);
  const scope = (await scopesOf(db, [inv]))(inv);
  const expires = expiry();
  // Mailed before the row changes: a failed send leaves the invitation as it was.
  await sendInvitation(env, mailOf(me, scope, { ...inv, expires }, await openEmail(env, inv), portal));
  return db
    .update(userInvitations)
    .set({ state: "pending", expires, modified: nowIso() })
    .where(and(eq(userInvitations.id, inv.id), eq(userInvitations.state, inv.state)))
    .returning()
    .get()
    .then((r) => r ?? inv);
}

export async function cancelInvitation(db: Db, inv: Invitation): Promise<void> {
  const r = await db
    .update(userInvitations)
    .set({ state: "canceled", modified: nowIso() })
    .where(and(eq(userInvitations.id, inv.id), eq(userInvitations.state, "pending"), gt(userInvitations.expires, nowIso())))
    .returning({ id: userInvitations.id })
    .get();
  if (!r) throw unusable(inv);
}

/** The invitation is claimed in one conditional update, so two accepts never both grant. */
export async function acceptInvitation(db: Db, me: User, inv: Invitation): Promise<ScopeInfo> {
  const claimed = await db
    .update(userInvitations)
    .set({ state: "accepted", acceptedById: me.id, modified: nowIso() })
    .where(and(eq(userInvitations.id, inv.id), eq(userInvitations.state, "pending"), gt(userInvitations.expires, nowIso())))
    .returning({ id: userInvitations.id })
    .get();
  if (!claimed) throw unusable(inv);
  const scope = (await scopesOf(db, [inv]))(inv);
  if (scope.type === "project") {
    const p = await db.select({ removed: projects.isRemoved }).from(projects).where(eq(projects.id, scope.id)).get();
    if (!p || p.removed) {
      await db.update(userInvitations).set({ state: "pending", acceptedById: null }).where(eq(userInvitations.id, inv.id));
      throw new ApiError(400, { detail: "The project of this invitation no longer exists." });
    }
  }
  await grantRole(db, me.id, scope.type, scope.id, inv.role, inv.createdById);
  if (scope.type === "project") await ensureForProject(db, scope.id);
  await notify(db, me, scope, "role_granted", `${me.username} joined ${scope.name} as ${inv.role}`, { user_uuid: me.uuid });
  return scope;
}
