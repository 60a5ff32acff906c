// TOTP second factor (RFC 6238 over RFC 4226 HOTP): SHA-1, 6 digits, 30-second steps, one step of
// clock drift either way. The secret is sealed with the executor key (never plaintext in D1), shown
// once at setup; confirming with a code enables it and returns 10 single-use recovery codes, kept
// as keyed hashes. A code's time step is remembered, so the same code (or an older one) cannot be
// replayed. Wrong guesses (TOTP or recovery codes) lock the factor with exponential backoff: a
// 6-digit code with a 3-step window would otherwise fall to about 333,000 online guesses.
import { and, count, eq, isNull, lt } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { identityRecoveryCodes, identityTotp } from "../../db/schema/index.ts";
import { ApiError, conflict, fieldError, nonFieldError } from "../../http/errors.ts";
import { nowIso } from "../../http/ids.ts";
import { v } from "../../http/validate.ts";
import { openJson, sealJson } from "../../secrets/sealed-json.ts";
import { addSeconds, type IdentityEnv, randomBelow, secretHash, upsertScope } from "./common.ts";

export const TOTP_PERIOD = 30;
export const TOTP_DIGITS = 6;
export const TOTP_WINDOW = 1;
export const RECOVERY_CODES = 10;
/** Consecutive wrong codes allowed before the factor locks. */
export const TOTP_FREE_FAILURES = 4;
export const TOTP_LOCK_BASE_SECONDS = 30;
export const TOTP_LOCK_MAX_SECONDS = 3600;

