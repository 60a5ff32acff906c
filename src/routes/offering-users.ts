// /api/marketplace-offering-users/: how each user is known on a provider's backend, with the
// account life cycle the site agent drives (waldur-api.md §3.7, §5.4).
import { and, count, eq, like, or, type SQL } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { offeringManaged, seesEverything } from "../auth/access.ts";
import { requireUser, type User } from "../auth/session.ts";
import { customers, offeringUsers, offerings, users } from "../db/schema/index.ts";
import type { OfferingUserState } from "../db/schema/marketplace.ts";
import { fieldError, invalidState, notFound } from "../http/errors.ts";
import { newUuid, nowIso, parseUuid, pathUuid } from "../http/ids.ts";
import { ordering, pageOf, paginated, qBool, qChoices, qOne, qUuids, sparse } from "../http/list.ts";
import { linksFor } from "../http/links.ts";
import { body, bool, optStr, str, v } from "../http/validate.ts";
import { fullName } from "../structure/users.ts";

const BASE = "/api/marketplace-offering-users";
const STATES = [
  "Requested",
  "Creating",
  "Pending account linking",
  "Pending additional validation",
  "OK",
  "Requested deletion",
  "Deleting",
  "Deleted",
  "Error creating",
  "Error deleting",
] as const;

type OU = typeof offeringUsers.$inferSelect;

/** Transitions of §5.4: action → (valid source states, target). */
const TRANSITIONS: Record<string, { from: OfferingUserState[]; to: OfferingUserState; comment?: boolean }> = {
  begin_creating: { from: ["Requested", "Error creating"], to: "Creating" },
  set_ok: { from: ["Creating", "Pending account linking", "Pending additional validation", "Requested"], to: "OK" },
  set_pending_account_linking: { from: ["Creating", "Requested"], to: "Pending account linking", comment: true },
  set_pending_additional_validation: { from: ["Creating", "Requested"], to: "Pending additional validation", comment: true },
  set_validation_complete: { from: ["Pending account linking", "Pending additional validation"], to: "OK" },
  set_error_creating: { from: ["Creating", "Requested"], to: "Error creating" },
  request_deletion: { from: ["OK", "Error deleting"], to: "Requested deletion" },
  set_deleting: { from: ["Requested deletion", "Error deleting"], to: "Deleting" },
  set_deleted: { from: ["Deleting", "Requested deletion"], to: "Deleted" },
  set_error_deleting: { from: ["Deleting", "Requested deletion"], to: "Error deleting" },
};

/** Provider side sees its offerings' users; users see their own accounts. */
function visible(c: Context<AppEnv>, me: User): SQL | undefined {
  if (seesEverything(me)) return undefined;
  return or(eq(offeringUsers.userId, me.id), offeringManaged(c.var.db, me, offeringUsers.offeringId));
}

async function render(c: Context<AppEnv>, rows: OU[]) {
  if (rows.length === 0) return [];
  const db = c.var.db;
  const us = await db.select().from(users).where(inArray(users.id, [...new Set(rows.map((r) => r.userId))])).all();
  const offs = await db
    .select({ o: offerings, c: customers })
    .from(offerings)
    .innerJoin(customers, eq(customers.id, offerings.customerId))
    .where(inArray(offerings.id, [...new Set(rows.map((r) => r.offeringId))]))
    .all();
  const links = linksFor(c);
  return rows.map((r) => {
    const u = us.find((x) => x.id === r.userId)!;
    const o = offs.find((x) => x.o.id === r.offeringId)!;
    return {
      url: links.to("marketplace-offering-users", r.uuid),
      uuid: r.uuid,
      user: links.to("users", u.uuid),
      offering: links.to("marketplace-public-offerings", o.o.uuid),
      username: r.username || null,
      offering_uuid: o.o.uuid,
      offering_name: o.o.name,
      user_uuid: u.uuid,
      user_username: u.username,
      user_full_name: fullName(u),
      user_first_name: u.firstName,
      user_last_name: u.lastName,
      user_email: u.email,
      user_phone_number: u.phoneNumber,
      user_organization: u.organization,
      user_job_title: u.jobTitle,
      user_affiliations: [],
      created: r.created,
      modified: r.modified,
      customer_uuid: o.c.uuid,
      customer_name: o.c.name,
      is_restricted: r.isRestricted,
      state: r.state,
      service_provider_comment: r.serviceProviderComment,
      service_provider_comment_url: r.serviceProviderCommentUrl,
      has_consent: true,
      requires_reconsent: false,
      has_compliance_checklist: false,
      consent_data: null,
      is_profile_complete: true,
      missing_profile_attributes: [],
    };
  });
}

