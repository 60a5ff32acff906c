// /api/user-invitations/: invite someone by email to an organization or project with a role,
// Waldur's shapes. Thin handlers over src/structure/invitations/.
import { and, count, eq, or, type SQL } from "drizzle-orm";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { CUSTOMER_ROLES, PROJECT_ROLES } from "../auth/access.ts";
import { requireUser, type User } from "../auth/session.ts";
import { customers, INVITATION_STATES, projects, userInvitations } from "../db/schema/index.ts";
import { inArray } from "../db/in-list.ts";
import { fieldError, notFound, permissionDenied } from "../http/errors.ts";
import { pathUuid } from "../http/ids.ts";
import { ordering, pageOf, paginated, qAll, qChoices, qOne, qUuids, sparse } from "../http/list.ts";
import { DOES_NOT_EXIST, INCORRECT_MATCH, linksFor, origin, parseLink } from "../http/links.ts";
import { body, choice, optStr, v } from "../http/validate.ts";
import { emailField } from "../identity/scopes/email.ts";
import { identityEnv } from "../identity/scopes/common.ts";
import { findCustomer, findProject } from "../structure/customers.ts";
import { acceptInvitation, canInvite, cancelInvitation, createInvitation, resendInvitation, unusable } from "../structure/invitations/actions.ts";
import {
  emailHash,
  type Invitation,
  invitationVisible,
  openEmail,
  publicDetails,
  type ScopeInfo,
  serializeInvitations,
  stateIs,
  stateOf,
} from "../structure/invitations/store.ts";

const ROLES = [...CUSTOMER_ROLES, ...PROJECT_ROLES] as const;

/** The scope hyperlink: an organization or a project URL. */
const scopeLink = () =>
  v.pipe(
    v.string("This field is required."),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      for (const kind of ["customers", "projects"] as const) {
        const r = parseLink(dataset.value, kind);
        if (r.ok) return { kind, uuid: r.uuid };
        if (r.message !== INCORRECT_MATCH) {
          addIssue({ message: r.message });
          return NEVER;
        }
      }
      addIssue({ message: INCORRECT_MATCH });
      return NEVER;
    }),
  );

const createBody = v.object({
  scope: scopeLink(),
  role: choice(ROLES as unknown as readonly [string, ...string[]]),
  email: emailField(),
  extra_invitation_text: optStr(250),
});

async function scopeFor(c: Context<AppEnv>, me: User, ref: { kind: "customers" | "projects"; uuid: string }): Promise<ScopeInfo> {
  const db = c.var.db;
  try {
    if (ref.kind === "customers") {
      const cu = await findCustomer(db, me, ref.uuid);
      return { type: "customer", id: cu.id, uuid: cu.uuid, name: cu.name, description: cu.description, customer: { id: cu.id, uuid: cu.uuid, name: cu.name } };
    }
    const p = await findProject(db, me, ref.uuid);
    const cu = (await db.select().from(customers).where(eq(customers.id, p.customerId)).get())!;
    return { type: "project", id: p.id, uuid: p.uuid, name: p.name, description: p.description, customer: { id: cu.id, uuid: cu.uuid, name: cu.name } };
  } catch {
    throw fieldError("scope", DOES_NOT_EXIST);
  }
}

async function findVisible(c: Context<AppEnv>, me: User): Promise<Invitation> {
  const row = await c.var.db
    .select()
    .from(userInvitations)
    .where(and(eq(userInvitations.uuid, pathUuid(c.req.param("uuid"))), invitationVisible(c.var.db, me)))
    .get();
  if (!row) throw notFound();
  return row;
}

/** By uuid alone: the invitee holds the uuid from the message and sees nothing else. */
async function findByUuid(c: Context<AppEnv>): Promise<Invitation> {
  const row = await c.var.db.select().from(userInvitations).where(eq(userInvitations.uuid, pathUuid(c.req.param("uuid")))).get();
  if (!row) throw notFound();
  return row;
}

async function mayManage(c: Context<AppEnv>, me: User, inv: Invitation) {
  if (!(await canInvite(c.var.db, me, { type: inv.scopeType, id: inv.scopeId, customerId: inv.customerId }, inv.role))) throw permissionDenied();
}

