// /api-auth/: password login with lock-out, logout, and self-registration.
import { eq } from "drizzle-orm";
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { verifyPassword } from "../auth/password.ts";
import { requireUser } from "../auth/session.ts";
import { newTokenKey, sha256Hex } from "../auth/tokens.ts";
import { authTokens, users } from "../db/schema/index.ts";
import { ApiError } from "../http/errors.ts";
import { nowIso } from "../http/ids.ts";
import { linksFor } from "../http/links.ts";
import { issuesToDrf, readJson, requiredStr, v } from "../http/validate.ts";
import { createUser, serializeUser } from "../structure/users.ts";

export const LOCKOUT_FAILURES = 4;
export const LOCKOUT_MINUTES = 10;

const credentials = v.object({ username: requiredStr(150), password: requiredStr(128) });

export async function issueToken(db: AppEnv["Variables"]["db"], userId: number): Promise<string> {
  const key = newTokenKey();
  const now = nowIso();
  await db.insert(authTokens).values({ keyHash: await sha256Hex(key), userId, created: now, lastUsed: now });
  return key;
}

export function mountAuth(app: Hono<AppEnv>) {
  app.post("/api-auth/password/", async (c) => {
    const parsed = v.safeParse(credentials, await readJson(c));
    if (!parsed.success) throw new ApiError(401, issuesToDrf(parsed.issues));
    const { username, password } = parsed.output;
    const db = c.var.db;
    const user = await db.select().from(users).where(eq(users.username, username)).get();
    if (user?.lockedUntil && Date.parse(user.lockedUntil) > Date.now()) {
      throw new ApiError(401, { detail: `Username is locked out. Try in ${LOCKOUT_MINUTES} minutes.` });
    }
    const good = user ? await verifyPassword(password, user.passwordHash) : false;
    if (!user || !good) {
      if (user) {
        const failures = user.failedLogins + 1;
        await db
          .update(users)
          .set({
            failedLogins: failures >= LOCKOUT_FAILURES ? 0 : failures,
            lockedUntil: failures >= LOCKOUT_FAILURES ? new Date(Date.now() + LOCKOUT_MINUTES * 60_000).toISOString() : null,
          })
          .where(eq(users.id, user.id));
      }
      throw new ApiError(401, { detail: "Invalid username/password" });
    }
    if (!user.isActive) throw new ApiError(401, { detail: "User account is disabled." });
    if (user.failedLogins > 0 || user.lockedUntil) {
      await db.update(users).set({ failedLogins: 0, lockedUntil: null }).where(eq(users.id, user.id));
    }
    return c.json({ token: await issueToken(db, user.id) });
  });

  app.post("/api-auth/logout/", async (c) => {
    requireUser(c.var.user);
    if (c.var.token) await c.var.db.delete(authTokens).where(eq(authTokens.keyHash, await sha256Hex(c.var.token)));
    return c.json({ detail: "Logout successful." });
  });

  const registration = v.object({
    username: v.pipe(requiredStr(150), v.regex(/^[\w.@+-]+$/, "Enter a valid username.")),
    email: v.pipe(requiredStr(254), v.email("Enter a valid email address.")),
    password: v.pipe(requiredStr(128), v.minLength(8, "This password is too short. It must contain at least 8 characters.")),
    first_name: v.optional(v.pipe(v.string(), v.maxLength(100)), ""),
    last_name: v.optional(v.pipe(v.string(), v.maxLength(100)), ""),
  });

  app.post("/api-auth/registration/", async (c) => {
    const parsed = v.safeParse(registration, await readJson(c));
    if (!parsed.success) throw new ApiError(400, issuesToDrf(parsed.issues));
    const b = parsed.output;
    const taken = await c.var.db.select({ id: users.id }).from(users).where(eq(users.username, b.username)).get();
    if (taken) throw new ApiError(400, { username: ["A user with that username already exists."] });
    const user = await createUser(c.var.db, {
      username: b.username,
      email: b.email,
      password: b.password,
      firstName: b.first_name,
      lastName: b.last_name,
      registrationMethod: "default",
    });
    return c.json({ ...serializeUser(linksFor(c), user), token: await issueToken(c.var.db, user.id) }, 201);
  });
}