async function find(c: Context<AppEnv>, me: User, provider: boolean): Promise<OU> {
  const row = await c.var.db
    .select()
    .from(offeringUsers)
    .where(and(eq(offeringUsers.uuid, pathUuid(c.req.param("uuid"))), provider && !me.isStaff ? offeringManaged(c.var.db, me, offeringUsers.offeringId) : visible(c, me)))
    .get();
  if (!row) throw notFound();
  return row;
}

const linkUuid = (s: string) => parseUuid(s.match(/\/([^/]+)\/?$/)?.[1] ?? s);

export function mountOfferingUsers(app: Hono<AppEnv>) {
  app.get(`${BASE}/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [visible(c, me)];
    const offs = qUuids(c, "offering_uuid");
    if (offs.length) conds.push(inArray(offeringUsers.offeringId, db.select({ id: offerings.id }).from(offerings).where(inArray(offerings.uuid, offs))));
    const states = qChoices(c, "state", STATES);
    if (states.length) conds.push(inArray(offeringUsers.state, states as OfferingUserState[]));
    const restricted = qBool(c, "is_restricted");
    if (restricted !== undefined) conds.push(eq(offeringUsers.isRestricted, restricted));
    const us = qUuids(c, "user_uuid");
    if (us.length) conds.push(inArray(offeringUsers.userId, db.select({ id: users.id }).from(users).where(inArray(users.uuid, us))));
    const uname = qOne(c, "user_username");
    if (uname) conds.push(inArray(offeringUsers.userId, db.select({ id: users.id }).from(users).where(eq(users.username, uname))));
    const q = qOne(c, "query");
    if (q) conds.push(or(like(offeringUsers.username, `%${q}%`), inArray(offeringUsers.userId, db.select({ id: users.id }).from(users).where(like(users.username, `%${q}%`)))));
    const provs = qUuids(c, "provider_uuid");
    if (provs.length) {
      conds.push(
        inArray(
          offeringUsers.offeringId,
          db.select({ id: offerings.id }).from(offerings).where(inArray(offerings.customerId, db.select({ id: customers.id }).from(customers).where(inArray(customers.uuid, provs)))),
        ),
      );
    }
    const where = and(...conds);
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(offeringUsers).where(where).get())?.n ?? 0;
    const rows = await db
      .select()
      .from(offeringUsers)
      .where(where)
      .orderBy(...ordering(c, { created: offeringUsers.created, modified: offeringUsers.modified, username: offeringUsers.username }, [offeringUsers.id]))
      .limit(p.size)
      .offset(p.offset)
      .all();
    return paginated(c, p, total, await render(c, rows));
  });

  app.get(`${BASE}/:uuid/`, async (c) => {
    const me = requireUser(c.var.user);
    return c.json(sparse(c, (await render(c, [await find(c, me, false)]))[0]!));
  });

  app.post(`${BASE}/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const b = await body(
      c,
      v.object({
        user: v.optional(v.nullable(str(500))),
        user_uuid: v.optional(v.nullable(str(36))),
        offering: v.optional(v.nullable(str(500))),
        offering_uuid: v.optional(v.nullable(str(36))),
        username: v.optional(v.nullable(str(100)), ""),
      }),
    );
    const uu = linkUuid(b.user ?? b.user_uuid ?? "");
    const ou = linkUuid(b.offering ?? b.offering_uuid ?? "");
    if (!uu) throw fieldError("user", "This field is required.");
    if (!ou) throw fieldError("offering", "This field is required.");
    const user = await db.select().from(users).where(eq(users.uuid, uu)).get();
    if (!user) throw fieldError("user", "Object does not exist.");
    const offering = await db
      .select()
      .from(offerings)
      .where(and(eq(offerings.uuid, ou), me.isStaff ? undefined : offeringManaged(db, me, offerings.id)))
      .get();
    if (!offering) throw fieldError("offering", "Object does not exist.");
    const exists = await db.select({ id: offeringUsers.id }).from(offeringUsers).where(and(eq(offeringUsers.offeringId, offering.id), eq(offeringUsers.userId, user.id))).get();
    if (exists) throw fieldError("non_field_errors", "The fields offering, user must make a unique set.");
    const now = nowIso();
    const row = await db
      .insert(offeringUsers)
      .values({ uuid: newUuid(), offeringId: offering.id, userId: user.id, username: b.username ?? "", state: b.username ? "OK" : "Requested", created: now, modified: now })
      .returning()
      .get();
    return c.json((await render(c, [row]))[0], 201);
  });

  const update = async (c: Context<AppEnv>) => {
    const me = requireUser(c.var.user);
    const ou = await find(c, me, true);
    const b = await body(c, v.object({ username: v.optional(v.nullable(str(100))) }));
    const set: Partial<typeof offeringUsers.$inferInsert> = { modified: nowIso() };
    if (b.username !== undefined) {
      set.username = b.username ?? "";
      // Naming an account that is being created completes it (what the site agent relies on).
      if (b.username && ["Creating", "Error creating", "Requested"].includes(ou.state)) set.state = "OK";
    }
    const row = await c.var.db.update(offeringUsers).set(set).where(eq(offeringUsers.id, ou.id)).returning().get();
    return c.json((await render(c, [row]))[0]);
  };
  app.put(`${BASE}/:uuid/`, update);
  app.patch(`${BASE}/:uuid/`, update);

  app.delete(`${BASE}/:uuid/`, async (c) => {
    const me = requireUser(c.var.user);
    const ou = await find(c, me, true);
    await c.var.db.delete(offeringUsers).where(eq(offeringUsers.id, ou.id));
    return c.body(null, 204);
  });

  for (const [action, t] of Object.entries(TRANSITIONS)) {
    app.post(`${BASE}/:uuid/${action}/`, async (c) => {
      const me = requireUser(c.var.user);
      const ou = await find(c, me, true);
      const b = t.comment ? await body(c, v.object({ comment: optStr(2000), comment_url: optStr(500) })) : { comment: undefined, comment_url: undefined };
      const row = await c.var.db
        .update(offeringUsers)
        .set({
          state: t.to,
          modified: nowIso(),
          ...(t.comment ? { serviceProviderComment: b.comment ?? "", serviceProviderCommentUrl: b.comment_url ?? "" } : {}),
        })
        .where(and(eq(offeringUsers.id, ou.id), inArray(offeringUsers.state, t.from)))
        .returning()
        .get();
      if (!row) throw invalidState(t.from);
      return c.json({ detail: `Offering user state is ${t.to}.` });
    });
  }

  app.post(`${BASE}/:uuid/update_restricted/`, async (c) => {
    const me = requireUser(c.var.user);
    const ou = await find(c, me, true);
    const b = await body(c, v.object({ is_restricted: bool() }));
    await c.var.db.update(offeringUsers).set({ isRestricted: b.is_restricted, modified: nowIso() }).where(eq(offeringUsers.id, ou.id));
    return c.json({ detail: "Offering user restriction updated." });
  });
}
