// /api/customers/ and /api/projects/ with their role actions.
import { and, count, eq, like, ne, notInArray, or, type SQL } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { CUSTOMER_ROLES, hasRole, PROJECT_ROLES, projectVisible } from "../auth/access.ts";
import { requireUser } from "../auth/session.ts";
import { customers, projects, resources, serviceProviders } from "../db/schema/index.ts";
import { conflict, fieldError, permissionDenied } from "../http/errors.ts";
import { newUuid, nowIso, pathUuid, uniqueSlug } from "../http/ids.ts";
import { ordering, pageOf, paginated, qBool, qOne, qUuids, sparse } from "../http/list.ts";
import { hyperlink, linksFor } from "../http/links.ts";
import { body, bool, isoDate, optStr, requiredStr, str, v } from "../http/validate.ts";
import {
  customerVisible,
  findCustomer,
  findProject,
  serializeCustomers,
  serializeProjects,
} from "../structure/customers.ts";
import { ensureForProject } from "../marketplace/offering-users/sync.ts";
import { grantRole, mountRoleActions } from "../structure/roles.ts";

const customerFields = {
  native_name: optStr(160),
  abbreviation: optStr(12),
  description: optStr(2000),
  contact_details: optStr(2000),
  email: v.optional(v.pipe(str(75), v.check((s) => s === "" || /^[^@\s]+@[^@\s]+$/.test(s), "Enter a valid email address.")), ""),
  phone_number: optStr(255),
  registration_code: optStr(160),
  agreement_number: optStr(160),
  vat_code: optStr(20),
  address: optStr(300),
  postal: optStr(20),
  homepage: optStr(255),
  domain: optStr(255),
  country: optStr(2),
  backend_id: optStr(255),
};
const customerCreate = v.object({ name: requiredStr(150), slug: v.optional(v.pipe(str(50), v.regex(/^[a-z0-9-]*$/, "Enter a valid “slug”.")), ""), ...customerFields });
const customerUpdate = v.partial(v.object({ name: requiredStr(150), ...customerFields, blocked: bool(), archived: bool() }));

const projectCreate = v.object({
  name: requiredStr(500),
  customer: hyperlink("customers"),
  description: optStr(2000),
  slug: v.optional(v.pipe(str(50), v.regex(/^[a-z0-9-]*$/, "Enter a valid “slug”.")), ""),
  backend_id: optStr(255),
  start_date: v.optional(v.nullable(isoDate()), null),
  end_date: v.optional(v.nullable(isoDate()), null),
  kind: v.optional(v.picklist(["default", "course", "public"], (i) => `"${String(i.input)}" is not a valid choice.`), "default"),
});
const projectUpdate = v.partial(
  v.object({
    name: requiredStr(500),
    description: str(2000),
    backend_id: str(255),
    start_date: v.nullable(isoDate()),
    end_date: v.nullable(isoDate()),
  }),
);

