// Role grants on customers, projects and offerings, with Waldur's add_user / update_user /
// delete_user / list_users actions. One implementation serves every scope.
import { and, count, eq } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Context, Hono } from "hono";
import type { AppEnv, Db } from "../app-env.ts";
import { requireUser, type User } from "../auth/session.ts";
import { roleGrants, users } from "../db/schema/index.ts";
import type { ScopeType } from "../db/schema/structure.ts";
import { fieldError, permissionDenied, viewError } from "../http/errors.ts";
import { newUuid, nowIso, parseUuid, pathUuid } from "../http/ids.ts";
import { pageOf, paginated } from "../http/list.ts";
import { linksFor } from "../http/links.ts";
import { body, choice, isoDateTime, v } from "../http/validate.ts";
import { fullName } from "./users.ts";

export interface RoleScope {
  id: number;
  name: string;
}

export interface RoleScopeConfig {
  scopeType: ScopeType;
  roles: readonly [string, ...string[]];
  /** Finds the scope object visible to the caller, or throws 404. */
  find(c: Context<AppEnv>, uuid: string, user: User): Promise<RoleScope>;
  /** May the caller grant or revoke this role here? */
  canManage(db: Db, user: User, scope: RoleScope, role: string): Promise<boolean>;
  /** Side effects of a new grant (e.g. offering users for project members). */
  afterGrant?(db: Db, scope: RoleScope): Promise<void>;
}

const userRef = () =>
  v.pipe(
    v.string("This field is required."),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const s = dataset.value;
      const m = s.match(/\/api\/users\/([^/]+)\/?$/);
      const u = parseUuid(m ? m[1]! : s);
      if (!u) {
        addIssue({ message: `“${s}” is not a valid UUID.` });
        return NEVER;
      }
      return u;
    }),
  );

export async function grantRole(
  db: Db,
  userId: number,
  scopeType: ScopeType,
  scopeId: number,
  role: string,
  createdById: number | null,
  expirationTime: string | null = null,
) {
  return db
    .insert(roleGrants)
    .values({ uuid: newUuid(), userId, scopeType, scopeId, role, expirationTime, createdById, created: nowIso() })
    .onConflictDoNothing()
    .returning()
    .get();
}

export function mountRoleActions(app: Hono<AppEnv>, base: string, cfg: RoleScopeConfig) {
  const grantBody = v.object({
    role: choice(cfg.roles),
    user: userRef(),
    expiration_time: v.optional(v.nullable(isoDateTime()), null),
  });

  async function prepare(c: Context<AppEnv>) {
    const me = requireUser(c.var.user);
    const scope = await cfg.find(c, pathUuid(c.req.param("uuid")), me);
    const b = await body(c, grantBody);
    const target = await c.var.db.select().from(users).where(eq(users.uuid, b.user)).get();
    if (!target) throw fieldError("user", `Invalid pk "${b.user}" - object does not exist.`);
    if (!(await cfg.canManage(c.var.db, me, scope, b.role))) throw permissionDenied();
    return { me, scope, b, target };
  }

  const existing = (db: Db, userId: number, scopeId: number, role: string) =>
    db
      .select()
      .from(roleGrants)
      .where(
        and(
          eq(roleGrants.userId, userId),
          eq(roleGrants.scopeType, cfg.scopeType),
          eq(roleGrants.scopeId, scopeId),
          eq(roleGrants.role, role),
        ),
      )
      .get();

  app.post(`${base}/:uuid/add_user/`, async (c) => {
    const { me, scope, b, target } = await prepare(c);
    if (b.expiration_time && Date.parse(b.expiration_time) < Date.now()) {
      throw fieldError("expiration_time", "Expiration time should be greater than current time.");
    }
    if (await existing(c.var.db, target.id, scope.id, b.role)) throw viewError("User already has role within this scope.");
    await grantRole(c.var.db, target.id, cfg.scopeType, scope.id, b.role, me.id, b.expiration_time);
    await cfg.afterGrant?.(c.var.db, scope);
    return c.json({ expiration_time: b.expiration_time }, 201);
  });

  app.post(`${base}/:uuid/update_user/`, async (c) => {
    const { scope, b, target } = await prepare(c);
    const g = await existing(c.var.db, target.id, scope.id, b.role);
    if (!g) throw viewError("User does not have this role within this scope.");
    await c.var.db.update(roleGrants).set({ expirationTime: b.expiration_time }).where(eq(roleGrants.id, g.id));
    return c.json({ expiration_time: b.expiration_time });
  });

  app.post(`${base}/:uuid/delete_user/`, async (c) => {
    const { scope, b, target } = await prepare(c);
    const g = await existing(c.var.db, target.id, scope.id, b.role);
    if (!g) throw viewError("User does not have this role within this scope.");
    if (cfg.scopeType === "customer" && b.role === "CUSTOMER.OWNER") {
      const owners = await c.var.db
        .select({ n: count() })
        .from(roleGrants)
        .where(and(eq(roleGrants.scopeType, "customer"), eq(roleGrants.scopeId, scope.id), eq(roleGrants.role, "CUSTOMER.OWNER")))
        .get();
      if ((owners?.n ?? 0) <= 1 && !c.var.user?.isStaff) throw viewError("The last owner of an organization cannot be removed.");
    }
    await c.var.db.delete(roleGrants).where(eq(roleGrants.id, g.id));
    return c.json({ detail: "Role has been revoked." });
  });

  app.get(`${base}/:uuid/list_users/`, async (c) => {
    const me = requireUser(c.var.user);
    const scope = await cfg.find(c, pathUuid(c.req.param("uuid")), me);
    const p = pageOf(c);
    const where = and(eq(roleGrants.scopeType, cfg.scopeType), eq(roleGrants.scopeId, scope.id));
    const total = (await c.var.db.select({ n: count() }).from(roleGrants).where(where).get())?.n ?? 0;
    const rows = await c.var.db
      .select({ g: roleGrants, u: users })
      .from(roleGrants)
      .innerJoin(users, eq(users.id, roleGrants.userId))
      .where(where)
      .orderBy(roleGrants.id)
      .limit(p.size)
      .offset(p.offset)
      .all();
    const creatorIds = rows.map((r) => r.g.createdById).filter((x): x is number => x !== null);
    const creators = creatorIds.length
      ? await c.var.db.select().from(users).where(inArray(users.id, creatorIds)).all()
      : [];
    const links = linksFor(c);
    return paginated(
      c,
      p,
      total,
      rows.map(({ g, u }) => {
        const by = creators.find((x) => x.id === g.createdById);
        return {
          uuid: g.uuid,
          created: g.created,
          expiration_time: g.expirationTime,
          role_name: g.role,
          role_uuid: g.uuid,
          user_email: u.email,
          user_full_name: fullName(u),
          user_image: null,
          user_username: u.username,
          user_uuid: u.uuid,
          user_url: links.to("users", u.uuid),
          created_by_full_name: by ? fullName(by) : null,
          created_by_uuid: by?.uuid ?? null,
        };
      }),
    );
  });
}
