// Capture nonces: single use, five minutes, bound to the account and the scope (ID document or
// selfie). The client embeds the nonce in what it signs at capture time, so an image taken before
// the nonce existed (a gallery picture) cannot carry a valid one. D1 keeps a keyed hash only.
import { and, count, eq, gt, isNull, lt } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { identityCaptureNonces } from "../../db/schema/index.ts";
import { ApiError, fieldError } from "../../http/errors.ts";
import { nowIso } from "../../http/ids.ts";
import { v } from "../../http/validate.ts";
import { addSeconds, type IdentityEnv, secretHash } from "../scopes/common.ts";
import { b64urlEncode } from "../sso/id-token.ts";

export const CAPTURE_SCOPES = ["id_document", "selfie"] as const;
export type CaptureScope = (typeof CAPTURE_SCOPES)[number];
export const NONCE_TTL_SECONDS = 300;
export const NONCES_PER_HOUR = 20;

export const captureScopeField = () => v.picklist(CAPTURE_SCOPES, (i) => `"${String(i.input)}" is not a valid choice.`);
export const nonceRequestSchema = v.object({ scope: captureScopeField() });

const nonceKey = (env: IdentityEnv, nonce: string) => secretHash(env, "identity-capture-nonce", nonce);

export async function issueNonce(db: Db, env: IdentityEnv, me: User, scope: CaptureScope) {
  const now = nowIso();
  await db.delete(identityCaptureNonces).where(lt(identityCaptureNonces.created, addSeconds(now, -2 * 3600)));
  const recent = await db
    .select({ n: count() })
    .from(identityCaptureNonces)
    .where(and(eq(identityCaptureNonces.userId, me.id), gt(identityCaptureNonces.created, addSeconds(now, -3600))))
    .get();
  if ((recent?.n ?? 0) >= NONCES_PER_HOUR) {
    throw new ApiError(429, { detail: `At most ${NONCES_PER_HOUR} capture nonces an hour.` }, { "Retry-After": "3600" });
  }
  const nonce = b64urlEncode(crypto.getRandomValues(new Uint8Array(32)));
  const expiresAt = addSeconds(now, NONCE_TTL_SECONDS);
  await db.insert(identityCaptureNonces).values({ nonceHash: await nonceKey(env, nonce), userId: me.id, scope, expiresAt, created: now });
  return { nonce, scope, expires_at: expiresAt };
}

/**
 * Spends the nonce for this account and scope, or names why not. Spent before anything else is
 * checked: an upload that fails later cannot be retried with the same nonce, and two parallel
 * uploads cannot both use it.
 */
export async function spendNonce(db: Db, env: IdentityEnv, me: User, scope: CaptureScope, nonce: string) {
  const hash = await nonceKey(env, nonce);
  const row = await db.select().from(identityCaptureNonces).where(eq(identityCaptureNonces.nonceHash, hash)).get();
  if (!row || row.userId !== me.id) throw fieldError("nonce", "This nonce was not issued to this account.");
  if (row.scope !== scope) throw fieldError("nonce", `This nonce was issued for ${row.scope}, not ${scope}.`);
  const now = nowIso();
  if (row.expiresAt <= now) throw fieldError("nonce", "This nonce has expired; ask for a new one.");
  const spent = await db
    .update(identityCaptureNonces)
    .set({ usedAt: now })
    .where(and(eq(identityCaptureNonces.id, row.id), isNull(identityCaptureNonces.usedAt)))
    .returning({ created: identityCaptureNonces.created })
    .get();
  if (!spent) throw fieldError("nonce", "This nonce was already used.");
  return { issuedAt: spent.created, expiresAt: row.expiresAt };
}
