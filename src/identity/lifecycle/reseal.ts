// Re-sealing review evidence to the claiming moderator. The edge cannot open a capture (it is sealed
// to the identity validators' keys), so an identity validator does it: it fetches the envelope's
// header, re-wraps the content key for the moderator's key with every other recipient removed
// (reseal-client.ts), and uploads the new header. The edge stores that header followed by the stored
// payload as a separate object (src/crypto/blob-store.ts replaceHeader) after checking that its
// only recipient is the key the moderator had when claiming; the original envelope is untouched.
// The copy is served to the claiming moderator alone, and only their private key opens it.
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { type BlobRef, getEnvelope, getHeader, replaceHeader } from "../../crypto/blob-store.ts";
import { inArray } from "../../db/in-list.ts";
import {
  encryptionKeys,
  identityCaptures,
  identityReviewEvidence,
  identityReviews,
  users,
} from "../../db/schema/index.ts";
import { ApiError, conflict, fieldError, notFound } from "../../http/errors.ts";
import { nowIso } from "../../http/ids.ts";
import { CAPTURE_ENVELOPE_KIND } from "../capture/bundle.ts";
import type { IdentityValidator } from "../capture/validators.ts";

type Capture = typeof identityCaptures.$inferSelect;
type Review = typeof identityReviews.$inferSelect;
export type ResealBucket = Parameters<typeof getHeader>[0];

/** Largest re-wrapped header accepted (one recipient needs about 200 bytes; the context adds little). */
export const MAX_HEADER_BYTES = 16 * 1024;

const captureRef = (c: Capture): BlobRef => ({
  key: c.objectKey,
  sha256: c.envelopeSha256,
  size: c.size,
  recipients: [],
  context: { kind: CAPTURE_ENVELOPE_KIND, recordId: c.uuid, version: 1 },
});

const sealedTo = (c: Capture, keyId: string) => c.sealedTo.some((s) => s.keyId === keyId);

/** Claimed reviews whose evidence this validator can open and has not re-sealed yet. */
export async function resealQueue(db: Db, validator: IdentityValidator) {
  const reviews = await db
    .select()
    .from(identityReviews)
    .where(eq(identityReviews.status, "claimed"))
    .limit(200)
    .all();
  const out = [];
  for (const r of reviews) {
    const caps = await db
      .select()
      .from(identityCaptures)
      .where(inArray(identityCaptures.id, [r.documentCaptureId, r.selfieCaptureId]))
      .all();
    const done = new Set(
      (
        await db
          .select({ c: identityReviewEvidence.captureId })
          .from(identityReviewEvidence)
          .where(eq(identityReviewEvidence.reviewId, r.id))
          .all()
      ).map((x) => x.c),
    );
    const key = await db
      .select()
      .from(encryptionKeys)
      .where(eq(encryptionKeys.keyId, r.moderatorKeyId ?? ""))
      .get();
    const holder = key
      ? await db.select({ uuid: users.uuid }).from(users).where(eq(users.id, key.userId)).get()
      : undefined;
    if (!key || !holder) continue;
    for (const c of caps) {
      if (c.status === "erased" || done.has(c.id) || !sealedTo(c, validator.keyId)) continue;
      out.push({
        review: r.uuid,
        capture: c.uuid,
        scope: c.scope,
        envelope_sha256: c.envelopeSha256,
        moderator: {
          holder: holder.uuid,
          key_id: key.keyId,
          key_version: key.keyVersion,
          public_key: key.publicKey,
        },
      });
    }
  }
  return out;
}

async function reviewCapture(db: Db, reviewUuid: string, captureUuid: string) {
  const r = await db.select().from(identityReviews).where(eq(identityReviews.uuid, reviewUuid)).get();
  const c = await db.select().from(identityCaptures).where(eq(identityCaptures.uuid, captureUuid)).get();
  if (!r || !c || (c.id !== r.documentCaptureId && c.id !== r.selfieCaptureId)) throw notFound();
  return { r, c };
}

