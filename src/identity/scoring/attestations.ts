// The edge side of scoring. A validator's scorer signs in with the account that registered the
// validator's identity key in the encryption key directory; that key must be in the identity
// network's set (capture/validators.ts: the bonded validators' x/roles keys, which the scorer
// registers on chain at start, or VE_IDENTITY_VALIDATORS in local mode without a chain). It lists
// the captures sealed to that key, downloads their envelopes (only it can open them) and posts its
// verdict on an account's ID document against its selfie. One verdict
// settles the captures here; with several validators the chain's aggregation decides.
import { desc, eq, inArray } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { encryptionKeys, identityAttestations, identityCaptures, users } from "../../db/schema/index.ts";
import { ApiError, conflict, fieldError, notFound, permissionDenied } from "../../http/errors.ts";
import { newUuid, nowIso } from "../../http/ids.ts";
import { v } from "../../http/validate.ts";
import { identityValidators, type IdentityValidator, ValidatorConfigError } from "../capture/validators.ts";
import { type IdentityEnv, upsertScope } from "../scopes/common.ts";

type Capture = typeof identityCaptures.$inferSelect;

/** The identity validator the caller acts for: their current encryption key is one of the network's. */
export async function callerValidator(db: Db, env: IdentityEnv, me: User): Promise<IdentityValidator> {
  let network: IdentityValidator[] | null;
  try {
    network = await identityValidators(env);
  } catch (e) {
    if (!(e instanceof ValidatorConfigError)) throw e;
    console.error(`identity scoring: ${e.message}`);
    network = null;
  }
  if (!network) throw new ApiError(503, { detail: "The identity network is not configured." });
  // With a chain, a validator is whoever linked (by signature) the wallet of its operator account: a
  // directory key proves nothing by itself, since anyone may register a public key there and
  // validators' keys are public on chain. Without one (local mode), the configured keys are matched
  // against the caller's directory key.
  if (network.some((x) => x.source === "chain")) {
    const mine = me.walletAddress ? network.find((x) => x.account === me.walletAddress) : undefined;
    if (!mine) throw permissionDenied("Identity validators sign in with the wallet of their operator account (link it through /api/wallet-auth/).");
    return mine;
  }
  const current = await db.select().from(encryptionKeys).where(eq(encryptionKeys.userId, me.id)).orderBy(desc(encryptionKeys.keyVersion)).get();
  const mine = current && network.find((x) => x.keyId === current.keyId);
  if (!mine) throw permissionDenied("Only identity validators (by their registered identity key) may score captures.");
  return mine;
}

const sealedToKey = (c: Capture, keyId: string) => c.sealedTo.some((s) => s.keyId === keyId);

export async function pendingFor(db: Db, validator: IdentityValidator) {
  const rows = await db
    .select({ c: identityCaptures, account: users.uuid })
    .from(identityCaptures)
    .innerJoin(users, eq(users.id, identityCaptures.userId))
    .where(eq(identityCaptures.status, "pending"))
    .orderBy(identityCaptures.id)
    .limit(500)
    .all();
  return rows
    .filter((r) => sealedToKey(r.c, validator.keyId))
    .map((r) => ({
      uuid: r.c.uuid,
      scope: r.c.scope,
      account: r.account,
      object_key: r.c.objectKey,
      envelope_sha256: r.c.envelopeSha256,
      size: r.c.size,
      image_sha256: r.c.imageHash,
      key_id: validator.keyId,
      key_version: validator.keyVersion,
      created: r.c.created,
    }));
}

/** A capture sealed to this validator, or 404 (others' captures are not visible). */
export async function captureFor(db: Db, validator: IdentityValidator, uuid: string): Promise<Capture> {
  const c = await db.select().from(identityCaptures).where(eq(identityCaptures.uuid, uuid)).get();
  if (!c || !sealedToKey(c, validator.keyId)) throw notFound();
  return c;
}

const uuidField = () => v.pipe(v.string("Not a valid string."), v.regex(/^[0-9a-f]{32}$/, "Must be a valid UUID."));
export const attestationSchema = v.pipe(
  v.object({
    document: uuidField(),
    selfie: uuidField(),
    outcome: v.picklist(["match", "no_match", "rejected"], (i) => `"${String(i.input)}" is not a valid choice.`),
    distance: v.optional(v.pipe(v.number("A valid number is required."), v.minValue(0, "Ensure this value is greater than or equal to 0."), v.maxValue(10, "Ensure this value is less than or equal to 10."))),
    rejected_image: v.optional(v.picklist(["document", "selfie"], (i) => `"${String(i.input)}" is not a valid choice.`)),
    reason: v.optional(v.pipe(v.string("Not a valid string."), v.regex(/^[a-z_]{1,32}$/, "A reason code (lowercase letters and _)."))),
    pipeline_version: v.pipe(v.string("Not a valid string."), v.regex(/^[A-Za-z0-9._-]{1,32}$/, "A version label.")),
    pipeline_hash: v.pipe(v.string("Not a valid string."), v.regex(/^[0-9a-f]{64}$/, "The hex SHA-256 of the pipeline manifest.")),
  }),
  v.check((b) => b.outcome === "rejected" || b.distance !== undefined, "A match or no_match needs the distance."),
  v.check((b) => b.outcome !== "rejected" || (b.rejected_image !== undefined && b.reason !== undefined), "A rejection names rejected_image and reason."),
);
export type AttestationInput = v.InferOutput<typeof attestationSchema>;

export async function recordAttestation(db: Db, validator: IdentityValidator, b: AttestationInput) {
  const doc = await captureFor(db, validator, b.document);
  const selfie = await captureFor(db, validator, b.selfie);
  if (doc.scope !== "id_document") throw fieldError("document", "Not an ID document capture.");
  if (selfie.scope !== "selfie") throw fieldError("selfie", "Not a selfie capture.");
  if (doc.userId !== selfie.userId) throw fieldError("selfie", "The selfie belongs to another account than the document.");
  if (doc.status !== "pending" || selfie.status !== "pending") throw conflict("These captures were already scored.");
  const now = nowIso();
  const row = await db
    .insert(identityAttestations)
    .values({
      uuid: newUuid(),
      documentCaptureId: doc.id,
      selfieCaptureId: selfie.id,
      validator: validator.validator,
      validatorKeyId: validator.keyId,
      outcome: b.outcome,
      distance: b.distance ?? null,
      rejectedImage: b.rejected_image ?? null,
      reason: b.reason ?? "",
      pipelineVersion: b.pipeline_version,
      pipelineHash: b.pipeline_hash,
      created: now,
    })
    .onConflictDoNothing()
    .returning()
    .get();
  if (!row) throw conflict("This validator already scored these captures.");
  const status = b.outcome === "match" ? "verified" : "rejected";
  await db.update(identityCaptures).set({ status }).where(inArray(identityCaptures.id, [doc.id, selfie.id]));
  if (b.outcome === "match") {
    for (const kind of ["id_document", "selfie"] as const) {
      await upsertScope(db, doc.userId, kind, kind, null, { status: "verified", method: "capture", verifiedAt: now });
    }
  }
  return { row, document: doc, selfie };
}

export function serializeAttestation(a: typeof identityAttestations.$inferSelect, docUuid: string, selfieUuid: string) {
  return {
    uuid: a.uuid,
    document: docUuid,
    selfie: selfieUuid,
    validator: a.validator,
    outcome: a.outcome,
    distance: a.distance,
    rejected_image: a.rejectedImage,
    reason: a.reason || null,
    pipeline_version: a.pipelineVersion,
    pipeline_hash: a.pipelineHash,
    created: a.created,
  };
}

