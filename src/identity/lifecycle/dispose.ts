// Taking one capture's sealed evidence out of R2, for retention or on request. The envelope and
// every re-sealed review copy are deleted; the content key existed only wrapped in those envelope
// headers (D1 never held it), so deleting them discards it. The capture row keeps the commitment
// (salted image hash, envelope hash, size) and becomes "erased"; scope statuses are untouched.
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import {
  identityCaptures,
  identityEvidenceDisposals,
  identityReviewEvidence,
} from "../../db/schema/index.ts";
import { nowIso } from "../../http/ids.ts";

type Capture = typeof identityCaptures.$inferSelect;
export interface EvidenceBucket {
  delete(keys: string | string[]): Promise<void>;
}

/** Deletes the review copies of one capture still in R2; returns how many. */
export async function deleteReviewCopies(
  db: Db,
  bucket: EvidenceBucket,
  where: { captureId?: number; reviewId?: number },
): Promise<number> {
  const cond = and(
    isNull(identityReviewEvidence.deletedAt),
    where.captureId !== undefined ? eq(identityReviewEvidence.captureId, where.captureId) : undefined,
    where.reviewId !== undefined ? eq(identityReviewEvidence.reviewId, where.reviewId) : undefined,
  );
  const copies = await db.select().from(identityReviewEvidence).where(cond).all();
  if (!copies.length) return 0;
  // R2 first: a crash between the two leaves a row saying "present" for a missing object, which the
  // next run deletes again (R2 delete of a missing key succeeds), never the reverse.
  await bucket.delete(copies.map((c) => c.objectKey));
  const now = nowIso();
  for (const c of copies)
    await db
      .update(identityReviewEvidence)
      .set({ deletedAt: now })
      .where(eq(identityReviewEvidence.id, c.id));
  return copies.length;
}

/**
 * Review copies of captures erased some other way (DELETE /api/identity/captures/{uuid}/ removes
 * only the original): the cron takes them too, so no readable copy outlives its original.
 */
export async function deleteOrphanCopies(db: Db, bucket: EvidenceBucket): Promise<number> {
  const orphans = await db
    .selectDistinct({ captureId: identityReviewEvidence.captureId })
    .from(identityReviewEvidence)
    .innerJoin(identityCaptures, eq(identityCaptures.id, identityReviewEvidence.captureId))
    .where(and(isNull(identityReviewEvidence.deletedAt), eq(identityCaptures.status, "erased")))
    .limit(200)
    .all();
  let n = 0;
  for (const o of orphans) n += await deleteReviewCopies(db, bucket, { captureId: o.captureId });
  return n;
}

/** Disposes of one capture's evidence; a capture already erased is left as it is (false). */
export async function disposeCapture(
  db: Db,
  bucket: EvidenceBucket,
  capture: Capture,
  reason: "retention" | "erasure",
): Promise<boolean> {
  const copies = await deleteReviewCopies(db, bucket, { captureId: capture.id });
  if (capture.status === "erased") return false;
  await bucket.delete(capture.objectKey);
  const done = await db
    .update(identityCaptures)
    .set({ status: "erased" })
    .where(and(eq(identityCaptures.id, capture.id), eq(identityCaptures.status, capture.status)))
    .returning({ id: identityCaptures.id });
  if (!done.length) return false;
  await db
    .insert(identityEvidenceDisposals)
    .values({
      captureId: capture.id,
      reason,
      previousStatus: capture.status,
      reviewCopies: copies,
      created: nowIso(),
    })
    .onConflictDoNothing();
  return true;
}
