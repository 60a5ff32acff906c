// Attested capture upload. The client asked for a nonce (nonces.ts), took the picture, drew a
// random salt, and signed with its registered device key:
//   "virtengine-capture-v1\n<scope>\n<nonce>\n<salt>\n<captured_at>\n<image_sha256>"
// where image_sha256 = hex SHA-256(salt ‖ image bytes). The upload is the image as the body and
// that metadata as JSON in the X-Capture-Metadata header. The API refuses a missing, foreign,
// reused or expired nonce, a capture time outside the nonce's life, a body that is not a complete
// JPEG/PNG, a hash that does not match the bytes and a signature that does not verify; then seals
// the bundle (metadata line + image) to the identity validators' keys, stores it in R2 and keeps
// the commitment. The edge never keeps the image in the clear.
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { concat, constantTimeEqual, hex, sha256, unhex } from "../../crypto/bytes.ts";
import { sealToBucket } from "../../crypto/blob-store.ts";
import { identityCaptures, identityDeviceKeys } from "../../db/schema/index.ts";
import type { BatchItem } from "drizzle-orm/batch";
import { veidRevokeItems, veidScopeItems, walletOf } from "../../bridge/chain/veid.ts";
import { ApiError, fieldError, notFound } from "../../http/errors.ts";
import { newUuid, nowIso } from "../../http/ids.ts";
import { isoDateTime, parseWith, v } from "../../http/validate.ts";
import { type IdentityEnv, upsertScope } from "../scopes/common.ts";
import { b64urlDecode } from "../sso/id-token.ts";
import { CAPTURE_ENVELOPE_KIND, captureMessage, encodeBundle } from "./bundle.ts";
import { verifyDeviceSignature } from "./device-keys.ts";
import { CAPTURE_MAX_BYTES, checkCaptureImage } from "./image-check.ts";
import { type CaptureScope, captureScopeField, spendNonce } from "./nonces.ts";
import { identityValidators, ValidatorConfigError } from "./validators.ts";

export const CAPTURE_HEADER = "X-Capture-Metadata";
/** A capture may be stamped a little before the nonce (clock skew) and a little in our future. */
const SKEW_SECONDS = 30;
/** Validators may drop a capture's commitment after this long (raw images are erased far sooner). */
const CAPTURE_COMMIT_DAYS = 365;

const b64urlBytes = (min: number, max: number, what: string) =>
  v.pipe(
    v.string("Not a valid string."),
    v.check((s) => {
      const b = b64urlDecode(s);
      return !!b && b.length >= min && b.length <= max;
    }, what),
  );

export const captureMetadataSchema = v.object({
  scope: captureScopeField(),
  nonce: v.pipe(v.string("Not a valid string."), v.regex(/^[A-Za-z0-9_-]{43}$/, "Not a capture nonce.")),
  salt: b64urlBytes(16, 64, "Give 16 to 64 random bytes, base64url."),
  captured_at: isoDateTime(),
  device: v.pipe(v.string("Not a valid string."), v.regex(/^[0-9a-f]{32}$/, "Not a device uuid.")),
  image_sha256: v.pipe(v.string("Not a valid string."), v.regex(/^[0-9a-f]{64}$/, "Give the hex SHA-256 of salt and image.")),
  signature: b64urlBytes(64, 64, "Give the 64-byte signature, base64url."),
});
export type CaptureMetadata = v.InferOutput<typeof captureMetadataSchema>;

export function parseCaptureMetadata(header: string | undefined): CaptureMetadata {
  if (!header) throw fieldError("metadata", `The ${CAPTURE_HEADER} header is required.`);
  let json: unknown;
  try {
    json = JSON.parse(header);
  } catch {
    throw fieldError("metadata", `The ${CAPTURE_HEADER} header is not JSON.`);
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) throw fieldError("metadata", `The ${CAPTURE_HEADER} header must be a JSON object.`);
  return parseWith(captureMetadataSchema, json);
}

/**
 * The body, up to the limit (413 beyond it, however the length was declared). A refused body is
 * drained, within reason, so the client reads the 413 instead of a reset connection.
 */
export async function readCapped(body: ReadableStream<Uint8Array> | null, declared: number, max = CAPTURE_MAX_BYTES): Promise<Uint8Array<ArrayBuffer>> {
  const drainLimit = 4 * max;
  const refuse = async (reader: ReadableStreamDefaultReader<Uint8Array> | undefined, seen: number): Promise<never> => {
    let total = seen;
    while (reader && total <= drainLimit) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
    }
    await reader?.cancel().catch(() => {});
    throw new ApiError(413, { detail: `The image is larger than ${max} bytes.` });
  };
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  if (declared > max) return refuse(declared <= drainLimit ? reader : undefined, 0);
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > max) return refuse(reader, total);
    parts.push(value);
  }
  return concat(...parts);
}

export interface CaptureInput {
  metadata: CaptureMetadata;
  contentType: string;
  image: Uint8Array<ArrayBuffer>;
}

/** The R2 binding as the blob store types it. */
export type CaptureBucket = Parameters<typeof sealToBucket>[0];

