// /api/events/: the audit trail. Staff and support read all; others read what they did.
import { and, count, desc, eq, gte, like, lte, or, type SQL, sql } from "drizzle-orm";
import type { Hono } from "hono";
import type { AppEnv, Db } from "../app-env.ts";
import { projectVisible, scopeIdsOf, seesEverything } from "../auth/access.ts";
import { requireUser, type User } from "../auth/session.ts";
import { inArray } from "../db/in-list.ts";
import { customers, events, projects, users } from "../db/schema/index.ts";
import { notFound } from "../http/errors.ts";
import { pathUuid } from "../http/ids.ts";
import { pageOf, paginated, qAll, qOne, qUuids, sparse } from "../http/list.ts";

/**
 * customer_uuid= / project_uuid= (Waldur's filters): the feed of those organizations (with their
 * projects) or projects, whoever acted, limited to the ones the caller holds a role in (an
 * organization role for its feed; staff and support any). undefined when neither is given.
 */
function scopeFeed(db: Db, me: User, customerUuids: string[], projectUuids: string[]): SQL | undefined {
  if (!customerUuids.length && !projectUuids.length) return undefined;
  const all = seesEverything(me);
  const ctx = (key: string) => sql`json_extract(${events.context}, ${`$.${key}`})`;
  const parts: SQL[] = [];
  if (customerUuids.length) {
    const custWhere = and(inArray(customers.uuid, customerUuids), all ? undefined : inArray(customers.id, scopeIdsOf(db, me.id, "customer")));
    const custIds = db.select({ id: customers.id }).from(customers).where(custWhere);
    const projWhere = inArray(projects.customerId, custIds);
    parts.push(
      inArray(events.customerId, custIds),
      inArray(ctx("customers_uuid"), db.select({ u: customers.uuid }).from(customers).where(custWhere)),
      inArray(events.projectId, db.select({ id: projects.id }).from(projects).where(projWhere)),
      inArray(ctx("projects_uuid"), db.select({ u: projects.uuid }).from(projects).where(projWhere)),
    );
  }
  if (projectUuids.length) {
    const projWhere = and(inArray(projects.uuid, projectUuids), projectVisible(db, me, projects.id, projects.customerId));
    parts.push(
      inArray(events.projectId, db.select({ id: projects.id }).from(projects).where(projWhere)),
      inArray(ctx("projects_uuid"), db.select({ u: projects.uuid }).from(projects).where(projWhere)),
    );
  }
  return or(...parts);
}

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
    const feed = scopeFeed(db, me, qUuids(c, "customer_uuid"), qUuids(c, "project_uuid"));
    const conds: (SQL | undefined)[] = [feed ?? (seesEverything(me) ? undefined : eq(events.actorId, me.id))];
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
