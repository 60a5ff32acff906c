// Appeals against an identity score: one per VE_IDENTITY_APPEAL_PERIOD_DAYS per account, decided by
// a moderator with an outcome and a reason the account sees. A granted appeal queues a manual
// review of the account's latest ID document and selfie when their evidence is still held. The
// reasons are sealed in D1 (texts.ts).
import { and, desc, eq, gt, sql } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { identityAppeals, users } from "../../db/schema/index.ts";
import { ApiError, conflict, notFound } from "../../http/errors.ts";
import { newUuid, nowIso } from "../../http/ids.ts";
import { v } from "../../http/validate.ts";
import type { SecretEnv } from "../../secrets/sealed-json.ts";
import { appealPeriodMs, type LifecycleSecretEnv } from "./config.ts";
import { isModerator } from "./moderators.ts";
import { queueLatestPair } from "./reviews.ts";
import { openText, sealText } from "./texts.ts";

const text = (min: number, max: number) =>
  v.pipe(
    v.string("Not a valid string."),
    v.trim(),
    v.minLength(min, `Ensure this field has at least ${min} characters.`),
    v.maxLength(max, `Ensure this field has no more than ${max} characters.`),
  );

export const appealSchema = v.object({ reason: text(10, 2000) });
export const appealDecisionSchema = v.object({
  outcome: v.picklist(["granted", "denied"], (i) => `"${String(i.input)}" is not a valid choice.`),
  reason: text(3, 2000),
});

type Appeal = typeof identityAppeals.$inferSelect;

async function tooSoon(db: Db, userId: number, period: number): Promise<ApiError | null> {
  const since = new Date(Date.now() - period).toISOString();
  const last = await db
    .select({ created: identityAppeals.created })
    .from(identityAppeals)
    .where(and(eq(identityAppeals.userId, userId), gt(identityAppeals.created, since)))
    .orderBy(desc(identityAppeals.created))
    .get();
  if (!last) return null;
  const next = new Date(Date.parse(last.created) + period);
  return new ApiError(
    429,
    {
      detail: `You appealed on ${last.created}; an account may appeal once every ${Math.round(period / 86_400_000)} days. The next appeal is possible from ${next.toISOString()}.`,
      next_appeal_at: next.toISOString(),
    },
    { "Retry-After": String(Math.max(1, Math.ceil((next.getTime() - Date.now()) / 1000))) },
  );
}

export async function fileAppeal(
  db: Db,
  env: LifecycleSecretEnv,
  me: User,
  input: v.InferOutput<typeof appealSchema>,
): Promise<Appeal> {
  const period = appealPeriodMs(env);
  const early = await tooSoon(db, me.id, period);
  if (early) throw early;
  const uuid = newUuid();
  const now = nowIso();
  const since = new Date(Date.parse(now) - period).toISOString();
  const reason = await sealText(env, uuid, "reason", input.reason);
  // One statement checks and inserts, so two appeals sent at once cannot both pass the check.
  await db.run(sql`
    INSERT INTO identity_appeals (uuid, user_id, reason, status, created)
    SELECT ${uuid}, ${me.id}, ${reason}, 'open', ${now}
    WHERE NOT EXISTS (SELECT 1 FROM identity_appeals WHERE user_id = ${me.id} AND created > ${since})`);
  const row = await db.select().from(identityAppeals).where(eq(identityAppeals.uuid, uuid)).get();
  if (!row)
    throw (await tooSoon(db, me.id, period)) ?? conflict("Another appeal was filed at the same moment.");
  return row;
}

/** The caller's own appeals; moderators see everyone's (optionally only open ones). */
export async function listAppeals(db: Db, env: SecretEnv, me: User, status?: "open" | "decided") {
  const rows = await db
    .select({ a: identityAppeals, account: users.uuid, username: users.username })
    .from(identityAppeals)
    .innerJoin(users, eq(users.id, identityAppeals.userId))
    .where(
      and(
        isModerator(me) ? undefined : eq(identityAppeals.userId, me.id),
        status ? eq(identityAppeals.status, status) : undefined,
      ),
    )
    .orderBy(desc(identityAppeals.id))
    .limit(500)
    .all();
  return Promise.all(rows.map((r) => serializeAppeal(db, env, r.a, r.account, r.username, isModerator(me))));
}

export async function appealFor(db: Db, me: User, uuid: string) {
  const row = await db
    .select({ a: identityAppeals, account: users.uuid, username: users.username })
    .from(identityAppeals)
    .innerJoin(users, eq(users.id, identityAppeals.userId))
    .where(eq(identityAppeals.uuid, uuid))
    .get();
  if (!row || (!isModerator(me) && row.a.userId !== me.id)) throw notFound();
  return row;
}

export async function decideAppeal(
  db: Db,
  env: SecretEnv,
  moderator: User,
  uuid: string,
  input: v.InferOutput<typeof appealDecisionSchema>,
) {
  const { a } = await appealFor(db, moderator, uuid);
  if (a.userId === moderator.id)
    throw new ApiError(403, { detail: "A moderator cannot decide their own appeal." });
  const done = await db
    .update(identityAppeals)
    .set({
      status: "decided",
      outcome: input.outcome,
      decisionReason: await sealText(env, a.uuid, "decision", input.reason),
      decidedById: moderator.id,
      decidedAt: nowIso(),
    })
    .where(and(eq(identityAppeals.id, a.id), eq(identityAppeals.status, "open")))
    .returning()
    .get();
  if (!done) throw conflict("This appeal was already decided.");
  const review =
    input.outcome === "granted"
      ? await queueLatestPair(db, env, a.userId, "appeal", `Appeal ${a.uuid} granted.`)
      : null;
  return { appeal: done, review };
}

/** Moderators see who decided; the account sees the outcome and the reason. */
export async function serializeAppeal(
  db: Db,
  env: SecretEnv,
  a: Appeal,
  account: string,
  username: string,
  showDecider = false,
) {
  const decider =
    showDecider && a.decidedById
      ? await db
          .select({ uuid: users.uuid, username: users.username })
          .from(users)
          .where(eq(users.id, a.decidedById))
          .get()
      : undefined;
  return {
    uuid: a.uuid,
    account,
    account_username: username,
    reason: await openText(env, a.uuid, "reason", a.reason),
    status: a.status,
    outcome: a.outcome,
    decision_reason: await openText(env, a.uuid, "decision", a.decisionReason),
    decided_by: decider ? { uuid: decider.uuid, username: decider.username } : null,
    decided_at: a.decidedAt,
    created: a.created,
  };
}