export async function acceptCapture(db: Db, bucket: CaptureBucket, env: IdentityEnv, me: User, input: CaptureInput) {
  const m = input.metadata;
  const device = await db
    .select()
    .from(identityDeviceKeys)
    .where(and(eq(identityDeviceKeys.uuid, m.device), eq(identityDeviceKeys.userId, me.id), isNull(identityDeviceKeys.revokedAt)))
    .get();
  if (!device) throw fieldError("device", "Not an active device of this account.");
  const nonce = await spendNonce(db, env, me, m.scope as CaptureScope, m.nonce);
  const captured = Date.parse(m.captured_at);
  if (captured < Date.parse(nonce.issuedAt) - SKEW_SECONDS * 1000 || captured > Date.now() + SKEW_SECONDS * 1000) {
    throw fieldError("captured_at", "The capture time is outside the nonce's life.");
  }
  const image = checkCaptureImage(input.image, input.contentType);
  if (!image.ok) throw new ApiError(image.status, { image: [image.message] });
  const salt = b64urlDecode(m.salt)!;
  const digest = await sha256(concat(salt, input.image));
  if (!constantTimeEqual(digest, unhex(m.image_sha256))) throw fieldError("image_sha256", "Does not match the salted hash of the uploaded image.");
  if (!(await verifyDeviceSignature(device.algorithm, device.publicKey, b64urlDecode(m.signature)!, captureMessage(m)))) {
    throw fieldError("signature", "The device signature does not verify.");
  }

  let validators: Awaited<ReturnType<typeof identityValidators>>;
  try {
    validators = await identityValidators(env);
  } catch (e) {
    if (!(e instanceof ValidatorConfigError)) throw e;
    console.error(`identity capture: ${e.message}`);
    validators = null;
  }
  if (!validators) throw new ApiError(503, { detail: "The identity network's keys are not configured; captures cannot be sealed." });

  const uuid = newUuid();
  const capturedAt = new Date(captured).toISOString();
  // What validators open: the attested metadata (enough to re-check the signature themselves), then the image.
  const plaintext = encodeBundle(
    {
      capture: uuid,
      account: me.uuid,
      scope: m.scope,
      format: image.format,
      nonce: m.nonce,
      salt: m.salt,
      captured_at: m.captured_at,
      image_sha256: m.image_sha256,
      device: { uuid: device.uuid, algorithm: device.algorithm, public_key: device.publicKey },
      signature: m.signature,
    },
    input.image,
  );
  const objectKey = `identity/captures/${me.uuid}/${uuid}.veenv`;
  const stored = await sealToBucket(
    bucket,
    objectKey,
    new Blob([plaintext]).stream() as unknown as ReadableStream<Uint8Array>,
    plaintext.length,
    {
      context: { kind: CAPTURE_ENVELOPE_KIND, recordId: uuid, version: 1 },
      recipients: validators.map((x) => ({ publicKey: x.publicKey, keyVersion: x.keyVersion })),
      chunkSize: 256 * 1024,
    },
  );
  plaintext.fill(0);
  if (!stored.ok) throw new Error(`sealing a capture failed: ${stored.error.code}`);
  const sealedTo = validators.map((x) => ({ validator: x.validator, keyId: x.keyId, keyVersion: x.keyVersion }));
  const now = nowIso();
  // The capture's x/veid commitment (salted image hash, object key, the keys it is sealed to) goes in
  // the same batch as the row, or a note why it stays off chain.
  const chainItems = veidScopeItems(db, await walletOf(db, me.id), {
    scopeUuid: uuid,
    scopeType: m.scope as CaptureScope,
    objectKey,
    contentHash: hex(digest),
    sealedTo: validators.map((x) => ({ validator: x.validator, keyVersion: x.keyVersion })),
    expiresAt: Math.floor(Date.now() / 1000) + CAPTURE_COMMIT_DAYS * 86_400,
  });
  const insert = db
    .insert(identityCaptures)
    .values({
      uuid,
      userId: me.id,
      scope: m.scope as CaptureScope,
      deviceKeyId: device.id,
      imageHash: hex(digest),
      format: image.format,
      capturedAt,
      objectKey,
      envelopeSha256: stored.value.sha256,
      size: stored.value.size,
      sealedTo,
      created: now,
    })
    .returning();
  const res = await db.batch([...chainItems, insert] as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  const row = (res[res.length - 1] as (typeof identityCaptures.$inferSelect)[])[0]!;
  await upsertScope(db, me.id, m.scope as CaptureScope, m.scope, null, { status: "pending", method: "capture" });
  return row;
}

export function serializeCapture(c: typeof identityCaptures.$inferSelect) {
  return {
    uuid: c.uuid,
    scope: c.scope,
    status: c.status,
    image_sha256: c.imageHash,
    format: c.format,
    captured_at: c.capturedAt,
    envelope_sha256: c.envelopeSha256,
    size: c.size,
    sealed_to: c.sealedTo.map((s) => ({ validator: s.validator, key_id: s.keyId, key_version: s.keyVersion })),
    created: c.created,
  };
}

/**
 * Erasure on request: the sealed image is deleted from R2; the row keeps only the hashes the chain
 * already holds, so the commitment stays verifiable and nothing readable remains.
 */
export async function eraseCapture(db: Db, bucket: CaptureBucket, me: User, uuid: string) {
  const row = await db.select().from(identityCaptures).where(and(eq(identityCaptures.uuid, uuid), eq(identityCaptures.userId, me.id))).get();
  if (!row) throw notFound();
  if (row.status !== "erased") {
    await bucket.delete(row.objectKey);
    // Erased evidence is withdrawn on chain too (MsgRevokeScope), in the same batch as the state.
    const revoke = await veidRevokeItems(db, row.uuid);
    await db.batch([...revoke, db.update(identityCaptures).set({ status: "erased" }).where(eq(identityCaptures.id, row.id))] as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  }
}
