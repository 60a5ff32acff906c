// The site agent registry (waldur-site-agent registers itself, its services and processors before
// every cycle): /api/marketplace-site-agent-identities/, -services/, -processors/.
import { and, count, eq, like, type SQL } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { managesOffering } from "../auth/access.ts";
import { requireUser, type User } from "../auth/session.ts";
import { agentIdentities, agentProcessors, agentServices, offerings, users } from "../db/schema/index.ts";
import { fieldError, notFound, permissionDenied } from "../http/errors.ts";
import { newUuid, nowIso, parseUuid, pathUuid } from "../http/ids.ts";
import { pageOf, paginated, qOne, qUuids, sparse } from "../http/list.ts";
import { linksFor, type Links } from "../http/links.ts";
import { body, isoDateTime, jsonObject, optStr, requiredStr, str, v } from "../http/validate.ts";
import { providerVisible } from "../marketplace/catalog/queries.ts";

type Identity = typeof agentIdentities.$inferSelect;
type Service = typeof agentServices.$inferSelect;
type Processor = typeof agentProcessors.$inferSelect;

const offeringRef = () =>
  v.pipe(
    v.string("This field is required."),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const m = dataset.value.match(/\/api\/marketplace-(?:provider|public)-offerings\/([^/]+)\/?$/);
      const u = parseUuid(m ? m[1]! : dataset.value);
      if (!u) {
        addIssue({ message: `“${dataset.value}” is not a valid UUID.` });
        return NEVER;
      }
      return u;
    }),
  );

const identityFields = {
  offering: offeringRef(),
  name: requiredStr(255),
  version: v.optional(v.nullable(str(100)), ""),
  dependencies: v.optional(v.array(v.object({ package: requiredStr(255), version: optStr(100) })), []),
  config_file_path: v.optional(v.nullable(str(500)), ""),
  config_file_content: v.optional(v.nullable(str(200_000)), ""),
  last_restarted: v.optional(v.nullable(isoDateTime()), null),
};

function serializeProcessor(links: Links, p: Processor, s: Service) {
  return {
    uuid: p.uuid,
    url: links.to("marketplace-site-agent-processors", p.uuid),
    service: s.uuid,
    service_name: s.name,
    name: p.name,
    backend_type: p.backendType,
    backend_version: p.backendVersion,
    last_run: p.lastRun,
    created: p.created,
    modified: p.modified,
  };
}

async function serializeServices(c: Context<AppEnv>, identity: Identity, services: Service[]) {
  const links = linksFor(c);
  const procs = services.length
    ? await c.var.db.select().from(agentProcessors).where(inArray(agentProcessors.serviceId, services.map((s) => s.id))).all()
    : [];
  return services.map((s) => ({
    uuid: s.uuid,
    url: links.to("marketplace-site-agent-services", s.uuid),
    identity: identity.uuid,
    identity_name: identity.name,
    name: s.name,
    mode: s.mode,
    state: s.state,
    statistics: s.statistics,
    created: s.created,
    modified: s.modified,
    processors: procs.filter((p) => p.serviceId === s.id).map((p) => serializeProcessor(links, p, s)),
  }));
}

async function serializeIdentity(c: Context<AppEnv>, i: Identity) {
  const links = linksFor(c);
  const db = c.var.db;
  const off = await db.select().from(offerings).where(eq(offerings.id, i.offeringId)).get();
  const by = await db.select().from(users).where(eq(users.id, i.createdById)).get();
  const services = await db.select().from(agentServices).where(eq(agentServices.identityId, i.id)).all();
  return {
    uuid: i.uuid,
    url: links.to("marketplace-site-agent-identities", i.uuid),
    offering: off?.uuid ?? null,
    offering_name: off?.name ?? null,
    created_by: by?.uuid ?? null,
    name: i.name,
    version: i.version,
    dependencies: i.dependencies,
    last_restarted: i.lastRestarted,
    config_file_path: i.configFilePath,
    config_file_content: i.configFileContent,
    created: i.created,
    modified: i.modified,
    services: await serializeServices(c, i, services),
  };
}

/** Identities of offerings the caller manages. */
function identityVisible(c: Context<AppEnv>, me: User): SQL | undefined {
  return inArray(agentIdentities.offeringId, c.var.db.select({ id: offerings.id }).from(offerings).where(providerVisible(c.var.db, me)));
}

