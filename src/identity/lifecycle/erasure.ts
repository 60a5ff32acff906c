// Erasure on request: every capture of the account loses its sealed evidence (dispose.ts), review
// copies included. Asked twice, the second call finds nothing left and says so: same end state.
import { eq } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { identityCaptures } from "../../db/schema/index.ts";
import { fieldError } from "../../http/errors.ts";
import { v } from "../../http/validate.ts";
import { disposeCapture, type EvidenceBucket } from "./dispose.ts";

/** The account confirms by typing its username: erasure cannot be undone. */
export const erasureSchema = v.object({
  confirm: v.pipe(
    v.string("Not a valid string."),
    v.nonEmpty("This field may not be blank."),
    v.maxLength(150, "Ensure this field has no more than 150 characters."),
  ),
});

export async function eraseAccountEvidence(
  db: Db,
  bucket: EvidenceBucket,
  me: User,
  input: v.InferOutput<typeof erasureSchema>,
) {
  if (input.confirm !== me.username)
    throw fieldError("confirm", "Type your username to confirm the erasure.");
  const captures = await db.select().from(identityCaptures).where(eq(identityCaptures.userId, me.id)).all();
  let erased = 0;
  // disposeCapture also deletes review copies of captures erased earlier (DELETE /api/identity/captures/{uuid}/).
  for (const c of captures) if (await disposeCapture(db, bucket, c, "erasure")) erased++;
  return { erased, already_erased: captures.length - erased, captures: captures.length };
}
