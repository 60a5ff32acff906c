// Appeals against an identity score: one per VE_IDENTITY_APPEAL_PERIOD_DAYS per account, decided by
// a moderator with an outcome and a reason the account sees. A granted appeal queues a manual
// review of the account's latest ID document and selfie when their evidence is still held.
import { and, desc, eq, gt } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { identityAppeals, users } from "../../db/schema/index.ts";
import { ApiError, conflict, notFound } from "../../http/errors.ts";
import { newUuid, nowIso } from "../../http/ids.ts";
import { v } from "../../http/validate.ts";
import { appealPeriodMs, type LifecycleEnv } from "./config.ts";
import { isModerator } from "./moderators.ts";
import { queueLatestPair } from "./reviews.ts";

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

export async function fileAppeal(
  db: Db,
  env: LifecycleEnv,
  me: User,
  input: v.InferOutput<typeof appealSchema>,
): Promise<Appeal> {
  const period = appealPeriodMs(env);
  const since = new Date(Date.now() - period).toISOString();
  const last = await db
    .select()
    .from(identityAppeals)
    .where(and(eq(identityAppeals.userId, me.id), gt(identityAppeals.created, since)))
    .orderBy(desc(identityAppeals.created))
    .get();
  if (last) {
    const next = new Date(Date.parse(last.created) + period);
    throw new ApiError(
      429,
      {
        detail: `You appealed on ${last.created}; an account may appeal once every ${Math.round(period / 86_400_000)} days. The next appeal is possible from ${next.toISOString()}.`,
        next_appeal_at: next.toISOString(),
      },
      { "Retry-After": String(Math.max(1, Math.ceil((next.getTime() - Date.now()) / 1000))) },
    );
  }
  return db
    .insert(identityAppeals)
    .values({ uuid: newUuid(), userId: me.id, reason: input.reason, created: nowIso() })
    .returning()
    .get();
}

/** The caller's own appeals; moderators see everyone's (optionally only open ones). */
export async function listAppeals(db: Db, me: User, status?: "open" | "decided") {
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
    .all();
  return Promise.all(rows.map((r) => serializeAppeal(db, r.a, r.account, r.username, isModerator(me))));
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
  moderator: User,
  uuid: string,
  input: v.InferOutput<typeof appealDecisionSchema>,
) {
  const { a } = await appealFor(db, moderator, uuid);
  if (a.userId === moderator.id)
    throw new ApiError(403, { detail: "A moderator cannot decide their own appeal." });
  const now = nowIso();
  const done = await db
    .update(identityAppeals)
    .set({
      status: "decided",
      outcome: input.outcome,
      decisionReason: input.reason,
      decidedById: moderator.id,
      decidedAt: now,
    })
    .where(and(eq(identityAppeals.id, a.id), eq(identityAppeals.status, "open")))
    .returning()
    .get();
  if (!done) throw conflict("This appeal was already decided.");
  const review =
    input.outcome === "granted" ? await queueLatestPair(db, a.userId, "appeal", `appeal ${a.uuid}`) : null;
  return { appeal: done, review };
}

/** Moderators see who decided; the account sees the outcome and the reason. */
export async function serializeAppeal(
  db: Db,
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
    reason: a.reason,
    status: a.status,
    outcome: a.outcome,
    decision_reason: a.decisionReason,
    decided_by: decider ? { uuid: decider.uuid, username: decider.username } : null,
    decided_at: a.decidedAt,
    created: a.created,
  };
}
