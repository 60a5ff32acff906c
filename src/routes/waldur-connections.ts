// /api/waldur-connections/: a provider organization's connections to remote Waldur instances (the
// portal's "Import offering" wizard: credentials → organization → offerings → category), the
// offerings imported through them, and on-demand re-sync. The token is sealed on arrival and never
// returned; each connection shows a readable status and the last remote error.
import { and, count, eq, type SQL } from "drizzle-orm";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { PROVIDER_ROLES, hasRole, scopeIdsOf, seesEverything } from "../auth/access.ts";
import { requireUser, type User } from "../auth/session.ts";
import {
  categories,
  customers,
  offerings,
  serviceProviders,
  waldurConnections,
  waldurImportedOfferings,
} from "../db/schema/index.ts";
import { inArray } from "../db/in-list.ts";
import { ApiError, fieldError, notFound, permissionDenied } from "../http/errors.ts";
import { newUuid, nowIso, parseUuid, pathUuid } from "../http/ids.ts";
import { ordering, pageOf, paginated, sparse } from "../http/list.ts";
import { hyperlink, type Links, linksFor } from "../http/links.ts";
import { body, bool, choice, optStr, requiredStr, v } from "../http/validate.ts";
import {
  checkRemote,
  clientFor,
  normaliseApiUrl,
  openToken,
  recordRemoteError,
  recordRemoteOk,
  remoteOrganizations,
  sealToken,
  type WaldurConnection,
} from "../bridge/waldur/connection.ts";
import { applyRemoteOfferings, fetchRemoteOfferings } from "../bridge/waldur/offerings.ts";
import { SYNC_SCOPES, syncConnection } from "../bridge/waldur/sync.ts";

const BASE = "/api/waldur-connections";

const uuidField = (what: string) =>
  v.pipe(
    v.string("Not a valid string."),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const u = parseUuid(dataset.value);
      if (!u) {
        addIssue({ message: `Must be a valid UUID (${what}).` });
        return NEVER;
      }
      return u;
    }),
  );

