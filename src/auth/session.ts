// Resolves the caller from `Authorization: Token <key>` or `?x-auth-token=<key>`, with Waldur's
// sliding token lifetime and its 401 messages.
import { eq } from "drizzle-orm";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { authTokens, users } from "../db/schema/index.ts";
import { invalidToken, notAuthenticated } from "../http/errors.ts";
import { identityEnv } from "../identity/scopes/common.ts";
import { recordSighting } from "../identity/scoring/sessions.ts";
import { sha256Hex } from "./tokens.ts";

export type User = typeof users.$inferSelect;

function presentedToken(authorization: string | undefined, queryToken: string | undefined): string | null {
  if (authorization) {
    const parts = authorization.trim().split(/\s+/);
    if (parts[0]?.toLowerCase() !== "token") return null;
    if (parts.length === 1) throw invalidToken("Invalid token. No credentials provided.");
    if (parts.length > 2) throw invalidToken("Invalid token. Token string should not contain spaces.");
    return parts[1]!;
  }
  return queryToken ?? null;
}

/** Sets c.var.user (null when anonymous); invalid credentials are a 401 even on public routes. */
export const authenticate: MiddlewareHandler<AppEnv> = async (c, next) => {
  const key = presentedToken(c.req.header("authorization"), c.req.query("x-auth-token"));
  c.set("user", null);
  c.set("token", null);
  if (key !== null) {
    const hash = await sha256Hex(key);
    const row = await c.var.db
      .select({ user: users, lastUsed: authTokens.lastUsed, created: authTokens.created })
      .from(authTokens)
      .innerJoin(users, eq(users.id, authTokens.userId))
      .where(eq(authTokens.keyHash, hash))
      .get();
    if (!row) throw invalidToken();
    if (!row.user.isActive) throw invalidToken("User inactive or deleted.");
    const now = Date.now();
    if (row.user.tokenLifetime !== null && Date.parse(row.lastUsed) + row.user.tokenLifetime * 1000 < now) {
      await c.var.db.delete(authTokens).where(eq(authTokens.keyHash, hash));
      throw invalidToken("Token has expired.");
    }
    // Sliding expiry; refreshing at most once a minute keeps reads from turning into writes. A
    // token's first use (last_used still equal to created) also refreshes, so identity signals see
    // every session from its start (the refreshed time is always after created).
    if (now - Date.parse(row.lastUsed) > 60_000 || row.lastUsed === row.created) {
      await c.var.db
        .update(authTokens)
        .set({ lastUsed: new Date(Math.max(now, Date.parse(row.created) + 1)).toISOString() })
        .where(eq(authTokens.keyHash, hash));
      await recordSighting(c.var.db, identityEnv(c.env), row.user, c.req.raw.headers);
    }
    c.set("user", row.user);
    c.set("token", key);
  }
  await next();
};

export function requireUser(user: User | null): User {
  if (!user) throw notAuthenticated();
  return user;
}
