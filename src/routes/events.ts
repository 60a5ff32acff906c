// /api/events/: the audit trail. Staff and support read all; others read what they did.
import { and, count, desc, eq, gte, like, lte, type SQL } from "drizzle-orm";
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { seesEverything } from "../auth/access.ts";
import { requireUser } from "../auth/session.ts";
import { events, users } from "../db/schema/index.ts";
import { notFound } from "../http/errors.ts";
import { pathUuid } from "../http/ids.ts";
import { pageOf, paginated, qAll, qOne, sparse } from "../http/list.ts";

function serialize(e: typeof events.$inferSelect, username: string | null) {
  return {
    uuid: e.uuid,
    created: e.created,
    event_type: e.eventType,
    message: e.message,
    context: { ...e.context, user_username: username },
  };
}

export function mountEvents(app: Hono<AppEnv>) {
  app.get("/api/events/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [seesEverything(me) ? undefined : eq(events.actorId, me.id)];
    const types = qAll(c, "event_type");
    if (types.length === 1) conds.push(eq(events.eventType, types[0]!));
    const q = qOne(c, "message");
    if (q) conds.push(like(events.message, `%${q}%`));
    const from = qOne(c, "created_from");
    if (from) conds.push(gte(events.created, from));
    const to = qOne(c, "created_to");
    if (to) conds.push(lte(events.created, to));
    const where = and(...conds);
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(events).where(where).get())?.n ?? 0;
    const rows = await db
      .select({ e: events, u: users.username })
      .from(events)
      .leftJoin(users, eq(users.id, events.actorId))
      .where(where)
      .orderBy(desc(events.created), desc(events.id))
      .limit(p.size)
      .offset(p.offset)
      .all();
    return paginated(c, p, total, rows.map((r) => serialize(r.e, r.u)));
  });

  app.get("/api/events/:uuid/", async (c) => {
    const me = requireUser(c.var.user);
    const r = await c.var.db
      .select({ e: events, u: users.username })
      .from(events)
      .leftJoin(users, eq(users.id, events.actorId))
      .where(and(eq(events.uuid, pathUuid(c.req.param("uuid"))), seesEverything(me) ? undefined : eq(events.actorId, me.id)))
      .get();
    if (!r) throw notFound();
    return c.json(sparse(c, serialize(r.e, r.u)));
  });
}
