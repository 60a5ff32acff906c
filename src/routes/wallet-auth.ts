// Wallet sign-in: prove control of a virtengine1… address by signing a single-use server challenge
// (ADR-036), and get an API token. New addresses get a new account; signed-in users can link one.
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireUser } from "../auth/session.ts";
import { users, walletNonces } from "../db/schema/index.ts";
import { conflict, fieldError } from "../http/errors.ts";
import { newUuid } from "../http/ids.ts";
import { linksFor } from "../http/links.ts";
import { body, requiredStr, v } from "../http/validate.ts";
import { createUser, serializeUser } from "../structure/users.ts";
import { adr036SignDoc, verifyAdr036 } from "../wallet/adr036.ts";
import { issueToken } from "./auth.ts";

const CHALLENGE_SECONDS = 300;

export const challengeMessage = (address: string, nonce: string, expiresAt: string) =>
  `VirtEngine sign-in\nAddress: ${address}\nNonce: ${nonce}\nExpires: ${expiresAt}`;

const address = () => v.pipe(requiredStr(100), v.regex(/^[a-z0-9]+1[02-9ac-hj-np-z]{38,90}$/, "Not a valid bech32 address."));
const proof = v.object({
  address: address(),
  nonce: v.pipe(requiredStr(64), v.regex(/^[0-9a-f]{32}$/, "Not a valid nonce.")),
  pub_key: requiredStr(100),
  signature: requiredStr(200),
});

/** Verifies the proof and consumes the nonce atomically; returns the proven address. */
async function prove(c: Context<AppEnv>): Promise<string> {
  const b = await body(c, proof);
  const row = await c.var.db.select().from(walletNonces).where(eq(walletNonces.nonce, b.nonce)).get();
  if (!row || row.address !== b.address) throw fieldError("nonce", "Unknown challenge for this address.");
  const verdict = await verifyAdr036(b.address, challengeMessage(row.address, row.nonce, row.expiresAt), b.pub_key, b.signature);
  if (!verdict.ok) throw fieldError(verdict.field, verdict.message);
  const used = await c.var.db
    .update(walletNonces)
    .set({ usedAt: new Date().toISOString() })
    .where(and(eq(walletNonces.nonce, b.nonce), isNull(walletNonces.usedAt), gt(walletNonces.expiresAt, new Date().toISOString())))
    .returning()
    .get();
  if (!used) throw fieldError("nonce", "Challenge expired or already used.");
  return b.address;
}

export function mountWalletAuth(app: Hono<AppEnv>) {
  app.post("/api/wallet-auth/challenge/", async (c) => {
    const b = await body(c, v.object({ address: address() }));
    const nonce = newUuid();
    const expiresAt = new Date(Date.now() + CHALLENGE_SECONDS * 1000).toISOString();
    await c.var.db.insert(walletNonces).values({ nonce, address: b.address, expiresAt });
    const message = challengeMessage(b.address, nonce, expiresAt);
    return c.json({ nonce, message, expires_at: expiresAt, sign_doc: adr036SignDoc(b.address, message) }, 201);
  });

  app.post("/api/wallet-auth/login/", async (c) => {
    const addr = await prove(c);
    let user = await c.var.db.select().from(users).where(eq(users.walletAddress, addr)).get();
    const created = !user;
    if (!user) {
      const fresh = await createUser(c.var.db, { username: addr, registrationMethod: "wallet" });
      user = await c.var.db.update(users).set({ walletAddress: addr }).where(eq(users.id, fresh.id)).returning().get();
    }
    if (!user.isActive) throw conflict("User account is disabled.");
    return c.json({ token: await issueToken(c.var.db, user.id), created, user: serializeUser(linksFor(c), user) });
  });

  app.post("/api/wallet-auth/link/", async (c) => {
    const me = requireUser(c.var.user);
    const addr = await prove(c);
    const other = await c.var.db.select({ id: users.id }).from(users).where(eq(users.walletAddress, addr)).get();
    if (other && other.id !== me.id) throw conflict("This address is linked to another account.");
    const row = await c.var.db.update(users).set({ walletAddress: addr }).where(eq(users.id, me.id)).returning().get();
    return c.json(serializeUser(linksFor(c), row));
  });
}
