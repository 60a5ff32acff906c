// The one guarded write of a sealed_blobs reference. The previous version guards the update, and the
// (kind, record id) unique index guards the first insert, so of two writers sealing the same record
// at once exactly one records its envelope; the loser gets false and must drop its R2 object.
import { and, eq } from "drizzle-orm";
import type { Db } from "../app-env.ts";
import { sealedBlobs } from "../db/schema/index.ts";

type SealedBlob = typeof sealedBlobs.$inferSelect;
export type SealedRefFields = Pick<SealedBlob, "version" | "objectKey" | "sha256" | "size" | "recipients" | "created">;

export async function recordSealedRef(
  db: Db,
  prev: Pick<SealedBlob, "id" | "version"> | undefined,
  record: { kind: string; recordId: string },
  ref: SealedRefFields,
): Promise<boolean> {
  if (prev) {
    const r = await db
      .update(sealedBlobs)
      .set(ref)
      .where(and(eq(sealedBlobs.id, prev.id), eq(sealedBlobs.version, prev.version)))
      .returning({ id: sealedBlobs.id });
    return r.length === 1;
  }
  return db
    .insert(sealedBlobs)
    .values({ kind: record.kind, recordId: record.recordId, ...ref })
    .then(() => true)
    .catch((e) => {
      if (String(e).includes("UNIQUE")) return false;
      throw e;
    });
}
