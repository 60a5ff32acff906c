// /api/marketplace-categories/: anyone browses, staff curates.
import { and, count, eq, like, type SQL } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireUser } from "../auth/session.ts";
import { categories, offerings } from "../db/schema/index.ts";
import { conflict, notFound, permissionDenied } from "../http/errors.ts";
import { newUuid, nowIso, pathUuid } from "../http/ids.ts";
import type { Links } from "../http/links.ts";
import { ordering, pageOf, paginated, qOne, sparse } from "../http/list.ts";
import { linksFor } from "../http/links.ts";
import { body, v } from "../http/validate.ts";
import { publicVisible } from "../marketplace/catalog/queries.ts";
import { categorySchema } from "../marketplace/catalog/schemas.ts";

type Category = typeof categories.$inferSelect;

async function serialize(c: Context<AppEnv>, links: Links, rows: Category[]) {
  const ids = rows.map((r) => r.id);
  const counts = ids.length
    ? await c.var.db
        .select({ id: offerings.categoryId, n: count() })
        .from(offerings)
        .where(and(inArray(offerings.categoryId, ids), publicVisible(c.var.db, c.var.user)))
        .groupBy(offerings.categoryId)
        .all()
    : [];
  return rows.map((r) => {
    const n = counts.find((x) => x.id === r.id)?.n ?? 0;
    return {
      url: links.to("marketplace-categories", r.uuid),
      uuid: r.uuid,
      title: r.title,
      description: r.description,
      icon: r.icon,
      default_vm_category: r.defaultVmCategory,
      default_volume_category: r.defaultVolumeCategory,
      default_tenant_category: r.defaultTenantCategory,
      offering_count: n,
      available_offerings_count: n,
      sections: r.sections.map((s) => ({ ...s, url: null })),
      columns: [],
      components: r.components,
      articles: [],
      group: null,
    };
  });
}

const updateSchema = v.partial(categorySchema);

export function mountCategories(app: Hono<AppEnv>) {
  app.get("/api/marketplace-categories/", async (c) => {
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [];
    const title = qOne(c, "title");
    if (title) conds.push(like(categories.title, `%${title}%`));
    const where = and(...conds);
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(categories).where(where).get())?.n ?? 0;
    const rows = await db
      .select()
      .from(categories)
      .where(where)
      .orderBy(...ordering(c, { title: categories.title, created: categories.created }, [categories.title]))
      .limit(p.size)
      .offset(p.offset)
      .all();
    return paginated(c, p, total, await serialize(c, linksFor(c), rows));
  });

  app.get("/api/marketplace-categories/:uuid/", async (c) => {
    const row = await c.var.db.select().from(categories).where(eq(categories.uuid, pathUuid(c.req.param("uuid")))).get();
    if (!row) throw notFound();
    return c.json(sparse(c, (await serialize(c, linksFor(c), [row]))[0]!));
  });

  app.post("/api/marketplace-categories/", async (c) => {
    const me = requireUser(c.var.user);
    if (!me.isStaff) throw permissionDenied();
    const b = await body(c, categorySchema);
    const now = nowIso();
    const row = await c.var.db
      .insert(categories)
      .values({
        uuid: newUuid(),
        title: b.title,
        description: b.description,
        icon: b.icon,
        sections: b.sections,
        components: b.components,
        defaultVmCategory: b.default_vm_category,
        defaultVolumeCategory: b.default_volume_category,
        defaultTenantCategory: b.default_tenant_category,
        created: now,
        modified: now,
      })
      .returning()
      .get();
    return c.json((await serialize(c, linksFor(c), [row]))[0], 201);
  });

  const update = async (c: Context<AppEnv>) => {
    const me = requireUser(c.var.user);
    if (!me.isStaff) throw permissionDenied();
    const row = await c.var.db.select().from(categories).where(eq(categories.uuid, pathUuid(c.req.param("uuid")))).get();
    if (!row) throw notFound();
    const b = await body(c, updateSchema);
    const set: Partial<typeof categories.$inferInsert> = { modified: nowIso() };
    if (b.title !== undefined) set.title = b.title;
    if (b.description !== undefined) set.description = b.description;
    if (b.icon !== undefined) set.icon = b.icon;
    if (b.sections !== undefined) set.sections = b.sections;
    if (b.components !== undefined) set.components = b.components;
    if (b.default_vm_category !== undefined) set.defaultVmCategory = b.default_vm_category;
    if (b.default_volume_category !== undefined) set.defaultVolumeCategory = b.default_volume_category;
    if (b.default_tenant_category !== undefined) set.defaultTenantCategory = b.default_tenant_category;
    const updated = await c.var.db.update(categories).set(set).where(eq(categories.id, row.id)).returning().get();
    return c.json((await serialize(c, linksFor(c), [updated]))[0]);
  };
  app.put("/api/marketplace-categories/:uuid/", update);
  app.patch("/api/marketplace-categories/:uuid/", update);

  app.delete("/api/marketplace-categories/:uuid/", async (c) => {
    const me = requireUser(c.var.user);
    if (!me.isStaff) throw permissionDenied();
    const row = await c.var.db.select().from(categories).where(eq(categories.uuid, pathUuid(c.req.param("uuid")))).get();
    if (!row) throw notFound();
    const used = await c.var.db.select({ id: offerings.id }).from(offerings).where(eq(offerings.categoryId, row.id)).get();
    if (used) throw conflict("Cannot delete category with existing offerings");
    await c.var.db.delete(categories).where(eq(categories.id, row.id));
    return c.body(null, 204);
  });
}
