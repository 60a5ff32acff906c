// /api/users/: accounts, /me with permissions, password change, tokens.
import { and, count, eq, like, or, type SQL } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { customerConnected, seesEverything } from "../auth/access.ts";
import { hashPassword } from "../auth/password.ts";
import { requireUser, type User } from "../auth/session.ts";
import { sha256Hex } from "../auth/tokens.ts";
import { authTokens, customers, projects, roleGrants, users } from "../db/schema/index.ts";
import { fieldError, notFound, permissionDenied } from "../http/errors.ts";
import { nowIso, pathUuid } from "../http/ids.ts";
import { ordering, pageOf, paginated, qBool, qOne, qUuid, sparse } from "../http/list.ts";
import { linksFor } from "../http/links.ts";
import { body, bool, int, optStr, requiredStr, str, v } from "../http/validate.ts";
import { issueToken } from "./auth.ts";
import { createUser, permissionsOf, serializeUser, tokenExpiresAt } from "../structure/users.ts";

const emailField = () => v.pipe(str(254), v.check((s) => s === "" || /^[^@\s]+@[^@\s]+$/.test(s), "Enter a valid email address."));

const createBody = v.object({
  username: v.pipe(requiredStr(150), v.regex(/^[\w.@+-]+$/, "Enter a valid username.")),
  email: v.pipe(requiredStr(254), v.email("Enter a valid email address.")),
  password: v.optional(v.pipe(str(128), v.minLength(8, "This password is too short. It must contain at least 8 characters."))),
  first_name: optStr(100),
  last_name: optStr(100),
  organization: optStr(255),
  job_title: optStr(120),
  phone_number: optStr(255),
  is_staff: v.optional(bool(), false),
  is_support: v.optional(bool(), false),
});

const updateBody = v.partial(
  v.object({
    email: emailField(),
    first_name: str(100),
    last_name: str(100),
    native_name: str(100),
    organization: str(255),
    job_title: str(120),
    phone_number: str(255),
    description: str(2000),
    preferred_language: str(10),
    notifications_enabled: bool(),
    token_lifetime: v.nullable(int(60, 10 * 365 * 24 * 3600)),
    is_active: bool(),
    is_staff: bool(),
    is_support: bool(),
    agree_with_policy: bool(),
  }),
);

function visibleUsers(c: Context<AppEnv>, me: User): SQL | undefined {
  if (seesEverything(me)) return undefined;
  const db = c.var.db;
  const custs = db.select({ id: customers.id }).from(customers).where(customerConnected(db, me.id, customers.id));
  return or(
    eq(users.id, me.id),
    inArray(
      users.id,
      db
        .select({ id: roleGrants.userId })
        .from(roleGrants)
        .where(
          or(
            and(eq(roleGrants.scopeType, "customer"), inArray(roleGrants.scopeId, custs)),
            and(
              eq(roleGrants.scopeType, "project"),
              inArray(roleGrants.scopeId, db.select({ id: projects.id }).from(projects).where(inArray(projects.customerId, custs))),
            ),
          ),
        ),
    ),
  );
}

async function findUser(c: Context<AppEnv>, me: User) {
  const uuid = pathUuid(c.req.param("uuid"));
  const u = await c.var.db.select().from(users).where(and(eq(users.uuid, uuid), visibleUsers(c, me))).get();
  if (!u) throw notFound();
  return u;
}

