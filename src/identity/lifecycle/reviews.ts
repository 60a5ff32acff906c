// Manual review of borderline identity results. A review is queued when a validator's face distance
// falls within the margin around the match threshold (scanned by the cron and whenever moderators
// look at the queue), when a moderator flags an account's document/selfie pair, or when an appeal
// is granted. One moderator claims it; the evidence is then re-sealed to that moderator's current
// encryption key alone (reseal.ts) and the moderator records approve or reject with a reason.
import { and, desc, eq, gte, isNotNull, lte, ne, sql } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { inArray } from "../../db/in-list.ts";
import {
  identityAttestations,
  identityCaptures,
  identityReviewEvidence,
  identityReviews,
  identityScopes,
  users,
} from "../../db/schema/index.ts";
import { conflict, fieldError, notFound, permissionDenied } from "../../http/errors.ts";
import { newUuid, nowIso } from "../../http/ids.ts";
import { v } from "../../http/validate.ts";
import { currentKeys } from "../../routes/encryption-keys.ts";
import type { SecretEnv } from "../../secrets/sealed-json.ts";
import { borderlineBand, type LifecycleSecretEnv, scoreBand } from "./config.ts";
import { deleteReviewCopies, type EvidenceBucket } from "./dispose.ts";
import { openText, sealText } from "./texts.ts";

type Review = typeof identityReviews.$inferSelect;
type Capture = typeof identityCaptures.$inferSelect;

const uuidField = () =>
  v.pipe(v.string("Not a valid string."), v.regex(/^[0-9a-f]{32}$/, "Must be a valid UUID."));
const reasonField = (min: number) =>
  v.pipe(
    v.string("Not a valid string."),
    v.trim(),
    v.minLength(min, `Ensure this field has at least ${min} characters.`),
    v.maxLength(2000, "Ensure this field has no more than 2000 characters."),
  );

export const flagSchema = v.object({ document: uuidField(), selfie: uuidField(), note: reasonField(3) });
export const reviewDecisionSchema = v.object({
  outcome: v.picklist(["approve", "reject"], (i) => `"${String(i.input)}" is not a valid choice.`),
  reason: reasonField(3),
});
export const REVIEW_STATUSES = ["queued", "claimed", "decided"] as const;

const OPEN = ["queued", "claimed"] as const;

async function hasOpenReview(db: Db, documentId: number, selfieId: number) {
  return !!(await db
    .select({ id: identityReviews.id })
    .from(identityReviews)
    .where(
      and(
        eq(identityReviews.documentCaptureId, documentId),
        eq(identityReviews.selfieCaptureId, selfieId),
        inArray(identityReviews.status, [...OPEN]),
      ),
    )
    .get());
}

async function queue(
  db: Db,
  env: SecretEnv,
  userId: number,
  documentId: number,
  selfieId: number,
  fields: Pick<Review, "trigger" | "note"> & { attestationId?: number; distance?: number | null },
) {
  const uuid = newUuid();
  return db
    .insert(identityReviews)
    .values({
      uuid,
      userId,
      documentCaptureId: documentId,
      selfieCaptureId: selfieId,
      created: nowIso(),
      ...fields,
      note: await sealText(env, uuid, "note", fields.note),
    })
    .returning()
    .get();
}

/**
 * Queues a review of the account's latest document/selfie pair when its latest score is within the
 * margin of a threshold and no review of the account started after that score.
 */
export async function queueBorderlineScores(db: Db, env: LifecycleSecretEnv): Promise<number> {
  const { thresholds, margin } = scoreBand(env);
  if (!thresholds.length) return 0;
  const latest = await db.all<{ user_id: number; score: number; created: string }>(sql`
    SELECT s.user_id AS user_id, s.score AS score, s.created AS created FROM identity_scores s
    WHERE s.id = (SELECT MAX(id) FROM identity_scores WHERE user_id = s.user_id)
      AND NOT EXISTS (SELECT 1 FROM identity_reviews r WHERE r.user_id = s.user_id AND r.created >= s.created)`);
  let queued = 0;
  for (const row of latest) {
    const near = thresholds.find((t) => Math.abs(row.score - t) <= margin);
    if (near === undefined) continue;
    const review = await queueLatestPair(
      db,
      env,
      row.user_id,
      "borderline",
      `Score ${row.score} is within ${margin} of the threshold ${near}.`,
    );
    if (review) queued++;
  }
  return queued;
}