export function mountInvitations(app: Hono<AppEnv>) {
  const base = "/api/user-invitations";

  app.get(`${base}/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const env = identityEnv(c.env);
    const t = userInvitations;
    const conds: (SQL | undefined)[] = [invitationVisible(db, me)];
    const custUuids = qUuids(c, "customer_uuid");
    if (custUuids.length) conds.push(inArray(t.customerId, db.select({ id: customers.id }).from(customers).where(inArray(customers.uuid, custUuids))));
    const projUuids = qUuids(c, "project_uuid");
    if (projUuids.length) {
      conds.push(eq(t.scopeType, "project"), inArray(t.scopeId, db.select({ id: projects.id }).from(projects).where(inArray(projects.uuid, projUuids))));
    }
    const scope = qOne(c, "scope");
    if (scope) {
      const asCustomer = parseLink(scope, "customers");
      const link = asCustomer.ok ? asCustomer : parseLink(scope, "projects");
      if (!link.ok) throw fieldError("scope", link.message);
      const table = asCustomer.ok ? customers : projects;
      conds.push(eq(t.scopeType, asCustomer.ok ? "customer" : "project"), inArray(t.scopeId, db.select({ id: table.id }).from(table).where(eq(table.uuid, link.uuid))));
    }
    const scopeType = qChoices(c, "scope_type", ["customer", "project"]);
    if (scopeType.length) conds.push(inArray(t.scopeType, scopeType as ("customer" | "project")[]));
    const roles = qAll(c, "role_name");
    if (roles.length) conds.push(inArray(t.role, roles));
    const states = qChoices(c, "state", INVITATION_STATES);
    if (states.length) conds.push(or(...states.map((s) => stateIs(s as Invitation["state"]))));
    // The address is sealed: filters match the whole address (case-insensitively) through its keyed hash.
    for (const name of ["email", "email_exact"]) {
      const e = qOne(c, name);
      if (e) conds.push(eq(t.emailHash, await emailHash(env, e.trim())));
    }
    const where = and(...conds);
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(t).where(where).get())?.n ?? 0;
    const rows = await db
      .select()
      .from(t)
      .where(where)
      .orderBy(...ordering(c, { created: t.created, state: t.state, expires: t.expires, role_name: t.role }, [t.created, t.id]))
      .limit(p.size)
      .offset(p.offset)
      .all();
    return paginated(c, p, total, await serializeInvitations(db, env, linksFor(c), rows));
  });

  app.post(`${base}/`, async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, createBody);
    const scope = await scopeFor(c, me, b.scope);
    const fits = scope.type === "customer" ? b.role.startsWith("CUSTOMER.") : b.role.startsWith("PROJECT.");
    if (!fits) throw fieldError("role", `Role ${b.role} cannot be granted in a ${scope.type === "customer" ? "organization" : "project"}.`);
    if (!(await canInvite(c.var.db, me, { type: scope.type, id: scope.id, customerId: scope.customer.id }, b.role))) throw permissionDenied();
    const env = identityEnv(c.env);
    const row = await createInvitation(c.var.db, env, me, origin(c), { scope, role: b.role, email: b.email, extraText: b.extra_invitation_text });
    return c.json((await serializeInvitations(c.var.db, env, linksFor(c), [row]))[0], 201);
  });

  app.get(`${base}/:uuid/`, async (c) => {
    const me = requireUser(c.var.user);
    const row = await findVisible(c, me);
    return c.json(sparse(c, (await serializeInvitations(c.var.db, identityEnv(c.env), linksFor(c), [row]))[0]!));
  });

  app.post(`${base}/:uuid/cancel/`, async (c) => {
    const me = requireUser(c.var.user);
    const row = await findVisible(c, me);
    await mayManage(c, me, row);
    await cancelInvitation(c.var.db, row);
    return c.json({ detail: "Invitation has been successfully canceled." });
  });

  app.post(`${base}/:uuid/send/`, async (c) => {
    const me = requireUser(c.var.user);
    const row = await findVisible(c, me);
    await mayManage(c, me, row);
    const updated = await resendInvitation(c.var.db, identityEnv(c.env), me, origin(c), row);
    return c.json({ detail: "Invitation has been sent.", state: stateOf(updated), expires: updated.expires });
  });

  // Public (Waldur's check): whether the link still works, and the address to sign up with.
  app.post(`${base}/:uuid/check/`, async (c) => {
    const row = await findByUuid(c);
    if (stateOf(row) !== "pending") throw unusable(row);
    return c.json({ email: await openEmail(identityEnv(c.env), row), civil_number_required: false });
  });

  app.get(`${base}/:uuid/details/`, async (c) => {
    requireUser(c.var.user);
    const row = await findByUuid(c);
    return c.json(await publicDetails(c.var.db, row));
  });

  app.post(`${base}/:uuid/accept/`, async (c) => {
    const me = requireUser(c.var.user);
    const row = await findByUuid(c);
    const scope = await acceptInvitation(c.var.db, me, row);
    return c.json({ detail: "Invitation has been accepted.", scope_type: scope.type, scope_uuid: scope.uuid, customer_uuid: scope.customer.uuid, role_name: row.role });
  });
}
