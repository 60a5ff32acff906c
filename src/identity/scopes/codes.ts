// One-time codes sent to something the user claims to own (an email address, a phone number):
// 6 digits, stored only as a keyed hash bound to the challenge, expiring, single use, dead after a
// few wrong tries, a newer code replacing an older one, and a cap on sends per hour per account and
// per destination. The channels (email.ts, sms.ts) only say how a code is delivered.
import { and, count, desc, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { identityChallenges } from "../../db/schema/index.ts";
import { ApiError, fieldError } from "../../http/errors.ts";
import { newUuid, nowIso } from "../../http/ids.ts";
import { v } from "../../http/validate.ts";
import { addSeconds, constantTimeEqualHex, type IdentityEnv, randomBelow, secretHash } from "./common.ts";

export interface CodePolicy {
  /** The challenge kind in D1. */
  kind: "email" | "sms";
  /** Request field naming the destination, for errors about it. */
  field: string;
  ttlSeconds: number;
  maxAttempts: number;
  sendsPerHour: number;
}

export const codeField = () =>
  v.pipe(v.string("Not a valid string."), v.trim(), v.regex(/^\d{6}$/, "Enter the 6-digit code."));

const newCode = () => String(randomBelow(1_000_000)).padStart(6, "0");

/**
 * Issues a code for `subject` (as stored: the address, or a keyed hash of a phone number) and
 * hands it to `deliver`. A delivery failure kills the code but still counts against the limit, and
 * is rethrown for the channel to map.
 */
export async function issueCode(
  db: Db,
  env: IdentityEnv,
  me: User,
  policy: CodePolicy,
  subject: string,
  deliver: (code: string) => Promise<void>,
): Promise<{ expiresAt: string }> {
  await pruneCodes(db, policy.kind);
  const now = nowIso();
  const hourAgo = addSeconds(now, -3600);
  const recent = (where: ReturnType<typeof and>) =>
    db.select({ n: count() }).from(identityChallenges).where(where).get().then((r) => r?.n ?? 0);
  const byAccount = await recent(and(eq(identityChallenges.kind, policy.kind), eq(identityChallenges.userId, me.id), gt(identityChallenges.created, hourAgo)));
  const bySubject = await recent(and(eq(identityChallenges.kind, policy.kind), eq(identityChallenges.subject, subject), gt(identityChallenges.created, hourAgo)));
  if (byAccount >= policy.sendsPerHour || bySubject >= policy.sendsPerHour) {
    const field = bySubject >= policy.sendsPerHour ? policy.field : "non_field_errors";
    throw new ApiError(429, { detail: "Too many codes requested; try again later.", [field]: [`At most ${policy.sendsPerHour} codes an hour.`] }, { "Retry-After": "3600" });
  }
  // A newer code replaces any live one for this destination.
  await db
    .update(identityChallenges)
    .set({ usedAt: now })
    .where(and(eq(identityChallenges.kind, policy.kind), eq(identityChallenges.userId, me.id), eq(identityChallenges.subject, subject), isNull(identityChallenges.usedAt)));
  const uuid = newUuid();
  const code = newCode();
  const expiresAt = addSeconds(now, policy.ttlSeconds);
  const row = await db
    .insert(identityChallenges)
    .values({ uuid, userId: me.id, kind: policy.kind, subject, secretHash: await secretHash(env, uuid, code), expiresAt, created: now })
    .returning({ id: identityChallenges.id })
    .get();
  try {
    await deliver(code);
  } catch (e) {
    await db.update(identityChallenges).set({ usedAt: nowIso() }).where(eq(identityChallenges.id, row.id));
    throw e;
  }
  return { expiresAt };
}

/** Consumes the live code for `subject` if `code` matches; otherwise a 400 naming "code". */
export async function consumeCode(db: Db, env: IdentityEnv, me: User, policy: CodePolicy, subject: string, code: string): Promise<void> {
  const now = nowIso();
  const live = await db
    .select()
    .from(identityChallenges)
    .where(and(eq(identityChallenges.kind, policy.kind), eq(identityChallenges.userId, me.id), eq(identityChallenges.subject, subject), isNull(identityChallenges.usedAt)))
    .orderBy(desc(identityChallenges.id))
    .get();
  if (!live || live.expiresAt <= now || live.attempts >= policy.maxAttempts) {
    throw fieldError("code", "The code has expired or was not requested; ask for a new one.");
  }
  // Count the attempt first, atomically: parallel guesses cannot exceed the limit.
  const counted = await db
    .update(identityChallenges)
    .set({ attempts: sql`${identityChallenges.attempts} + 1` })
    .where(and(eq(identityChallenges.id, live.id), isNull(identityChallenges.usedAt), lt(identityChallenges.attempts, policy.maxAttempts)))
    .returning({ attempts: identityChallenges.attempts })
    .get();
  if (!counted) throw fieldError("code", "The code has expired or was not requested; ask for a new one.");
  if (!constantTimeEqualHex(await secretHash(env, live.uuid, code), live.secretHash)) {
    const left = policy.maxAttempts - counted.attempts;
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
}

/** Deletes challenges long past use (kept an hour beyond expiry for the rate limit). */
export async function pruneCodes(db: Db, kind: CodePolicy["kind"]) {
  const cutoff = addSeconds(nowIso(), -2 * 3600);
  await db.delete(identityChallenges).where(and(eq(identityChallenges.kind, kind), lt(identityChallenges.created, cutoff)));
}