export function mountCustomers(app: Hono<AppEnv>) {
  app.get("/api/customers/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [customerVisible(db, me)];
    const name = qOne(c, "name");
    if (name) conds.push(like(customers.name, `%${name}%`));
    const exact = qOne(c, "name_exact");
    if (exact) conds.push(eq(customers.name, exact));
    const q = qOne(c, "query");
    if (q) conds.push(or(like(customers.name, `%${q}%`), like(customers.abbreviation, `%${q}%`), like(customers.nativeName, `%${q}%`)));
    const abbr = qOne(c, "abbreviation");
    if (abbr) conds.push(like(customers.abbreviation, `%${abbr}%`));
    const archived = qBool(c, "archived");
    if (archived !== undefined) conds.push(eq(customers.archived, archived));
    const isSp = qBool(c, "is_service_provider");
    const spIds = db.select({ id: serviceProviders.customerId }).from(serviceProviders);
    if (isSp === true) conds.push(inArray(customers.id, spIds));
    if (isSp === false) conds.push(notInArray(customers.id, spIds));
    const uuids = qUuids(c, "uuid");
    if (uuids.length) conds.push(inArray(customers.uuid, uuids));
    const where = and(...conds);
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(customers).where(where).get())?.n ?? 0;
    const rows = await db
      .select()
      .from(customers)
      .where(where)
      .orderBy(...ordering(c, { name: customers.name, abbreviation: customers.abbreviation, created: customers.created }, [customers.name]))
      .limit(p.size)
      .offset(p.offset)
      .all();
    return paginated(c, p, total, await serializeCustomers(db, linksFor(c), rows));
  });

  app.post("/api/customers/", async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, customerCreate);
    const db = c.var.db;
    if (b.slug && (await db.select({ id: customers.id }).from(customers).where(eq(customers.slug, b.slug)).get())) {
      throw fieldError("slug", "Customer with this slug already exists.");
    }
    const now = nowIso();
    const row = await db
      .insert(customers)
      .values({
        uuid: newUuid(),
        name: b.name,
        slug: b.slug || uniqueSlug(b.name),
        nativeName: b.native_name,
        abbreviation: b.abbreviation,
        description: b.description,
        contactDetails: b.contact_details,
        email: b.email,
        phoneNumber: b.phone_number,
        registrationCode: b.registration_code,
        agreementNumber: b.agreement_number,
        vatCode: b.vat_code,
        address: b.address,
        postal: b.postal,
        homepage: b.homepage,
        domain: b.domain,
        country: b.country,
        backendId: b.backend_id,
        created: now,
        modified: now,
      })
      .returning()
      .get();
    // The creator owns the organization it made (VirtEngine lets any verified user found one).
    if (!me.isStaff) await grantRole(db, me.id, "customer", row.id, "CUSTOMER.OWNER", me.id);
    return c.json((await serializeCustomers(db, linksFor(c), [row]))[0], 201);
  });

  app.get("/api/customers/:uuid/", async (c) => {
    const me = requireUser(c.var.user);
    const row = await findCustomer(c.var.db, me, pathUuid(c.req.param("uuid")));
    return c.json(sparse(c, (await serializeCustomers(c.var.db, linksFor(c), [row]))[0]!));
  });

  const updateCustomer = async (c: Context<AppEnv>) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const row = await findCustomer(db, me, pathUuid(c.req.param("uuid")));
    if (!(await hasRole(db, me, "customer", row.id, ["CUSTOMER.OWNER"]))) throw permissionDenied();
    const b = await body(c, customerUpdate);
    if ((b.blocked !== undefined || b.archived !== undefined) && !me.isStaff) throw permissionDenied();
    const set: Partial<typeof customers.$inferInsert> = { modified: nowIso() };
    const map: Record<string, keyof typeof customers.$inferInsert> = {
      name: "name", native_name: "nativeName", abbreviation: "abbreviation", description: "description",
      contact_details: "contactDetails", email: "email", phone_number: "phoneNumber", registration_code: "registrationCode",
      agreement_number: "agreementNumber", vat_code: "vatCode", address: "address", postal: "postal", homepage: "homepage",
      domain: "domain", country: "country", backend_id: "backendId", blocked: "blocked", archived: "archived",
    };
    for (const [k, col] of Object.entries(map)) {
      const val = (b as Record<string, unknown>)[k];
      if (val !== undefined) (set as Record<string, unknown>)[col] = val;
    }
    const updated = await db.update(customers).set(set).where(eq(customers.id, row.id)).returning().get();
    return c.json((await serializeCustomers(db, linksFor(c), [updated]))[0]);
  };
  app.put("/api/customers/:uuid/", updateCustomer);
  app.patch("/api/customers/:uuid/", updateCustomer);

  app.delete("/api/customers/:uuid/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const row = await findCustomer(db, me, pathUuid(c.req.param("uuid")));
    if (!me.isStaff) throw permissionDenied();
    const n = (await db.select({ n: count() }).from(projects).where(and(eq(projects.customerId, row.id), eq(projects.isRemoved, false))).get())?.n ?? 0;
    if (n > 0) throw conflict("Cannot delete organization with existing projects");
    if (await db.select({ id: serviceProviders.id }).from(serviceProviders).where(eq(serviceProviders.customerId, row.id)).get()) {
      throw conflict("Cannot delete organization with existing service provider");
    }
    await db.update(customers).set({ archived: true, modified: nowIso() }).where(eq(customers.id, row.id));
    return c.body(null, 204);
  });

  mountRoleActions(app, "/api/customers", {
    scopeType: "customer",
    roles: CUSTOMER_ROLES,
    find: async (c, uuid, user) => findCustomer(c.var.db, user, uuid),
    canManage: async (db, user, scope) => hasRole(db, user, "customer", scope.id, ["CUSTOMER.OWNER"]),
  });

  // ---- projects
  app.get("/api/projects/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [projectVisible(db, me, projects.id, projects.customerId)];
    if (qBool(c, "include_terminated") !== true && qBool(c, "is_removed") !== true) conds.push(eq(projects.isRemoved, false));
    const custUuids = qUuids(c, "customer");
    if (custUuids.length) {
      conds.push(inArray(projects.customerId, db.select({ id: customers.id }).from(customers).where(inArray(customers.uuid, custUuids))));
    }
    const name = qOne(c, "name");
    if (name) conds.push(like(projects.name, `%${name}%`));
    const exact = qOne(c, "name_exact");
    if (exact) conds.push(eq(projects.name, exact));
    const slug = qOne(c, "slug");
    if (slug) conds.push(eq(projects.slug, slug));
    const q = qOne(c, "query");
    if (q) conds.push(or(like(projects.name, `%${q}%`), like(projects.description, `%${q}%`)));
    const uuids = qUuids(c, "uuid");
    if (uuids.length) conds.push(inArray(projects.uuid, uuids));
    const where = and(...conds);
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(projects).where(where).get())?.n ?? 0;
    const rows = await db
      .select()
      .from(projects)
      .where(where)
      .orderBy(...ordering(c, { name: projects.name, created: projects.created, end_date: projects.endDate }, [projects.name]))
      .limit(p.size)
      .offset(p.offset)
      .all();
    return paginated(c, p, total, await serializeProjects(db, linksFor(c), rows));
  });

  app.post("/api/projects/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const b = await body(c, projectCreate);
    const cust = await db.select().from(customers).where(and(eq(customers.uuid, b.customer), customerVisible(db, me))).get();
    if (!cust) throw fieldError("customer", "Invalid hyperlink - Object does not exist.");
    if (!(await hasRole(db, me, "customer", cust.id, ["CUSTOMER.OWNER"]))) throw permissionDenied();
    if (cust.archived) throw fieldError("customer", "Archived organization is not available.");
    if (b.slug && (await db.select({ id: projects.id }).from(projects).where(eq(projects.slug, b.slug)).get())) {
      throw fieldError("slug", "Project with this slug already exists.");
    }
    if (b.start_date && b.end_date && b.end_date < b.start_date) throw fieldError("end_date", "End date must be after start date.");
    const now = nowIso();
    const row = await db
      .insert(projects)
      .values({
        uuid: newUuid(),
        customerId: cust.id,
        name: b.name,
        slug: b.slug || uniqueSlug(b.name),
        description: b.description,
        backendId: b.backend_id,
        startDate: b.start_date,
        endDate: b.end_date,
        kind: b.kind,
        created: now,
        modified: now,
      })
      .returning()
      .get();
    return c.json((await serializeProjects(db, linksFor(c), [row]))[0], 201);
  });

  app.get("/api/projects/:uuid/", async (c) => {
    const me = requireUser(c.var.user);
    const row = await findProject(c.var.db, me, pathUuid(c.req.param("uuid")));
    return c.json(sparse(c, (await serializeProjects(c.var.db, linksFor(c), [row]))[0]!));
  });

  const updateProject = async (c: Context<AppEnv>) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const row = await findProject(db, me, pathUuid(c.req.param("uuid")));
    const allowed =
      (await hasRole(db, me, "customer", row.customerId, ["CUSTOMER.OWNER"])) ||
      (await hasRole(db, me, "project", row.id, ["PROJECT.ADMIN", "PROJECT.MANAGER"]));
    if (!allowed) throw permissionDenied();
    const b = await body(c, projectUpdate);
    const set: Partial<typeof projects.$inferInsert> = { modified: nowIso() };
    if (b.name !== undefined) set.name = b.name;
    if (b.description !== undefined) set.description = b.description;
    if (b.backend_id !== undefined) set.backendId = b.backend_id;
    if (b.start_date !== undefined) set.startDate = b.start_date;
    if (b.end_date !== undefined) set.endDate = b.end_date;
    const updated = await db.update(projects).set(set).where(eq(projects.id, row.id)).returning().get();
    return c.json((await serializeProjects(db, linksFor(c), [updated]))[0]);
  };
  app.put("/api/projects/:uuid/", updateProject);
  app.patch("/api/projects/:uuid/", updateProject);

  app.delete("/api/projects/:uuid/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const row = await findProject(db, me, pathUuid(c.req.param("uuid")));
    if (!(await hasRole(db, me, "customer", row.customerId, ["CUSTOMER.OWNER"]))) throw permissionDenied();
    const live = (
      await db
        .select({ n: count() })
        .from(resources)
        .where(and(eq(resources.projectId, row.id), ne(resources.state, "Terminated")))
        .get()
    )?.n ?? 0;
    if (live > 0) throw conflict("Cannot delete project with existing resources");
    await db.update(projects).set({ isRemoved: true, modified: nowIso() }).where(eq(projects.id, row.id));
    return c.body(null, 204);
  });

  mountRoleActions(app, "/api/projects", {
    scopeType: "project",
    roles: PROJECT_ROLES,
    afterGrant: (db, scope) => ensureForProject(db, scope.id),
    find: async (c, uuid, user) => findProject(c.var.db, user, uuid),
    canManage: async (db, user, scope, role) => {
      const proj = await db.select().from(projects).where(eq(projects.id, scope.id)).get();
      if (!proj) return false;
      if (await hasRole(db, user, "customer", proj.customerId, ["CUSTOMER.OWNER"])) return true;
      // Project managers may manage admins and members, not other managers.
      return role !== "PROJECT.MANAGER" && (await hasRole(db, user, "project", proj.id, ["PROJECT.MANAGER"]));
    },
  });

}