/** The stored header of a review's capture, for a validator it is sealed to. */
export async function headerForValidator(
  db: Db,
  bucket: ResealBucket,
  validator: IdentityValidator,
  reviewUuid: string,
  captureUuid: string,
) {
  const { r, c } = await reviewCapture(db, reviewUuid, captureUuid);
  if (!sealedTo(c, validator.keyId)) throw notFound();
  if (r.status !== "claimed") throw conflict("Only a claimed review's evidence is re-sealed.");
  if (c.status === "erased")
    throw new ApiError(404, { detail: "The sealed evidence is gone (erased or expired)." });
  const h = await getHeader(bucket, captureRef(c));
  if (!h.ok) throw new ApiError(404, { detail: "The sealed evidence is gone (erased or expired)." });
  return h.value;
}

/** Stores a validator's re-wrapped header as the moderator's copy of the evidence. */
export async function storeResealed(
  db: Db,
  bucket: ResealBucket,
  validator: IdentityValidator,
  reviewUuid: string,
  captureUuid: string,
  header: Uint8Array,
) {
  const { r, c } = await reviewCapture(db, reviewUuid, captureUuid);
  if (!sealedTo(c, validator.keyId)) throw notFound();
  if (r.status !== "claimed" || !r.moderatorKeyId)
    throw conflict("Only a claimed review's evidence is re-sealed.");
  if (c.status === "erased")
    throw new ApiError(404, { detail: "The sealed evidence is gone (erased or expired)." });
  if (header.length === 0) throw fieldError("header", "Send the re-wrapped envelope header as the body.");
  const existing = await db
    .select()
    .from(identityReviewEvidence)
    .where(and(eq(identityReviewEvidence.reviewId, r.id), eq(identityReviewEvidence.captureId, c.id)))
    .get();
  if (existing) throw conflict("This evidence was already re-sealed for the review.");
  const objectKey = `identity/reviews/${r.uuid}/${c.uuid}.veenv`;
  const stored = await replaceHeader(bucket, captureRef(c), objectKey, header);
  if (!stored.ok) {
    if (stored.error.code === "not_found")
      throw new ApiError(404, { detail: "The sealed evidence is gone (erased or expired)." });
    throw fieldError(
      "header",
      `Not a re-wrapped header of this capture's envelope: ${stored.error.message}.`,
    );
  }
  const only = stored.value.recipients;
  if (only.length !== 1 || only[0]!.keyId !== r.moderatorKeyId) {
    await bucket.delete(objectKey);
    throw fieldError(
      "header",
      `The header must name exactly one recipient, the claiming moderator's key ${r.moderatorKeyId}.`,
    );
  }
  const row = await db
    .insert(identityReviewEvidence)
    .values({
      reviewId: r.id,
      captureId: c.id,
      objectKey,
      sha256: stored.value.sha256,
      size: stored.value.size,
      keyId: r.moderatorKeyId,
      created: nowIso(),
    })
    .onConflictDoNothing()
    .returning()
    .get();
  if (!row) {
    // A concurrent upload won; its object has the same key, so only the row decides.
    throw conflict("This evidence was already re-sealed for the review.");
  }
  return { review: r.uuid, capture: c.uuid, sha256: row.sha256, size: row.size, key_id: row.keyId };
}

/** The moderator's copy as a stream, checked against its recorded hash and size. */
export async function resealedEnvelope(db: Db, bucket: ResealBucket, review: Review, captureUuid: string) {
  const { c } = await reviewCapture(db, review.uuid, captureUuid);
  const copy = await db
    .select()
    .from(identityReviewEvidence)
    .where(
      and(
        eq(identityReviewEvidence.reviewId, review.id),
        eq(identityReviewEvidence.captureId, c.id),
        isNull(identityReviewEvidence.deletedAt),
      ),
    )
    .get();
  if (!copy)
    throw new ApiError(404, {
      detail:
        "No re-sealed copy yet: an identity validator re-seals the evidence to your key after the claim.",
    });
  const s = await getEnvelope(bucket, {
    key: copy.objectKey,
    sha256: copy.sha256,
    size: copy.size,
    recipients: [],
    context: captureRef(c).context,
  });
  if (!s.ok) throw new ApiError(404, { detail: "The sealed evidence is gone (erased or expired)." });
  return { stream: s.value, copy };
}
