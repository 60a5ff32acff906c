// Capture devices: each registers a public signing key (Ed25519, or ECDSA P-256 where the platform
// has no Ed25519) and signs every capture with it. The key is checked by importing it with
// WebCrypto (a P-256 point off the curve does not import), so only usable keys are stored.
import { and, count, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { type DeviceKeyAlgorithm, identityDeviceKeys } from "../../db/schema/index.ts";
import { ApiError, conflict, fieldError, notFound } from "../../http/errors.ts";
import { newUuid, nowIso } from "../../http/ids.ts";
import { v } from "../../http/validate.ts";
import { b64urlDecode, b64urlEncode } from "../sso/id-token.ts";

export const MAX_DEVICES = 10;

export const deviceRegisterSchema = v.object({
  algorithm: v.picklist(["Ed25519", "P-256"], (i) => `"${String(i.input)}" is not a valid choice.`),
  public_key: v.pipe(v.string("Not a valid string."), v.nonEmpty("This field may not be blank."), v.maxLength(200, "Ensure this field has no more than 200 characters.")),
  name: v.optional(v.pipe(v.string("Not a valid string."), v.trim(), v.maxLength(64, "Ensure this field has no more than 64 characters.")), ""),
});

const IMPORT: Record<DeviceKeyAlgorithm, { params: AlgorithmIdentifier | EcKeyImportParams; length: number }> = {
  Ed25519: { params: { name: "Ed25519" }, length: 32 },
  "P-256": { params: { name: "ECDSA", namedCurve: "P-256" }, length: 65 },
};

/** The verifying key, or null when the bytes are not a valid public key of that algorithm. */
export async function importDeviceKey(algorithm: DeviceKeyAlgorithm, raw: Uint8Array<ArrayBuffer>): Promise<CryptoKey | null> {
  const spec = IMPORT[algorithm];
  if (raw.length !== spec.length || (algorithm === "P-256" && raw[0] !== 0x04)) return null;
  try {
    return await crypto.subtle.importKey("raw", raw, spec.params, false, ["verify"]);
  } catch {
    return null;
  }
}

/** Ed25519, or ECDSA P-256 with SHA-256 and the 64-byte r‖s signature WebCrypto produces. */
export async function verifyDeviceSignature(algorithm: DeviceKeyAlgorithm, publicKey: string, signature: Uint8Array<ArrayBuffer>, message: Uint8Array<ArrayBuffer>): Promise<boolean> {
  const raw = b64urlDecode(publicKey);
  const key = raw && (await importDeviceKey(algorithm, raw));
  if (!key) return false;
  if (signature.length !== 64) return false;
  try {
    return await crypto.subtle.verify(algorithm === "Ed25519" ? { name: "Ed25519" } : { name: "ECDSA", hash: "SHA-256" }, key, signature, message);
  } catch {
    return false;
  }
}

export function serializeDevice(d: typeof identityDeviceKeys.$inferSelect) {
  return { uuid: d.uuid, name: d.name, algorithm: d.algorithm, public_key: d.publicKey, created: d.created, revoked_at: d.revokedAt };
}

export async function registerDevice(db: Db, me: User, b: { algorithm: DeviceKeyAlgorithm; public_key: string; name: string }) {
  const raw = b64urlDecode(b.public_key.trim());
  if (!raw || !(await importDeviceKey(b.algorithm, raw))) {
    const want = b.algorithm === "Ed25519" ? "32 bytes" : "a 65-byte uncompressed point";
    throw fieldError("public_key", `Not a valid ${b.algorithm} public key (base64url of ${want}).`);
  }
  const publicKey = b64urlEncode(raw);
  const active = await db
    .select({ n: count() })
    .from(identityDeviceKeys)
    .where(and(eq(identityDeviceKeys.userId, me.id), isNull(identityDeviceKeys.revokedAt)))
    .get();
  if ((active?.n ?? 0) >= MAX_DEVICES) throw new ApiError(400, { non_field_errors: [`At most ${MAX_DEVICES} devices; remove one first.`] });
  const dup = await db
    .select({ id: identityDeviceKeys.id })
    .from(identityDeviceKeys)
    .where(and(eq(identityDeviceKeys.userId, me.id), eq(identityDeviceKeys.publicKey, publicKey)))
    .get();
  if (dup) throw conflict("This key is already registered.");
  const now = nowIso();
  return db
    .insert(identityDeviceKeys)
    .values({ uuid: newUuid(), userId: me.id, name: b.name, algorithm: b.algorithm, publicKey, created: now, modified: now })
    .returning()
    .get();
}

export function listDevices(db: Db, me: User) {
  return db.select().from(identityDeviceKeys).where(eq(identityDeviceKeys.userId, me.id)).orderBy(desc(identityDeviceKeys.id)).all();
}

export async function revokeDevice(db: Db, me: User, uuid: string) {
  const now = nowIso();
  const r = await db
    .update(identityDeviceKeys)
    .set({ revokedAt: now, modified: now })
    .where(and(eq(identityDeviceKeys.uuid, uuid), eq(identityDeviceKeys.userId, me.id), isNull(identityDeviceKeys.revokedAt)))
    .returning({ id: identityDeviceKeys.id })
    .get();
  if (!r) throw notFound();
}