export function mountUsers(app: Hono<AppEnv>) {
  app.get("/api/users/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [visibleUsers(c, me)];
    const username = qOne(c, "username");
    if (username) conds.push(eq(users.username, username));
    const email = qOne(c, "email");
    if (email) conds.push(like(users.email, `%${email}%`));
    const q = qOne(c, "query") ?? qOne(c, "user_keyword") ?? qOne(c, "full_name");
    if (q) conds.push(or(like(users.username, `%${q}%`), like(users.firstName, `%${q}%`), like(users.lastName, `%${q}%`), like(users.email, `%${q}%`)));
    for (const [name, col] of [["is_active", users.isActive], ["is_staff", users.isStaff], ["is_support", users.isSupport]] as const) {
      const b = qBool(c, name);
      if (b !== undefined) conds.push(eq(col, b));
    }
    const cust = qUuid(c, "customer_uuid");
    if (cust) {
      const custIds = db.select({ id: customers.id }).from(customers).where(eq(customers.uuid, cust));
      conds.push(
        inArray(
          users.id,
          db
            .select({ id: roleGrants.userId })
            .from(roleGrants)
            .where(
              or(
                and(eq(roleGrants.scopeType, "customer"), inArray(roleGrants.scopeId, custIds)),
                and(
                  eq(roleGrants.scopeType, "project"),
                  inArray(roleGrants.scopeId, db.select({ id: projects.id }).from(projects).where(inArray(projects.customerId, custIds))),
                ),
              ),
            ),
        ),
      );
    }
    const proj = qUuid(c, "project_uuid");
    if (proj) {
      const projIds = db.select({ id: projects.id }).from(projects).where(eq(projects.uuid, proj));
      conds.push(
        inArray(
          users.id,
          db.select({ id: roleGrants.userId }).from(roleGrants).where(and(eq(roleGrants.scopeType, "project"), inArray(roleGrants.scopeId, projIds))),
        ),
      );
    }
    const where = and(...conds);
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(users).where(where).get())?.n ?? 0;
    const rows = await db
      .select()
      .from(users)
      .where(where)
      .orderBy(...ordering(c, { username: users.username, email: users.email, date_joined: users.dateJoined, is_active: users.isActive }, [users.username]))
      .limit(p.size)
      .offset(p.offset)
      .all();
    const links = linksFor(c);
    return paginated(c, p, total, rows.map((u) => serializeUser(links, u)));
  });

  app.get("/api/users/me/", async (c) => {
    const me = requireUser(c.var.user);
    const tok = c.var.token
      ? await c.var.db.select().from(authTokens).where(eq(authTokens.keyHash, await sha256Hex(c.var.token))).get()
      : undefined;
    return c.json(
      sparse(
        c,
        serializeUser(linksFor(c), me, {
          token: c.var.token,
          token_expires_at: tokenExpiresAt(me, tok?.lastUsed ?? null),
          permissions: await permissionsOf(c.var.db, me.id),
        }),
      ),
    );
  });

  app.post("/api/users/", async (c) => {
    const me = requireUser(c.var.user);
    if (!me.isStaff) throw permissionDenied();
    const b = await body(c, createBody);
    const taken = await c.var.db.select({ id: users.id }).from(users).where(eq(users.username, b.username)).get();
    if (taken) throw fieldError("username", "A user with that username already exists.");
    const u = await createUser(c.var.db, {
      username: b.username,
      email: b.email,
      password: b.password ?? null,
      firstName: b.first_name,
      lastName: b.last_name,
      organization: b.organization,
      jobTitle: b.job_title,
      phoneNumber: b.phone_number,
      isStaff: b.is_staff,
      isSupport: b.is_support,
      registrationMethod: "staff",
    });
    return c.json(serializeUser(linksFor(c), u), 201);
  });

  app.get("/api/users/:uuid/", async (c) => {
    const me = requireUser(c.var.user);
    const u = await findUser(c, me);
    return c.json(sparse(c, serializeUser(linksFor(c), u, u.id === me.id || me.isStaff ? { permissions: await permissionsOf(c.var.db, u.id) } : {})));
  });

  const update = async (c: Context<AppEnv>) => {
    const me = requireUser(c.var.user);
    const u = await findUser(c, me);
    if (u.id !== me.id && !me.isStaff) throw permissionDenied();
    const b = await body(c, updateBody);
    if (!me.isStaff && (b.is_staff !== undefined || b.is_support !== undefined || b.is_active !== undefined)) {
      throw permissionDenied("Only staff can change account status and privileges.");
    }
    const set: Partial<typeof users.$inferInsert> = { modified: nowIso() };
    if (b.email !== undefined) set.email = b.email;
    if (b.first_name !== undefined) set.firstName = b.first_name;
    if (b.last_name !== undefined) set.lastName = b.last_name;
    if (b.native_name !== undefined) set.nativeName = b.native_name;
    if (b.organization !== undefined) set.organization = b.organization;
    if (b.job_title !== undefined) set.jobTitle = b.job_title;
    if (b.phone_number !== undefined) set.phoneNumber = b.phone_number;
    if (b.description !== undefined) set.description = b.description;
    if (b.preferred_language !== undefined) set.preferredLanguage = b.preferred_language;
    if (b.notifications_enabled !== undefined) set.notificationsEnabled = b.notifications_enabled;
    if (b.token_lifetime !== undefined) set.tokenLifetime = b.token_lifetime;
    if (b.is_active !== undefined) set.isActive = b.is_active;
    if (b.is_staff !== undefined) set.isStaff = b.is_staff;
    if (b.is_support !== undefined) set.isSupport = b.is_support;
    if (b.agree_with_policy) set.agreementDate = nowIso();
    const row = await c.var.db.update(users).set(set).where(eq(users.id, u.id)).returning().get();
    if (b.is_active === false) await c.var.db.delete(authTokens).where(eq(authTokens.userId, u.id));
    return c.json(serializeUser(linksFor(c), row));
  };
  app.put("/api/users/:uuid/", update);
  app.patch("/api/users/:uuid/", update);

  app.delete("/api/users/:uuid/", async (c) => {
    const me = requireUser(c.var.user);
    if (!me.isStaff) throw permissionDenied();
    const u = await findUser(c, me);
    if (u.id === me.id) throw permissionDenied("You cannot delete your own account.");
    await c.var.db.update(users).set({ isActive: false, modified: nowIso() }).where(eq(users.id, u.id));
    await c.var.db.delete(authTokens).where(eq(authTokens.userId, u.id));
    return c.body(null, 204);
  });

  app.post("/api/users/:uuid/change_password/", async (c) => {
    const me = requireUser(c.var.user);
    const u = await findUser(c, me);
    if (u.id !== me.id && !me.isStaff) throw permissionDenied();
    const b = await body(
      c,
      v.object({
        new_password: v.pipe(requiredStr(128), v.minLength(8, "This password is too short. It must contain at least 8 characters.")),
      }),
    );
    await c.var.db.update(users).set({ passwordHash: await hashPassword(b.new_password), modified: nowIso() }).where(eq(users.id, u.id));
    return c.json({ detail: "Password has been successfully updated." });
  });

  const tokenInfo = async (c: Context<AppEnv>, refresh: boolean) => {
    const me = requireUser(c.var.user);
    const u = await findUser(c, me);
    if (u.id !== me.id && !me.isStaff) throw permissionDenied();
    if (refresh) await c.var.db.delete(authTokens).where(eq(authTokens.userId, u.id));
    const key = refresh || u.id !== me.id || !c.var.token ? await issueToken(c.var.db, u.id) : c.var.token;
    return c.json(
      {
        created: nowIso(),
        user_first_name: u.firstName,
        user_last_name: u.lastName,
        user_username: u.username,
        user_is_active: u.isActive,
        user_token_lifetime: u.tokenLifetime,
        token: key,
      },
      refresh ? 201 : 200,
    );
  };
  app.get("/api/users/:uuid/token/", (c) => tokenInfo(c, false));
  app.post("/api/users/:uuid/refresh_token/", (c) => tokenInfo(c, true));
}