/** Queues every borderline attestation not reviewed yet (a pair is reviewed once per attestation). */
export async function queueBorderline(db: Db, env: LifecycleSecretEnv): Promise<number> {
  const band = borderlineBand(env);
  const rows = await db
    .select({ a: identityAttestations, userId: identityCaptures.userId, status: identityCaptures.status })
    .from(identityAttestations)
    .innerJoin(identityCaptures, eq(identityCaptures.id, identityAttestations.documentCaptureId))
    .where(
      and(
        isNotNull(identityAttestations.distance),
        gte(identityAttestations.distance, band.low),
        lte(identityAttestations.distance, band.high),
        ne(identityCaptures.status, "erased"),
      ),
    )
    .all();
  if (!rows.length) return 0;
  const seen = new Set(
    (
      await db
        .select({ a: identityReviews.attestationId })
        .from(identityReviews)
        .where(
          inArray(
            identityReviews.attestationId,
            rows.map((r) => r.a.id),
          ),
        )
        .all()
    ).map((r) => r.a),
  );
  let queued = 0;
  for (const r of rows) {
    if (seen.has(r.a.id) || (await hasOpenReview(db, r.a.documentCaptureId, r.a.selfieCaptureId))) continue;
    await queue(db, env, r.userId, r.a.documentCaptureId, r.a.selfieCaptureId, {
      trigger: "borderline",
      note: "",
      attestationId: r.a.id,
      distance: r.a.distance,
    });
    queued++;
  }
  return queued;
}

const captureByUuid = (db: Db, uuid: string) =>
  db.select().from(identityCaptures).where(eq(identityCaptures.uuid, uuid)).get();

/** A moderator flags an account's document/selfie pair for review. */
export async function flagForReview(
  db: Db,
  env: SecretEnv,
  moderator: User,
  input: v.InferOutput<typeof flagSchema>,
): Promise<Review> {
  const doc = await captureByUuid(db, input.document);
  const selfie = await captureByUuid(db, input.selfie);
  if (doc?.scope !== "id_document") throw fieldError("document", "Not an ID document capture.");
  if (selfie?.scope !== "selfie") throw fieldError("selfie", "Not a selfie capture.");
  if (selfie.userId !== doc.userId)
    throw fieldError("selfie", "The selfie belongs to another account than the document.");
  if (doc.status === "erased")
    throw fieldError("document", "Its evidence was erased; there is nothing to review.");
  if (selfie.status === "erased")
    throw fieldError("selfie", "Its evidence was erased; there is nothing to review.");
  if (doc.userId === moderator.id) throw permissionDenied("A moderator cannot review their own identity.");
  if (await hasOpenReview(db, doc.id, selfie.id)) throw conflict("This pair is already in the review queue.");
  return queue(db, env, doc.userId, doc.id, selfie.id, { trigger: "flagged", note: input.note });
}

/** After a granted appeal: the account's latest document and selfie with evidence, if any. */
export async function queueLatestPair(
  db: Db,
  env: SecretEnv,
  userId: number,
  trigger: "appeal" | "borderline",
  note: string,
): Promise<Review | null> {
  const latest = async (scope: "id_document" | "selfie") =>
    db
      .select()
      .from(identityCaptures)
      .where(
        and(
          eq(identityCaptures.userId, userId),
          eq(identityCaptures.scope, scope),
          ne(identityCaptures.status, "erased"),
        ),
      )
      .orderBy(desc(identityCaptures.id))
      .get();
  const doc = await latest("id_document");
  const selfie = await latest("selfie");
  if (!doc || !selfie || (await hasOpenReview(db, doc.id, selfie.id))) return null;
  return queue(db, env, userId, doc.id, selfie.id, { trigger, note });
}

export async function reviewByUuid(db: Db, uuid: string): Promise<Review> {
  const r = await db.select().from(identityReviews).where(eq(identityReviews.uuid, uuid)).get();
  if (!r) throw notFound();
  return r;
}

export async function claimReview(db: Db, moderator: User, uuid: string): Promise<Review> {
  const r = await reviewByUuid(db, uuid);
  if (r.userId === moderator.id) throw permissionDenied("A moderator cannot review their own identity.");
  if (r.status !== "queued")
    throw conflict(
      r.status === "claimed"
        ? "Another moderator already claimed this review."
        : "This review was already decided.",
    );
  const [key] = await currentKeys(db, [moderator.id]);
  if (!key)
    throw conflict(
      "Register an encryption key (/api/encryption-keys/) before claiming: the evidence is re-sealed to it alone.",
    );
  const caps = await db
    .select()
    .from(identityCaptures)
    .where(inArray(identityCaptures.id, [r.documentCaptureId, r.selfieCaptureId]))
    .all();
  if (caps.some((c) => c.status === "erased"))
    throw conflict("The evidence for this review was erased; there is nothing left to re-seal.");
  const done = await db
    .update(identityReviews)
    .set({
      status: "claimed",
      moderatorId: moderator.id,
      moderatorKeyId: key.keyId,
      moderatorKeyVersion: key.keyVersion,
      claimedAt: nowIso(),
    })
    .where(and(eq(identityReviews.id, r.id), eq(identityReviews.status, "queued")))
    .returning()
    .get();
  if (!done) throw conflict("Another moderator already claimed this review.");
  return done;
}

