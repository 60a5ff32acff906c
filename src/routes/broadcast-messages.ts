// /api/broadcast-messages/: staff and support write messages to groups of users (Waldur's
// notifications app): create/list/retrieve/update/delete, recipients/ to see who a query names
// before sending, send/ to mail it through the configured transport.
import { and, count, desc, eq, like, type SQL } from "drizzle-orm";
import type { Context, Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../app-env.ts";
import { seesEverything } from "../auth/access.ts";
import { requireUser } from "../auth/session.ts";
import { inArray } from "../db/in-list.ts";
import { broadcastMessages, users } from "../db/schema/index.ts";
import { invalidState, notFound, permissionDenied } from "../http/errors.ts";
import { newUuid, nowIso, pathUuid } from "../http/ids.ts";
import { ordering, pageOf, paginated, qAll, qChoices, qOne, sparse } from "../http/list.ts";
import { body, isoDate, parseWith, requiredStr } from "../http/validate.ts";
import { identityEnv } from "../identity/scopes/common.ts";
import { normalizeQuery, querySchema, recipientIds } from "../structure/broadcast/query.ts";
import { sendBroadcast } from "../structure/broadcast/send.ts";
import { messageByUuid, serializeMessage, serializeMessages } from "../structure/broadcast/serialize.ts";
import { fullName } from "../structure/users.ts";

const BASE = "/api/broadcast-messages";
const STATES = ["DRAFT", "SCHEDULED", "SENT"] as const;

const subject = v.pipe(requiredStr(1000), v.regex(/^[^\r\n]*$/, "The subject must be one line."));
const text = v.pipe(requiredStr(100_000));
const sendAt = v.nullable(isoDate());
const createBody = v.object({ subject, body: text, query: querySchema, send_at: v.optional(sendAt, null) });
const patchBody = v.partial(createBody);

function staffOnly(c: Context<AppEnv>) {
  const me = requireUser(c.var.user);
  if (!seesEverything(me)) throw permissionDenied();
  return me;
}

async function findMessage(c: Context<AppEnv>) {
  const m = await messageByUuid(c.var.db, pathUuid(c.req.param("uuid")));
  if (!m) throw notFound();
  return m;
}

/** The query from a query string (recipients/): repeated or comma-separated values. */
function queryFromParams(c: Context<AppEnv>) {
  const raw: Record<string, unknown> = {};
  for (const k of ["customers", "projects", "offerings", "customer_roles", "project_roles"]) {
    const vals = qAll(c, k);
    if (vals.length) raw[k] = vals;
  }
  const all = qOne(c, "all_users");
  if (all !== undefined) raw.all_users = all;
  return normalizeQuery(parseWith(querySchema, raw));
}

export function mountBroadcastMessages(app: Hono<AppEnv>) {
  app.get(`${BASE}/`, async (c) => {
    staffOnly(c);
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [];
    const states = qChoices(c, "state", STATES);
    if (states.length) conds.push(inArray(broadcastMessages.state, states as (typeof STATES)[number][]));
    const subj = qOne(c, "subject");
    if (subj) conds.push(like(broadcastMessages.subject, `%${subj}%`));
    const where = and(...conds);
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(broadcastMessages).where(where).get())?.n ?? 0;
    const rows = await db
      .select()
      .from(broadcastMessages)
      .where(where)
      .orderBy(
        ...ordering(
          c,
          { created: broadcastMessages.created, subject: broadcastMessages.subject, state: broadcastMessages.state, send_at: broadcastMessages.sendAt },
          [desc(broadcastMessages.created), desc(broadcastMessages.id)],
        ),
      )
      .limit(p.size)
      .offset(p.offset)
      .all();
    return paginated(c, p, total, await serializeMessages(db, rows));
  });

  // Literal before /:uuid/.
  app.get(`${BASE}/recipients/`, async (c) => {
    staffOnly(c);
    const db = c.var.db;
    const ids = await recipientIds(db, queryFromParams(c));
    const p = pageOf(c);
    const rows = ids.length
      ? await db
          .select()
          .from(users)
          .where(inArray(users.id, ids))
          .orderBy(...ordering(c, { username: users.username, email: users.email }, [users.username]))
          .limit(p.size)
          .offset(p.offset)
          .all()
      : [];
    return paginated(
      c,
      p,
      ids.length,
      rows.map((u) => ({ uuid: u.uuid, username: u.username, full_name: fullName(u), email: u.email })),
    );
  });

  app.post(`${BASE}/`, async (c) => {
    const me = staffOnly(c);
    const b = await body(c, createBody);
    const query = normalizeQuery(b.query);
    await recipientIds(c.var.db, query, "query"); // names a missing customer/project/offering now, not at send time
    const now = nowIso();
    const row = await c.var.db
      .insert(broadcastMessages)
      .values({
        uuid: newUuid(),
        subject: b.subject,
        body: b.body,
        query,
        authorId: me.id,
        state: b.send_at ? "SCHEDULED" : "DRAFT",
        sendAt: b.send_at,
        created: now,
        modified: now,
      })
      .returning()
      .get();
    return c.json(await serializeMessage(c.var.db, row), 201);
  });

  app.get(`${BASE}/:uuid/`, async (c) => {
    staffOnly(c);
    return c.json(sparse(c, await serializeMessage(c.var.db, await findMessage(c))));
  });

  const update = (partial: boolean) => async (c: Context<AppEnv>) => {
    staffOnly(c);
    const m = await findMessage(c);
    const b = await body(c, partial ? patchBody : createBody);
    if (m.state === "SENT") throw invalidState(["DRAFT", "SCHEDULED"]);
    const set: Partial<typeof broadcastMessages.$inferInsert> = { modified: nowIso() };
    if (b.subject !== undefined) set.subject = b.subject;
    if (b.body !== undefined) set.body = b.body;
    if (b.query !== undefined) {
      set.query = normalizeQuery(b.query);
      await recipientIds(c.var.db, set.query, "query");
    }
    if (b.send_at !== undefined) {
      set.sendAt = b.send_at;
      set.state = b.send_at ? "SCHEDULED" : "DRAFT";
    }
    // Only while still unsent: a send that claimed the row in between wins.
    const row = await c.var.db
      .update(broadcastMessages)
      .set(set)
      .where(and(eq(broadcastMessages.id, m.id), inArray(broadcastMessages.state, ["DRAFT", "SCHEDULED"])))
      .returning()
      .get();
    if (!row) throw invalidState(["DRAFT", "SCHEDULED"]);
    return c.json(await serializeMessage(c.var.db, row));
  };
  app.put(`${BASE}/:uuid/`, update(false));
  app.patch(`${BASE}/:uuid/`, update(true));

  app.delete(`${BASE}/:uuid/`, async (c) => {
    staffOnly(c);
    const m = await findMessage(c);
    await c.var.db.delete(broadcastMessages).where(eq(broadcastMessages.id, m.id));
    return c.body(null, 204);
  });

  app.post(`${BASE}/:uuid/send/`, async (c) => {
    staffOnly(c);
    const m = await findMessage(c);
    const sent = await sendBroadcast(c.var.db, identityEnv(c.env), m);
    return c.json(await serializeMessage(c.var.db, sent));
  });
}