/** Lock after the n-th consecutive failure: none within the free tries, then 30 s doubling to an hour. */
export function totpLockSeconds(failures: number): number {
  if (failures <= TOTP_FREE_FAILURES) return 0;
  return Math.min(TOTP_LOCK_MAX_SECONDS, TOTP_LOCK_BASE_SECONDS * 2 ** Math.min(16, failures - TOTP_FREE_FAILURES - 1));
}

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Uint8Array<ArrayBuffer> {
  const clean = text.toUpperCase().replace(/[\s=]/g, "");
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const ch of clean) {
    const i = B32.indexOf(ch);
    if (i < 0) throw new Error("not base32");
    value = (value << 5) | i;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

export type TotpHash = "SHA-1" | "SHA-256" | "SHA-512";

/** RFC 4226 HOTP with the RFC 6238 hash choices. */
export async function hotp(key: Uint8Array<ArrayBuffer>, counter: number, digits = TOTP_DIGITS, hash: TotpHash = "SHA-1"): Promise<string> {
  const msg = new Uint8Array(8);
  new DataView(msg.buffer).setBigUint64(0, BigInt(counter));
  const k = await crypto.subtle.importKey("raw", key, { name: "HMAC", hash }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", k, msg));
  const off = mac[mac.length - 1]! & 0x0f;
  const bin = ((mac[off]! & 0x7f) << 24) | (mac[off + 1]! << 16) | (mac[off + 2]! << 8) | mac[off + 3]!;
  return String(bin % 10 ** digits).padStart(digits, "0");
}

export const timeStep = (unixSeconds: number, period = TOTP_PERIOD) => Math.floor(unixSeconds / period);

/** RFC 6238 TOTP at a Unix time (seconds). */
export function totp(key: Uint8Array<ArrayBuffer>, unixSeconds: number, opts: { digits?: number; hash?: TotpHash; period?: number } = {}) {
  return hotp(key, timeStep(unixSeconds, opts.period), opts.digits, opts.hash);
}

export function otpauthUri(secretB32: string, account: string, issuer = "VirtEngine"): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const q = new URLSearchParams({ secret: secretB32, issuer, algorithm: "SHA1", digits: String(TOTP_DIGITS), period: String(TOTP_PERIOD) });
  return `otpauth://totp/${label}?${q}`;
}

export const totpCodeField = () => v.pipe(v.string("Not a valid string."), v.trim(), v.regex(/^\d{6}$/, "Enter the 6-digit code."));
const recoveryField = () =>
  v.pipe(
    v.string("Not a valid string."),
    v.trim(),
    v.toLowerCase(),
    v.regex(/^[a-z2-7]{5}-?[a-z2-7]{5}$/, "Enter a recovery code (xxxxx-xxxxx)."),
    v.transform((s) => s.replace("-", "")),
  );
export const totpConfirmSchema = v.object({ code: totpCodeField() });
export const totpVerifySchema = v.pipe(
  v.object({ code: v.optional(totpCodeField()), recovery_code: v.optional(recoveryField()) }),
  v.check((b) => (b.code === undefined) !== (b.recovery_code === undefined), "Give either code or recovery_code."),
);

const recordId = (me: User) => `identity-totp:${me.uuid}`;

async function keyOf(env: IdentityEnv, me: User, sealed: string) {
  const opened = await openJson(env, { kind: "identity-totp", recordId: me.uuid }, sealed);
  return base32Decode(String(opened.secret));
}

export async function setupTotp(db: Db, env: IdentityEnv, me: User) {
  const existing = await db.select().from(identityTotp).where(eq(identityTotp.userId, me.id)).get();
  if (existing?.enabledAt) throw conflict("TOTP is already enabled.");
  const secret = base32Encode(crypto.getRandomValues(new Uint8Array(20)));
  const sealed = await sealJson(env, { kind: "identity-totp", recordId: me.uuid }, { secret });
  const now = nowIso();
  if (existing) await db.update(identityTotp).set({ sealedSecret: sealed, lastStep: 0, created: now }).where(eq(identityTotp.id, existing.id));
  else await db.insert(identityTotp).values({ userId: me.id, sealedSecret: sealed, created: now });
  await upsertScope(db, me.id, "totp", "totp", null, { status: "pending" });
  return { secret, otpauth_uri: otpauthUri(secret, me.username), algorithm: "SHA1", digits: TOTP_DIGITS, period: TOTP_PERIOD };
}

type TotpRow = typeof identityTotp.$inferSelect;

function lockedError(field: string, until: string) {
  const seconds = Math.max(1, Math.ceil((Date.parse(until) - Date.now()) / 1000));
  const message = `Too many wrong codes; try again in ${seconds} seconds.`;
  return new ApiError(429, { detail: message, [field]: [message] }, { "Retry-After": String(seconds) });
}

/**
 * Counts a guess before any code is checked, as a failure, in one compare-and-swap on the counter:
 * parallel guesses cannot slip past the limit, and the lock the next failure would earn is already
 * in place while this guess is being checked. An accepted code clears both (guessSucceeded).
 */
async function claimGuess(db: Db, row: TotpRow, field: string) {
  const now = nowIso();
  if (row.lockedUntil && row.lockedUntil > now) throw lockedError(field, row.lockedUntil);
  const failures = row.failures + 1;
  const lock = totpLockSeconds(failures);
  const claimed = await db
    .update(identityTotp)
    .set({ failures, lockedUntil: lock ? addSeconds(now, lock) : null })
    .where(and(eq(identityTotp.id, row.id), eq(identityTotp.failures, row.failures)))
    .returning({ id: identityTotp.id })
    .get();
  if (!claimed) throw new ApiError(429, { detail: "Another code is being checked; try again.", [field]: ["Another code is being checked; try again."] }, { "Retry-After": "1" });
}

async function guessSucceeded(db: Db, row: TotpRow) {
  await db.update(identityTotp).set({ failures: 0, lockedUntil: null }).where(eq(identityTotp.id, row.id));
}

/** Checks a code against the window and claims its step atomically; the field is named on refusal. */
async function acceptCode(db: Db, env: IdentityEnv, me: User, row: TotpRow, code: string) {
  await claimGuess(db, row, "code");
  const key = await keyOf(env, me, row.sealedSecret);
  const now = timeStep(Date.now() / 1000);
  let matched: number | null = null;
  for (let d = -TOTP_WINDOW; d <= TOTP_WINDOW; d++) {
    if ((await hotp(key, now + d)) === code) matched = now + d;
  }
  if (matched === null) throw fieldError("code", "The code is not valid.");
  const claimed = await db
    .update(identityTotp)
    .set({ lastStep: matched })
    .where(and(eq(identityTotp.id, row.id), lt(identityTotp.lastStep, matched)))
    .returning({ id: identityTotp.id })
    .get();
  if (!claimed) throw fieldError("code", "The code was already used; wait for the next one.");
  await guessSucceeded(db, row);
}

function newRecoveryCode(): string {
  let s = "";
  for (let i = 0; i < 10; i++) s += B32.toLowerCase()[randomBelow(32)];
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

/** A fresh set of recovery codes (shown once); every earlier code stops working. */
async function replaceRecoveryCodes(db: Db, env: IdentityEnv, me: User): Promise<string[]> {
  const now = nowIso();
  const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await db.batch([
    db.delete(identityRecoveryCodes).where(eq(identityRecoveryCodes.userId, me.id)),
    db.insert(identityRecoveryCodes).values(
      await Promise.all(codes.map(async (c) => ({ userId: me.id, codeHash: await secretHash(env, recordId(me), c.replace("-", "")), created: now }))),
    ),
  ]);
  return codes;
}

/** New recovery codes for an enabled factor, proven by a current TOTP code (counted like any guess). */
export async function regenerateRecoveryCodes(db: Db, env: IdentityEnv, me: User, code: string) {
  const row = await db.select().from(identityTotp).where(eq(identityTotp.userId, me.id)).get();
  if (!row?.enabledAt) throw conflict("TOTP is not enabled.");
  await acceptCode(db, env, me, row, code);
  return { recovery_codes: await replaceRecoveryCodes(db, env, me) };
}

export async function confirmTotp(db: Db, env: IdentityEnv, me: User, code: string) {
  const row = await db.select().from(identityTotp).where(eq(identityTotp.userId, me.id)).get();
  if (!row) throw conflict("Set up TOTP first.");
  if (row.enabledAt) throw conflict("TOTP is already enabled.");
  await acceptCode(db, env, me, row, code);
  const now = nowIso();
  const enabled = await db
    .update(identityTotp)
    .set({ enabledAt: now })
    .where(and(eq(identityTotp.id, row.id), isNull(identityTotp.enabledAt)))
    .returning({ id: identityTotp.id })
    .get();
  if (!enabled) throw conflict("TOTP is already enabled.");
  const codes = await replaceRecoveryCodes(db, env, me);
  const scope = await upsertScope(db, me.id, "totp", "totp", null, { status: "verified", method: "totp", verifiedAt: now }, env);
  return { scope, recovery_codes: codes };
}

export async function verifyTotp(db: Db, env: IdentityEnv, me: User, b: { code?: string; recovery_code?: string }) {
  const row = await db.select().from(identityTotp).where(eq(identityTotp.userId, me.id)).get();
  if (!row?.enabledAt) throw conflict("TOTP is not enabled.");
  if (b.code !== undefined) {
    await acceptCode(db, env, me, row, b.code);
  } else if (b.recovery_code !== undefined) {
    await claimGuess(db, row, "recovery_code");
    const hash = await secretHash(env, recordId(me), b.recovery_code);
    const used = await db
      .update(identityRecoveryCodes)
      .set({ usedAt: nowIso() })
      .where(and(eq(identityRecoveryCodes.userId, me.id), eq(identityRecoveryCodes.codeHash, hash), isNull(identityRecoveryCodes.usedAt)))
      .returning({ id: identityRecoveryCodes.id })
      .get();
    if (!used) throw fieldError("recovery_code", "The recovery code is not valid or was already used.");
    await guessSucceeded(db, row);
  } else throw nonFieldError("Give either code or recovery_code.");
  const left =
    (await db
      .select({ n: count() })
      .from(identityRecoveryCodes)
      .where(and(eq(identityRecoveryCodes.userId, me.id), isNull(identityRecoveryCodes.usedAt)))
      .get())?.n ?? 0;
  return { verified: true, method: b.code !== undefined ? "totp" : "recovery_code", recovery_codes_left: left };
}
