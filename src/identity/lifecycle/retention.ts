// The cron's retention sweep: captures older than VE_IDENTITY_RETENTION_DAYS lose their sealed
// image in R2 (dispose.ts); hashes, scoring outcomes and scope statuses stay. Evidence under an open
// manual review waits for the decision (the moderator must be able to see it), then goes at the
// next sweep; a review left open longer than the retention period itself stops protecting it, so an
// abandoned claim cannot keep evidence forever.
import { and, gt, lt, ne, notInArray } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { inArray } from "../../db/in-list.ts";
import { identityCaptures, identityReviews } from "../../db/schema/index.ts";
import { type LifecycleEnv, retentionMs } from "./config.ts";
import { deleteOrphanCopies, disposeCapture, type EvidenceBucket } from "./dispose.ts";

const BATCH = 200;

export async function sweepRetention(
  db: Db,
  bucket: EvidenceBucket,
  env: LifecycleEnv,
  now = Date.now(),
): Promise<{ deleted: number }> {
  const cutoff = new Date(now - retentionMs(env)).toISOString();
  const underReview = db
    .select({ id: identityReviews.documentCaptureId })
    .from(identityReviews)
    .where(and(inArray(identityReviews.status, ["queued", "claimed"]), gt(identityReviews.created, cutoff)))
    .union(
      db
        .select({ id: identityReviews.selfieCaptureId })
        .from(identityReviews)
        .where(
          and(inArray(identityReviews.status, ["queued", "claimed"]), gt(identityReviews.created, cutoff)),
        ),
    );
  let deleted = 0;
  for (;;) {
    const due = await db
      .select()
      .from(identityCaptures)
      .where(
        and(
          ne(identityCaptures.status, "erased"),
          lt(identityCaptures.created, cutoff),
          notInArray(identityCaptures.id, underReview),
        ),
      )
      .limit(BATCH)
      .all();
    let round = 0;
    for (const c of due) if (await disposeCapture(db, bucket, c, "retention")) round++;
    deleted += round;
    // A full batch that changed nothing was taken by a concurrent sweep; the next cron continues.
    if (due.length < BATCH || round === 0) break;
  }
  deleted += await deleteOrphanCopies(db, bucket);
  return { deleted };
}