const apiUrlField = v.pipe(
  requiredStr(500),
  v.url("Enter a valid URL."),
  v.check((s) => /^https?:\/\//i.test(s), "Only http and https URLs are accepted."),
);
const tokenField = v.pipe(requiredStr(500), v.regex(/^[\x21-\x7e]+$/, "The token must be printable ASCII without spaces."));

const createSchema = v.object({
  name: optStr(150),
  api_url: apiUrlField,
  token: tokenField,
  customer: hyperlink("customers"),
  remote_customer_uuid: uuidField("the remote organization"),
  category: v.optional(v.nullable(hyperlink("marketplace-categories")), null),
});

/** The local organization a connection is for: a service provider the caller owns or manages. */
async function providerOrganization(c: Context<AppEnv>, me: User, customerUuid: string) {
  const db = c.var.db;
  const cust = await db.select().from(customers).where(eq(customers.uuid, customerUuid)).get();
  if (!cust) throw fieldError("customer", "Invalid hyperlink - Object does not exist.");
  if (!(await hasRole(db, me, "customer", cust.id, PROVIDER_ROLES))) throw permissionDenied();
  const sp = await db.select({ id: serviceProviders.id }).from(serviceProviders).where(eq(serviceProviders.customerId, cust.id)).get();
  if (!sp) throw fieldError("customer", "The organization is not registered as a service provider.");
  return cust;
}

const remoteOrganizationsSchema = v.object({ api_url: apiUrlField, token: tokenField, customer: hyperlink("customers") });

const updateSchema = v.object({
  name: v.optional(requiredStr(150)),
  token: v.optional(tokenField),
  category: v.optional(v.nullable(hyperlink("marketplace-categories"))),
});

const importSchema = v.object({
  offerings: v.pipe(
    v.array(uuidField("a remote offering"), "Expected a list of remote offering uuids."),
    v.minLength(1, "Choose at least one offering."),
    v.maxLength(2000, "Import at most 2000 offerings at once."),
  ),
  category: v.optional(v.nullable(hyperlink("marketplace-categories")), null),
  /** Waldur's plugin option: local orders skip the local provider's review and go straight to the remote. */
  auto_approve_remote_orders: v.optional(bool(), false),
});

const syncSchema = v.object({ full: v.optional(bool(), false), scope: v.optional(choice(SYNC_SCOPES), "all") });

async function serialize(c: Context<AppEnv>, links: Links, rows: WaldurConnection[]) {
  const db = c.var.db;
  if (!rows.length) return [];
  const custRows = await db.select().from(customers).where(inArray(customers.id, [...new Set(rows.map((r) => r.customerId))])).all();
  const catIds = [...new Set(rows.map((r) => r.categoryId).filter((x): x is number => x !== null))];
  const catRows = catIds.length ? await db.select().from(categories).where(inArray(categories.id, catIds)).all() : [];
  const counts = await db
    .select({ id: waldurImportedOfferings.connectionId, n: count() })
    .from(waldurImportedOfferings)
    .where(inArray(waldurImportedOfferings.connectionId, rows.map((r) => r.id)))
    .groupBy(waldurImportedOfferings.connectionId)
    .all();
  return rows.map((r) => {
    const cust = custRows.find((x) => x.id === r.customerId)!;
    const cat = catRows.find((x) => x.id === r.categoryId);
    return {
      url: `${links.base}${BASE}/${r.uuid}/`,
      uuid: r.uuid,
      name: r.name,
      api_url: r.apiUrl,
      customer: links.to("customers", cust.uuid),
      customer_uuid: cust.uuid,
      customer_name: cust.name,
      remote_customer_uuid: r.remoteCustomerUuid,
      remote_customer_name: r.remoteCustomerName,
      remote_username: r.remoteUsername,
      remote_version: r.remoteVersion,
      category: cat ? links.to("marketplace-categories", cat.uuid) : null,
      category_uuid: cat?.uuid ?? null,
      status: r.status,
      last_error: r.lastError,
      last_error_at: r.lastErrorAt,
      last_check: r.lastCheck,
      last_sync: r.lastSync,
      imported_offerings_count: counts.find((x) => x.id === r.id)?.n ?? 0,
      created: r.created,
      modified: r.modified,
    };
  });
}

function visible(c: Context<AppEnv>, me: User): SQL | undefined {
  if (seesEverything(me)) return undefined;
  return inArray(waldurConnections.customerId, scopeIdsOf(c.var.db, me.id, "customer", PROVIDER_ROLES));
}

/** The connection when the caller may manage it (staff, owner or manager of its organization); 404 when not visible. */
async function managed(c: Context<AppEnv>): Promise<{ me: User; conn: WaldurConnection }> {
  const me = requireUser(c.var.user);
  const conn = await c.var.db.select().from(waldurConnections).where(eq(waldurConnections.uuid, pathUuid(c.req.param("uuid")))).get();
  if (!conn) throw notFound();
  if (!(await hasRole(c.var.db, me, "customer", conn.customerId, PROVIDER_ROLES))) {
    if (seesEverything(me)) throw permissionDenied();
    throw notFound();
  }
  return { me, conn };
}

async function categoryId(c: Context<AppEnv>, uuid: string | null): Promise<number | null> {
  if (!uuid) return null;
  const cat = await c.var.db.select({ id: categories.id }).from(categories).where(eq(categories.uuid, uuid)).get();
  if (!cat) throw fieldError("category", "Invalid hyperlink - Object does not exist.");
  return cat.id;
}

/** A remote failure on an existing connection: kept on it, answered 503 when it may pass, 400 when it needs the provider. */
async function remoteFailure(c: Context<AppEnv>, conn: WaldurConnection, what: string, r: { status: number; message: string; transient: boolean }): Promise<never> {
  const message = `${what}: ${r.status ? `HTTP ${r.status}: ` : ""}${r.message}`;
  await recordRemoteError(c.var.db, conn.id, message);
  if (r.transient) throw new ApiError(503, { detail: `The remote Waldur did not answer (${message}); try again later.` });
  throw new ApiError(400, { detail: `The remote Waldur refused (${message}).` });
}

async function one(c: Context<AppEnv>, conn: WaldurConnection) {
  const [s] = await serialize(c, linksFor(c), [conn]);
  return sparse(c, s!);
}

async function reload(c: Context<AppEnv>, id: number): Promise<WaldurConnection> {
  return (await c.var.db.select().from(waldurConnections).where(eq(waldurConnections.id, id)).get())!;
}

export function mountWaldurConnections(app: Hono<AppEnv>) {
  app.get(`${BASE}/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const p = pageOf(c);
    const where = and(visible(c, me));
    const total = (await db.select({ n: count() }).from(waldurConnections).where(where).get())?.n ?? 0;
    const rows = await db
      .select()
      .from(waldurConnections)
      .where(where)
      .orderBy(...ordering(c, { name: waldurConnections.name, created: waldurConnections.created, status: waldurConnections.status }, [waldurConnections.created, waldurConnections.id]))
      .limit(p.size)
      .offset(p.offset)
      .all();
    return paginated(c, p, total, await serialize(c, linksFor(c), rows));
  });

  // The import wizard's organization step: which remote organizations these credentials can import from.
  app.post(`${BASE}/remote_organizations/`, async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, remoteOrganizationsSchema);
    await providerOrganization(c, me, b.customer);
    const apiUrl = normaliseApiUrl(b.api_url);
    if (c.env.VE_MODE !== "local" && !apiUrl.startsWith("https://")) throw fieldError("api_url", "Only https URLs are accepted outside local mode.");
    const found = await remoteOrganizations(clientFor(apiUrl, b.token, { retries: 1, backoffMs: 200 }));
    if (!found.ok) throw fieldError(found.field, `The remote Waldur cannot be used: ${found.message}`);
    return c.json({ remote_version: found.value.version, remote_username: found.value.username, organizations: found.value.organizations });
  });

  app.post(`${BASE}/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const b = await body(c, createSchema);
    const apiUrl = normaliseApiUrl(b.api_url);
    if (c.env.VE_MODE !== "local" && !apiUrl.startsWith("https://")) throw fieldError("api_url", "Only https URLs are accepted outside local mode.");
    const cust = await providerOrganization(c, me, b.customer);
    const catId = await categoryId(c, b.category);
    const dup = await db
      .select({ id: waldurConnections.id })
      .from(waldurConnections)
      .where(and(eq(waldurConnections.customerId, cust.id), eq(waldurConnections.apiUrl, apiUrl), eq(waldurConnections.remoteCustomerUuid, b.remote_customer_uuid)))
      .get();
    if (dup) throw fieldError("remote_customer_uuid", "This organization already has a connection to that remote organization.");

    const checked = await checkRemote(clientFor(apiUrl, b.token, { retries: 1, backoffMs: 200 }), b.remote_customer_uuid);
    if (!checked.ok) throw fieldError(checked.field, `The connection cannot work: ${checked.message}`);

    const uuid = newUuid();
    const now = nowIso();
    const [row] = await db
      .insert(waldurConnections)
      .values({
        uuid,
        customerId: cust.id,
        createdById: me.id,
        name: b.name || `${checked.value.customerName} at ${new URL(apiUrl).host}`,
        apiUrl,
        tokenSealed: await sealToken(c.env, uuid, b.token),
        remoteCustomerUuid: b.remote_customer_uuid,
        remoteCustomerName: checked.value.customerName,
        remoteUsername: checked.value.username,
        remoteVersion: checked.value.version,
        categoryId: catId,
        status: "OK",
        lastCheck: now,
        created: now,
        modified: now,
      })
      .returning();
    return c.json(await one(c, row!), 201);
  });

  app.get(`${BASE}/:uuid/`, async (c) => {
    const { conn } = await managed(c);
    return c.json(await one(c, conn));
  });

  // A new token (rotated on the remote) is checked like a new connection, then sealed; the imported
  // offerings carry the token in their sealed settings, so they are all re-sealed at once.
  app.patch(`${BASE}/:uuid/`, async (c) => {
    const { conn } = await managed(c);
    const db = c.var.db;
    const b = await body(c, updateSchema);
    const set: Partial<typeof waldurConnections.$inferInsert> = { modified: nowIso() };
    if (b.name !== undefined) set.name = b.name;
    if (b.category !== undefined) set.categoryId = await categoryId(c, b.category);
    if (b.token !== undefined) {
      const checked = await checkRemote(clientFor(conn.apiUrl, b.token, { retries: 1, backoffMs: 200 }), conn.remoteCustomerUuid);
      if (!checked.ok) throw fieldError(checked.field === "api_url" ? "token" : checked.field, `The new token cannot work: ${checked.message}`);
      set.tokenSealed = await sealToken(c.env, conn.uuid, b.token);
      set.status = "OK";
      set.lastError = "";
      set.lastCheck = nowIso();
      set.remoteUsername = checked.value.username;
    }
    await db.update(waldurConnections).set(set).where(eq(waldurConnections.id, conn.id));
    if (b.token !== undefined) {
      await db.update(waldurImportedOfferings).set({ remoteDigest: "" }).where(eq(waldurImportedOfferings.connectionId, conn.id));
      await syncConnection(db, c.env, await reload(c, conn.id), { full: true, scope: "offerings" });
    }
    return c.json(await one(c, await reload(c, conn.id)));
  });

  app.delete(`${BASE}/:uuid/`, async (c) => {
    const { conn } = await managed(c);
    const db = c.var.db;
    // Imported offerings stay (resources point at them) but can no longer be ordered.
    const ids = db.select({ id: waldurImportedOfferings.offeringId }).from(waldurImportedOfferings).where(eq(waldurImportedOfferings.connectionId, conn.id));
    await db.batch([
      db.update(offerings).set({ state: "Archived", modified: nowIso() }).where(inArray(offerings.id, ids)),
      db.delete(waldurConnections).where(eq(waldurConnections.id, conn.id)),
    ]);
    return c.body(null, 204);
  });

  app.post(`${BASE}/:uuid/check/`, async (c) => {
    const { conn } = await managed(c);
    const token = await openToken(c.env, conn);
    const checked = await checkRemote(clientFor(conn.apiUrl, token, { retries: 1, backoffMs: 200 }), conn.remoteCustomerUuid);
    if (checked.ok) {
      await recordRemoteOk(c.var.db, conn.id, {
        lastCheck: nowIso(),
        remoteVersion: checked.value.version,
        remoteUsername: checked.value.username,
        remoteCustomerName: checked.value.customerName,
      });
    } else {
      await recordRemoteError(c.var.db, conn.id, `${checked.field}: ${checked.message}`);
      await c.var.db.update(waldurConnections).set({ lastCheck: nowIso() }).where(eq(waldurConnections.id, conn.id));
    }
    return c.json(await one(c, await reload(c, conn.id)));
  });

  app.get(`${BASE}/:uuid/remote_offerings/`, async (c) => {
    const { conn } = await managed(c);
    const token = await openToken(c.env, conn);
    const r = await fetchRemoteOfferings(clientFor(conn.apiUrl, token), conn.remoteCustomerUuid);
    if (!r.ok) return remoteFailure(c, conn, "listing offerings", r);
    const links = await c.var.db
      .select({ remote: waldurImportedOfferings.remoteUuid, local: offerings.uuid })
      .from(waldurImportedOfferings)
      .innerJoin(offerings, eq(offerings.id, waldurImportedOfferings.offeringId))
      .where(eq(waldurImportedOfferings.connectionId, conn.id))
      .all();
    const localOf = new Map(links.map((l) => [l.remote, l.local]));
    const items = [
      ...r.offerings.map((o) => ({
        uuid: o.uuid,
        name: o.name,
        type: o.type,
        state: o.state,
        category_title: o.category_title ?? "",
        description: o.description ?? "",
        plans_count: o.plans.length,
        components_count: o.components.length,
        importable: true,
        problem: "",
        imported: localOf.has(o.uuid),
        local_offering_uuid: localOf.get(o.uuid) ?? null,
      })),
      ...r.invalid.map((x) => ({
        uuid: x.uuid,
        name: "",
        type: "",
        state: "",
        category_title: "",
        description: "",
        plans_count: 0,
        components_count: 0,
        importable: false,
        problem: x.message,
        imported: localOf.has(x.uuid),
        local_offering_uuid: localOf.get(x.uuid) ?? null,
      })),
    ];
    const p = pageOf(c);
    return paginated(c, p, items.length, items.slice(p.offset, p.offset + p.size));
  });

  app.post(`${BASE}/:uuid/import_offerings/`, async (c) => {
    const { conn } = await managed(c);
    const b = await body(c, importSchema);
    const catId = (await categoryId(c, b.category)) ?? conn.categoryId;
    if (catId === null) throw fieldError("category", "Choose the local category for the imported offerings (or set one on the connection).");
    const token = await openToken(c.env, conn);
    const r = await fetchRemoteOfferings(clientFor(conn.apiUrl, token), conn.remoteCustomerUuid);
    if (!r.ok) return remoteFailure(c, conn, "listing offerings", r);
    const byUuid = new Map(r.offerings.map((o) => [o.uuid, o]));
    const invalid = new Map(r.invalid.map((x) => [x.uuid, x.message]));
    const problems: Record<string, string[]> = {};
    b.offerings.forEach((u, i) => {
      if (invalid.has(u)) problems[String(i)] = [invalid.get(u)!];
      else if (!byUuid.has(u)) problems[String(i)] = [`Offering ${u} is not an offering of "${conn.remoteCustomerName}" on the remote Waldur.`];
    });
    if (Object.keys(problems).length) throw new ApiError(400, { offerings: problems });
    const chosen = [...new Set(b.offerings)].map((u) => byUuid.get(u)!);
    const run = await applyRemoteOfferings(c.var.db, c.env, conn, token, chosen, catId, { auto_approve_remote_orders: b.auto_approve_remote_orders });
    await recordRemoteOk(c.var.db, conn.id, { lastSync: nowIso() });
    return c.json({ created: run.created, updated: run.updated, unchanged: run.unchanged }, run.created.length ? 201 : 200);
  });

  app.post(`${BASE}/:uuid/sync/`, async (c) => {
    const { conn } = await managed(c);
    const b = await body(c, syncSchema);
    const run = await syncConnection(c.var.db, c.env, conn, { full: b.full, scope: b.scope });
    return c.json({
      ok: run.ok,
      offerings_updated: run.offeringsUpdated,
      offerings_unchanged: run.offeringsUnchanged,
      offerings_archived: run.offeringsArchived,
      resources_mirrored: run.resourcesMirrored,
      errors: run.errors,
      connection: await one(c, await reload(c, conn.id)),
    });
  });
}
