// Email scope: a 6-digit one-time code mailed to the address. Only a keyed hash of the code is
// stored; it expires after 10 minutes, works once, dies after 5 wrong tries, and a newer code
// replaces an older one. At most 3 codes an hour per account and per address.
import { and, count, desc, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { identityChallenges } from "../../db/schema/index.ts";
import { ApiError, fieldError } from "../../http/errors.ts";
import { newUuid, nowIso } from "../../http/ids.ts";
import { v } from "../../http/validate.ts";
import { addSeconds, constantTimeEqualHex, type IdentityEnv, randomBelow, secretHash, upsertScope } from "./common.ts";
import { MailConfigError, MailSendError, sendMail } from "./mail.ts";

export const EMAIL_CODE_TTL_SECONDS = 600;
export const EMAIL_MAX_ATTEMPTS = 5;
export const EMAIL_SENDS_PER_HOUR = 3;

export const emailField = () =>
  v.pipe(
    v.string("Not a valid string."),
    v.trim(),
    v.nonEmpty("This field may not be blank."),
    v.maxLength(254, "Ensure this field has no more than 254 characters."),
    v.email("Enter a valid email address."),
    v.toLowerCase(),
  );
export const codeField = () =>
  v.pipe(v.string("Not a valid string."), v.trim(), v.regex(/^\d{6}$/, "Enter the 6-digit code."));

export const emailStartSchema = v.object({ email: emailField() });
export const emailVerifySchema = v.object({ email: emailField(), code: codeField() });

const newCode = () => String(randomBelow(1_000_000)).padStart(6, "0");

export async function startEmail(db: Db, env: IdentityEnv, me: User, email: string) {
  await pruneChallenges(db);
  const now = nowIso();
  const hourAgo = addSeconds(now, -3600);
  const recent = (where: ReturnType<typeof and>) =>
    db.select({ n: count() }).from(identityChallenges).where(where).get().then((r) => r?.n ?? 0);
  const byAccount = await recent(and(eq(identityChallenges.kind, "email"), eq(identityChallenges.userId, me.id), gt(identityChallenges.created, hourAgo)));
  const byAddress = await recent(and(eq(identityChallenges.kind, "email"), eq(identityChallenges.subject, email), gt(identityChallenges.created, hourAgo)));
  if (byAccount >= EMAIL_SENDS_PER_HOUR || byAddress >= EMAIL_SENDS_PER_HOUR) {
    const field = byAddress >= EMAIL_SENDS_PER_HOUR ? "email" : "non_field_errors";
    throw new ApiError(429, { detail: "Too many codes requested; try again later.", [field]: [`At most ${EMAIL_SENDS_PER_HOUR} codes an hour.`] }, { "Retry-After": "3600" });
  }
  // A newer code replaces any live one for this address.
  await db
    .update(identityChallenges)
    .set({ usedAt: now })
    .where(and(eq(identityChallenges.kind, "email"), eq(identityChallenges.userId, me.id), eq(identityChallenges.subject, email), isNull(identityChallenges.usedAt)));
  const uuid = newUuid();
  const code = newCode();
  const expiresAt = addSeconds(now, EMAIL_CODE_TTL_SECONDS);
  const row = await db
    .insert(identityChallenges)
    .values({ uuid, userId: me.id, kind: "email", subject: email, secretHash: await secretHash(env, uuid, code), expiresAt, created: now })
    .returning({ id: identityChallenges.id })
    .get();
  try {
    await sendMail(env, {
      to: email,
      subject: "Your VirtEngine verification code",
      text: `Your VirtEngine verification code is ${code}.\n\nIt expires in 10 minutes. If you did not ask for it, ignore this message.\n`,
    });
  } catch (e) {
    // The attempt still counts against the rate limit; the code is dead.
    await db.update(identityChallenges).set({ usedAt: nowIso() }).where(eq(identityChallenges.id, row.id));
    if (e instanceof MailConfigError || e instanceof MailSendError) {
      console.error(`identity email: ${e.message}`);
      throw new ApiError(503, { detail: "The verification email could not be sent; try again later." });
    }
    throw e;
  }
  await upsertScope(db, me.id, "email", email, null, { status: "pending" });
  return { email, expires_at: expiresAt };
}

export async function verifyEmail(db: Db, env: IdentityEnv, me: User, email: string, code: string) {
  const now = nowIso();
  const live = await db
    .select()
    .from(identityChallenges)
    .where(and(eq(identityChallenges.kind, "email"), eq(identityChallenges.userId, me.id), eq(identityChallenges.subject, email), isNull(identityChallenges.usedAt)))
    .orderBy(desc(identityChallenges.id))
    .get();
  if (!live || live.expiresAt <= now || live.attempts >= EMAIL_MAX_ATTEMPTS) {
    throw fieldError("code", "The code has expired or was not requested; ask for a new one.");
  }
  // Count the attempt first, atomically: parallel guesses cannot exceed the limit.
  const counted = await db
    .update(identityChallenges)
    .set({ attempts: sql`${identityChallenges.attempts} + 1` })
    .where(and(eq(identityChallenges.id, live.id), isNull(identityChallenges.usedAt), lt(identityChallenges.attempts, EMAIL_MAX_ATTEMPTS)))
    .returning({ attempts: identityChallenges.attempts })
    .get();
  if (!counted) throw fieldError("code", "The code has expired or was not requested; ask for a new one.");
  if (!constantTimeEqualHex(await secretHash(env, live.uuid, code), live.secretHash)) {
    const left = EMAIL_MAX_ATTEMPTS - counted.attempts;
    if (left <= 0) await db.update(identityChallenges).set({ usedAt: now }).where(eq(identityChallenges.id, live.id));
    throw fieldError("code", left > 0 ? "The code is not valid." : "The code is not valid; too many wrong tries, ask for a new one.");
  }
  const used = await db
    .update(identityChallenges)
    .set({ usedAt: now })
    .where(and(eq(identityChallenges.id, live.id), isNull(identityChallenges.usedAt)))
    .returning({ id: identityChallenges.id })
    .get();
  if (!used) throw fieldError("code", "The code has already been used.");
  const scope = await upsertScope(db, me.id, "email", email, null, { status: "verified", method: "email", verifiedAt: now });
  return scope;
}

/** Deletes challenges long past use (kept an hour beyond expiry for the rate limit). */
export async function pruneChallenges(db: Db) {
  const cutoff = addSeconds(nowIso(), -2 * 3600);
  await db.delete(identityChallenges).where(and(eq(identityChallenges.kind, "email"), lt(identityChallenges.created, cutoff)));
}