export function requireClaimant(r: Review, me: User) {
  if (r.status === "queued") throw conflict("Claim this review first.");
  if (r.moderatorId !== me.id)
    throw permissionDenied(
      "This review is claimed by another moderator; only they can see its evidence or decide it.",
    );
}

export async function decideReview(
  db: Db,
  env: SecretEnv,
  bucket: EvidenceBucket,
  moderator: User,
  uuid: string,
  input: v.InferOutput<typeof reviewDecisionSchema>,
): Promise<Review> {
  const r = await reviewByUuid(db, uuid);
  requireClaimant(r, moderator);
  if (r.status === "decided") throw conflict("This review was already decided.");
  const now = nowIso();
  const done = await db
    .update(identityReviews)
    .set({
      status: "decided",
      outcome: input.outcome,
      decisionReason: await sealText(env, r.uuid, "decision", input.reason),
      decidedAt: now,
    })
    .where(and(eq(identityReviews.id, r.id), eq(identityReviews.status, "claimed")))
    .returning()
    .get();
  if (!done) throw conflict("This review was already decided.");
  const ids = [r.documentCaptureId, r.selfieCaptureId];
  await db
    .update(identityCaptures)
    .set({ status: input.outcome === "approve" ? "verified" : "rejected" })
    .where(and(inArray(identityCaptures.id, ids), ne(identityCaptures.status, "erased")));
  await db
    .update(identityScopes)
    .set(
      input.outcome === "approve"
        ? { status: "verified", method: "review", verifiedAt: now, modified: now }
        : { status: "pending", verifiedAt: null, modified: now },
    )
    .where(and(eq(identityScopes.userId, r.userId), inArray(identityScopes.kind, ["id_document", "selfie"])));
  // The moderator's copies have served their purpose.
  await deleteReviewCopies(db, bucket, { reviewId: r.id });
  return done;
}

export async function listReviews(
  db: Db,
  env: LifecycleSecretEnv,
  status?: (typeof REVIEW_STATUSES)[number],
) {
  await queueBorderline(db, env);
  await queueBorderlineScores(db, env);
  const rows = await db
    .select()
    .from(identityReviews)
    .where(status ? eq(identityReviews.status, status) : undefined)
    .orderBy(desc(identityReviews.id))
    .limit(500)
    .all();
  return Promise.all(rows.map((r) => serializeReview(db, env, r)));
}

export async function serializeReview(
  db: Db,
  env: SecretEnv,
  r: Review,
  opts: { forAccount?: boolean } = {},
) {
  const caps = await db
    .select()
    .from(identityCaptures)
    .where(inArray(identityCaptures.id, [r.documentCaptureId, r.selfieCaptureId]))
    .all();
  const byId = new Map<number, Capture>(caps.map((c) => [c.id, c]));
  const copies = await db
    .select()
    .from(identityReviewEvidence)
    .where(eq(identityReviewEvidence.reviewId, r.id))
    .all();
  const people = await db
    .select({ id: users.id, uuid: users.uuid, username: users.username })
    .from(users)
    .where(inArray(users.id, [r.userId, ...(r.moderatorId ? [r.moderatorId] : [])]))
    .all();
  const person = (id: number | null) => people.find((p) => p.id === id);
  const evidence = (id: number) => {
    const c = byId.get(id)!;
    const copy = copies.find((x) => x.captureId === id);
    return {
      capture: c.uuid,
      scope: c.scope,
      status: c.status,
      image_sha256: c.imageHash,
      envelope_sha256: c.envelopeSha256,
      resealed: !!copy && !copy.deletedAt,
      resealed_sha256: copy?.sha256 ?? null,
    };
  };
  const moderator = person(r.moderatorId);
  return {
    uuid: r.uuid,
    account: person(r.userId)?.uuid ?? null,
    trigger: r.trigger,
    distance: r.distance,
    note: await openText(env, r.uuid, "note", r.note),
    status: r.status,
    // The account sees the decision, not who made it.
    moderator: opts.forAccount || !moderator ? null : { uuid: moderator.uuid, username: moderator.username },
    moderator_key_id: opts.forAccount ? null : r.moderatorKeyId,
    claimed_at: r.claimedAt,
    outcome: r.outcome,
    decision_reason: await openText(env, r.uuid, "decision", r.decisionReason),
    decided_at: r.decidedAt,
    evidence: [evidence(r.documentCaptureId), evidence(r.selfieCaptureId)],
    created: r.created,
  };
}