async function findIdentity(c: Context<AppEnv>, me: User): Promise<Identity> {
  const row = await c.var.db
    .select()
    .from(agentIdentities)
    .where(and(eq(agentIdentities.uuid, pathUuid(c.req.param("uuid"))), identityVisible(c, me)))
    .get();
  if (!row) throw notFound();
  return row;
}

async function managedOffering(c: Context<AppEnv>, me: User, uuid: string) {
  const off = await c.var.db.select().from(offerings).where(eq(offerings.uuid, uuid)).get();
  if (!off) throw fieldError("offering", "Offering does not exist.");
  if (!(await managesOffering(c.var.db, me, off))) throw permissionDenied();
  return off;
}

export function mountSiteAgent(app: Hono<AppEnv>) {
  const ID = "/api/marketplace-site-agent-identities";
  app.get(`${ID}/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [identityVisible(c, me)];
    const name = qOne(c, "name");
    if (name) conds.push(eq(agentIdentities.name, name));
    const offs = qUuids(c, "offering_uuid");
    if (offs.length) conds.push(inArray(agentIdentities.offeringId, db.select({ id: offerings.id }).from(offerings).where(inArray(offerings.uuid, offs))));
    const version = qOne(c, "version");
    if (version) conds.push(like(agentIdentities.version, `%${version}%`));
    const where = and(...conds);
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(agentIdentities).where(where).get())?.n ?? 0;
    const rows = await db.select().from(agentIdentities).where(where).orderBy(agentIdentities.id).limit(p.size).offset(p.offset).all();
    return paginated(c, p, total, await Promise.all(rows.map((r) => serializeIdentity(c, r))));
  });

  app.post(`${ID}/`, async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, v.object(identityFields));
    const off = await managedOffering(c, me, b.offering);
    const now = nowIso();
    const row = await c.var.db
      .insert(agentIdentities)
      .values({
        uuid: newUuid(),
        offeringId: off.id,
        name: b.name,
        version: b.version ?? "",
        dependencies: b.dependencies.map((d) => ({ package: d.package, version: d.version })),
        configFilePath: b.config_file_path ?? "",
        configFileContent: b.config_file_content ?? "",
        lastRestarted: b.last_restarted,
        createdById: me.id,
        created: now,
        modified: now,
      })
      .returning()
      .get();
    return c.json(await serializeIdentity(c, row), 201);
  });

  app.get(`${ID}/:uuid/`, async (c) => {
    const me = requireUser(c.var.user);
    return c.json(sparse(c, await serializeIdentity(c, await findIdentity(c, me))));
  });

  const update = async (c: Context<AppEnv>) => {
    const me = requireUser(c.var.user);
    const i = await findIdentity(c, me);
    const b = await body(c, c.req.method === "PUT" ? v.object(identityFields) : v.partial(v.object(identityFields)));
    if (b.offering) await managedOffering(c, me, b.offering);
    const row = await c.var.db
      .update(agentIdentities)
      .set({
        modified: nowIso(),
        ...(b.name !== undefined ? { name: b.name } : {}),
        ...(b.version !== undefined ? { version: b.version ?? "" } : {}),
        ...(b.dependencies !== undefined ? { dependencies: b.dependencies } : {}),
        ...(b.config_file_path !== undefined ? { configFilePath: b.config_file_path ?? "" } : {}),
        ...(b.config_file_content !== undefined ? { configFileContent: b.config_file_content ?? "" } : {}),
        ...(b.last_restarted !== undefined ? { lastRestarted: b.last_restarted } : {}),
      })
      .where(eq(agentIdentities.id, i.id))
      .returning()
      .get();
    return c.json(await serializeIdentity(c, row));
  };
  app.put(`${ID}/:uuid/`, update);
  app.patch(`${ID}/:uuid/`, update);

  app.delete(`${ID}/:uuid/`, async (c) => {
    const me = requireUser(c.var.user);
    const i = await findIdentity(c, me);
    await c.var.db.delete(agentIdentities).where(eq(agentIdentities.id, i.id));
    return c.body(null, 204);
  });

  app.post(`${ID}/:uuid/register_service/`, async (c) => {
    const me = requireUser(c.var.user);
    const i = await findIdentity(c, me);
    const b = await body(c, v.object({ name: requiredStr(255), mode: optStr(100) }));
    const now = nowIso();
    const existing = await c.var.db
      .select()
      .from(agentServices)
      .where(and(eq(agentServices.identityId, i.id), eq(agentServices.name, b.name)))
      .get();
    const svc = existing
      ? await c.var.db.update(agentServices).set({ mode: b.mode, state: "Active", modified: now }).where(eq(agentServices.id, existing.id)).returning().get()
      : await c.var.db
          .insert(agentServices)
          .values({ uuid: newUuid(), identityId: i.id, name: b.name, mode: b.mode, created: now, modified: now })
          .returning()
          .get();
    return c.json((await serializeServices(c, i, [svc]))[0], existing ? 200 : 201);
  });

  const SVC = "/api/marketplace-site-agent-services";
  async function findService(c: Context<AppEnv>, me: User) {
    const row = await c.var.db
      .select({ s: agentServices, i: agentIdentities })
      .from(agentServices)
      .innerJoin(agentIdentities, eq(agentIdentities.id, agentServices.identityId))
      .where(and(eq(agentServices.uuid, pathUuid(c.req.param("uuid"))), identityVisible(c, me)))
      .get();
    if (!row) throw notFound();
    return row;
  }
  app.get(`${SVC}/`, async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const rows = await db
      .select({ s: agentServices, i: agentIdentities })
      .from(agentServices)
      .innerJoin(agentIdentities, eq(agentIdentities.id, agentServices.identityId))
      .where(identityVisible(c, me))
      .orderBy(agentServices.id)
      .all();
    const p = pageOf(c);
    const page = rows.slice(p.offset, p.offset + p.size);
    return paginated(c, p, rows.length, (await Promise.all(page.map((r) => serializeServices(c, r.i, [r.s])))).flat());
  });
  app.get(`${SVC}/:uuid/`, async (c) => {
    const me = requireUser(c.var.user);
    const r = await findService(c, me);
    return c.json(sparse(c, (await serializeServices(c, r.i, [r.s]))[0]!));
  });
  app.post(`${SVC}/:uuid/register_processor/`, async (c) => {
    const me = requireUser(c.var.user);
    const { s } = await findService(c, me);
    const b = await body(c, v.object({ name: requiredStr(255), backend_type: requiredStr(255), backend_version: v.optional(v.nullable(str(100)), "") }));
    const now = nowIso();
    const existing = await c.var.db
      .select()
      .from(agentProcessors)
      .where(and(eq(agentProcessors.serviceId, s.id), eq(agentProcessors.name, b.name)))
      .get();
    const proc = existing
      ? await c.var.db
          .update(agentProcessors)
          .set({ backendType: b.backend_type, backendVersion: b.backend_version ?? "", lastRun: now, modified: now })
          .where(eq(agentProcessors.id, existing.id))
          .returning()
          .get()
      : await c.var.db
          .insert(agentProcessors)
          .values({ uuid: newUuid(), serviceId: s.id, name: b.name, backendType: b.backend_type, backendVersion: b.backend_version ?? "", lastRun: now, created: now, modified: now })
          .returning()
          .get();
    return c.json(serializeProcessor(linksFor(c), proc, s), existing ? 200 : 201);
  });
  app.post(`${SVC}/:uuid/set_statistics/`, async (c) => {
    const me = requireUser(c.var.user);
    const { s, i } = await findService(c, me);
    const b = await body(c, v.object({ statistics: jsonObject() }));
    const row = await c.var.db.update(agentServices).set({ statistics: b.statistics, modified: nowIso() }).where(eq(agentServices.id, s.id)).returning().get();
    return c.json((await serializeServices(c, i, [row]))[0]);
  });

  app.get("/api/marketplace-site-agent-processors/", async (c) => {
    const me = requireUser(c.var.user);
    const rows = await c.var.db
      .select({ p: agentProcessors, s: agentServices })
      .from(agentProcessors)
      .innerJoin(agentServices, eq(agentServices.id, agentProcessors.serviceId))
      .innerJoin(agentIdentities, eq(agentIdentities.id, agentServices.identityId))
      .where(identityVisible(c, me))
      .orderBy(agentProcessors.id)
      .all();
    const p = pageOf(c);
    const links = linksFor(c);
    return paginated(c, p, rows.length, rows.slice(p.offset, p.offset + p.size).map((r) => serializeProcessor(links, r.p, r.s)));
  });
}
