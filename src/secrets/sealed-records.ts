// Sealed records: one current VEENV envelope per (kind, record id), ciphertext in R2 under
// <kind>/<record id>/<version>-<random>, and in D1 (sealed_blobs) only the object key, SHA-256, size and
// recipient list. Every sealed flow (order attributes, support requests and replies, account
// settings, organization content) stores, serves and opens its envelopes through here.
import { and, eq } from "drizzle-orm";
import type { Db } from "../app-env.ts";
import { type BlobRef, getEnvelope, getHeader, putEnvelope, replaceHeader } from "../crypto/blob-store.ts";
import { constantTimeEqual, type EnvelopeContext, open, openingProof, parseHeader, seal, unhex } from "../crypto/index.ts";
import { inArray } from "../db/in-list.ts";
import { encryptionKeys, type SealedRecipient, sealedBlobs, users } from "../db/schema/index.ts";
import type { Bindings } from "../env.ts";
import { ApiError, fieldError } from "../http/errors.ts";
import { newUuid, nowIso } from "../http/ids.ts";
import { executorKeyPair } from "../marketplace/execution/outcome.ts";
import { recordSealedRef } from "./sealed-ref.ts";
import { asRecipients, EXECUTOR_HOLDER, executorKey, listed, type ReaderSet } from "./recipients.ts";

export type SealedBlob = typeof sealedBlobs.$inferSelect;

/** The env's R2 binding as blob-store's (global workerd) R2Bucket type: the same object. */
export const bucketOf = (env: Pick<Bindings, "BLOBS">) => env.BLOBS as unknown as Parameters<typeof putEnvelope>[0];

export const currentSealed = (db: Db, kind: string, recordId: string): Promise<SealedBlob | undefined> =>
  db.select().from(sealedBlobs).where(and(eq(sealedBlobs.kind, kind), eq(sealedBlobs.recordId, recordId))).get();

export const contextOf = (ref: SealedBlob): EnvelopeContext => ({ kind: ref.kind, recordId: ref.recordId, version: ref.version });

/** Largest envelope a JSON-carried flow accepts (order attributes, support texts). */
export const SMALL_ENVELOPE = 256 * 1024;

export interface StoreOptions {
  /** The body field named in 400s. */
  field: string;
  /** Keys that must be recipients (the flow's readers). */
  required: SealedRecipient[];
  /**
   * Whether recipients beyond `required` may be listed. Extra keys must still be in the directory
   * (or be the executor key), so every listed recipient has a known holder.
   */
  allowExtra: boolean;
  /** Keys that may stay listed although not required (e.g. a re-wrap keeps earlier recipients). */
  allowed?: SealedRecipient[];
  maxSize?: number;
}

/** An envelope from a request body: base64url (JSON flows) decoded, or the raw bytes. */
export function envelopeFromBase64(field: string, text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]+={0,2}$/.test(text)) throw fieldError(field, "Enter the VEENV envelope as base64url.");
  const bin = atob(text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (ch) => ch.charCodeAt(0));
}

/**
 * The header of a client-sealed envelope, checked before anything is stored: a VEENV envelope of
 * the expected kind. The record id and version are the caller's to check (they choose them).
 */
export function headerOf(field: string, bytes: Uint8Array, kind: string) {
  const h = parseHeader(bytes);
  if (!h.ok) throw fieldError(field, `Not a readable VEENV envelope (${h.error.code}).`);
  if (h.value.context.kind !== kind) throw fieldError(field, `The envelope is sealed for kind "${h.value.context.kind}", expected "${kind}".`);
  return h.value;
}

/** Who each listed key belongs to: a required reader, the executor, or a user in the directory. */
async function holdersFor(db: Db, env: Bindings, ref: BlobRef, opts: StoreOptions): Promise<SealedRecipient[]> {
  const known = new Map([...(opts.allowed ?? []), ...opts.required].map((r) => [r.keyId, r.holder]));
  if (opts.allowExtra) known.set((await executorKey(env)).keyId, EXECUTOR_HOLDER);
  const unknown = ref.recipients.filter((r) => !known.has(r.keyId)).map((r) => r.keyId);
  if (unknown.length && !opts.allowExtra) throw fieldError(opts.field, `The envelope is sealed to keys that are not among this record's readers: ${unknown.join(", ")}.`);
  if (unknown.length) {
    const rows = await db
      .select({ keyId: encryptionKeys.keyId, uuid: users.uuid })
      .from(encryptionKeys)
      .innerJoin(users, eq(users.id, encryptionKeys.userId))
      .where(inArray(encryptionKeys.keyId, unknown))
      .all();
    for (const r of rows) known.set(r.keyId, r.uuid);
    const stray = unknown.filter((k) => !known.has(k));
    if (stray.length) throw fieldError(opts.field, `The envelope is sealed to keys that are not in the key directory: ${stray.join(", ")}.`);
  }
  return ref.recipients.map((r) => ({ keyId: r.keyId, keyVersion: r.keyVersion, holder: known.get(r.keyId)! }));
}

/** Why putEnvelope refused, as a 400 on the body field (never a 500: the bytes are the client's). */
function refused(field: string, code: string, message: string): ApiError {
  if (code === "missing_recipient") return fieldError(field, `The envelope must be sealed to every reader of this record: ${message}.`);
  if (code === "context_mismatch") return fieldError(field, "The envelope is sealed for another record or version.");
  if (code === "too_large") return fieldError(field, `The envelope is too large (${message}).`);
  return fieldError(field, `The envelope was not accepted (${code}).`);
}

/**
 * Stores an envelope for its record (the context in its header), recording the reference in D1.
 * The version must be the next one (1 for a new record), so a stale or replayed envelope cannot
 * replace a newer one; of two concurrent writers of the same version only one wins.
 */
export async function storeEnvelope(
  db: Db,
  env: Bindings,
  context: EnvelopeContext,
  envelope: { stream: ReadableStream<Uint8Array>; size: number },
  opts: StoreOptions,
): Promise<SealedBlob> {
  const prev = await currentSealed(db, context.kind, context.recordId);
  const expected = (prev?.version ?? 0) + 1;
  if (context.version !== expected) {
    await envelope.stream.cancel().catch(() => {});
    throw fieldError(opts.field, `The envelope must be sealed as version ${expected} of this record (it says ${context.version}).`);
  }
  // A random suffix: two concurrent writers of one version must not overwrite each other's object.
  const key = `${context.kind}/${context.recordId}/${context.version}-${newUuid().slice(0, 8)}`;
  const stored = await putEnvelope(bucketOf(env), key, envelope.stream, envelope.size, {
    context,
    requireRecipients: opts.required.map((r) => r.keyId),
    maxSize: opts.maxSize ?? SMALL_ENVELOPE,
  });
  if (!stored.ok) throw refused(opts.field, stored.error.code, stored.error.message);
  try {
    const recipients = await holdersFor(db, env, stored.value, opts);
    const ref = { version: context.version, objectKey: key, sha256: stored.value.sha256, size: stored.value.size, recipients, created: nowIso() };
    const recorded = await recordSealedRef(db, prev, context, ref);
    if (!recorded) throw new ApiError(409, { detail: "The record was sealed again at the same time; fetch it and retry." });
    if (prev && prev.objectKey !== key) await env.BLOBS.delete(prev.objectKey);
    return (await currentSealed(db, context.kind, context.recordId))!;
  } catch (e) {
    await env.BLOBS.delete(key);
    throw e;
  }
}

/**
 * Replaces a stored envelope's header with one a reader re-wrapped on the client (rewrap(): the
 * same content key for more recipients), keeping the payload. The context must stay the same; the
 * Worker cannot check the new header's MAC (it has no content key), readers do when they open it.
 */
export async function storeRewrappedHeader(db: Db, env: Bindings, ref: SealedBlob, header: Uint8Array, opts: StoreOptions): Promise<SealedBlob> {
  const key = `${ref.kind}/${ref.recordId}/${ref.version}-${newUuid().slice(0, 8)}`;
  const stored = await replaceHeader(bucketOf(env), { key: ref.objectKey, sha256: ref.sha256, size: ref.size, recipients: ref.recipients, context: contextOf(ref) }, key, header, {
    requireRecipients: opts.required.map((r) => r.keyId),
    maxSize: opts.maxSize ?? SMALL_ENVELOPE,
  });
  if (!stored.ok) throw refused(opts.field, stored.error.code, stored.error.message);
  try {
    const recipients = await holdersFor(db, env, stored.value, opts);
    const r = await db
      .update(sealedBlobs)
      .set({ objectKey: key, sha256: stored.value.sha256, size: stored.value.size, recipients, created: nowIso() })
      .where(and(eq(sealedBlobs.id, ref.id), eq(sealedBlobs.objectKey, ref.objectKey)))
      .returning({ id: sealedBlobs.id });
    if (r.length !== 1) throw new ApiError(409, { detail: "The record changed at the same time; fetch it and retry." });
    await env.BLOBS.delete(ref.objectKey);
    return (await currentSealed(db, ref.kind, ref.recordId))!;
  } catch (e) {
    await env.BLOBS.delete(key);
    throw e;
  }
}

/** Stores a client-sealed envelope held in memory (JSON flows). */
export const storeEnvelopeBytes = (db: Db, env: Bindings, context: EnvelopeContext, bytes: Uint8Array, opts: StoreOptions) =>
  storeEnvelope(db, env, context, { stream: new Blob([bytes as Uint8Array<ArrayBuffer>]).stream(), size: bytes.length }, opts);

/**
 * Seals plaintext in the Worker to the readers' public keys and stores it: the compatibility path
 * for clients that send plaintext (the plaintext is never written anywhere) and for values the
 * Worker produces itself.
 */
export async function sealAndStore(db: Db, env: Bindings, context: EnvelopeContext, plaintext: Uint8Array, readers: ReaderSet, field: string): Promise<SealedBlob> {
  if (!readers.keys.length) throw fieldError(field, "None of this record's readers has registered an encryption key, so it cannot be sealed to anyone.");
  const envelope = await seal(plaintext, { context, recipients: asRecipients(readers) });
  try {
    return await storeEnvelopeBytes(db, env, context, envelope, { field, required: listed(readers), allowExtra: false, maxSize: Number.MAX_SAFE_INTEGER });
  } finally {
    envelope.fill(0);
  }
}

/** The envelope as an HTTP response: the bytes, and the context the client opens them with. */
export async function envelopeResponse(env: Bindings, ref: SealedBlob): Promise<Response | null> {
  const s = await getEnvelope(bucketOf(env), { key: ref.objectKey, sha256: ref.sha256, size: ref.size, recipients: ref.recipients, context: contextOf(ref) });
  if (!s.ok) return null;
  return new Response(s.value as unknown as BodyInit, {
    status: 200,
    headers: {
      "Content-Type": "application/octet-stream",
      "Content-Length": String(ref.size),
      "Cache-Control": "no-store",
      ETag: `"${ref.sha256}"`,
      "X-Envelope-Kind": ref.kind,
      "X-Envelope-Record-Id": ref.recordId,
      "X-Envelope-Version": String(ref.version),
      "X-Envelope-Sha256": ref.sha256,
    },
  });
}

/** The reference as JSON (what a Waldur-shaped object carries instead of the sealed text). */
export const renderSealed = (ref: SealedBlob, url: string) => ({
  url,
  kind: ref.kind,
  record_id: ref.recordId,
  version: ref.version,
  sha256: ref.sha256,
  size: ref.size,
  recipients: ref.recipients.map((r) => ({ holder: r.holder, key_id: r.keyId, key_version: r.keyVersion })),
});

export const isRecipient = (ref: SealedBlob, userUuid: string) => ref.recipients.some((r) => r.holder === userUuid);

/** Opens a record sealed to the executor key, inside the Worker (the plugin path only). */
export async function openWithExecutor(env: Bindings, ref: SealedBlob): Promise<Uint8Array> {
  const s = await getEnvelope(bucketOf(env), { key: ref.objectKey, sha256: ref.sha256, size: ref.size, recipients: ref.recipients, context: contextOf(ref) });
  if (!s.ok) throw new Error(`${ref.kind} ${ref.recordId} unreadable: ${s.error.code}`);
  const bytes = new Uint8Array(await new Response(s.value).arrayBuffer());
  const opened = await open(bytes, { key: await executorKeyPair(env), context: contextOf(ref) });
  if (!opened.ok) throw new Error(`${ref.kind} ${ref.recordId} does not open with the executor key: ${opened.error.code}`);
  return opened.value.plaintext;
}

/** Deletes a record's envelope and its reference. */
export async function dropSealed(db: Db, env: Bindings, kind: string, recordId: string): Promise<void> {
  const ref = await currentSealed(db, kind, recordId);
  if (!ref) return;
  await db.delete(sealedBlobs).where(eq(sealedBlobs.id, ref.id));
  await env.BLOBS.delete(ref.objectKey);
}

/** A raw envelope request body (application/octet-stream), at most `max` bytes. */
export async function readEnvelopeBody(req: Request, max: number): Promise<Uint8Array> {
  const ct = (req.headers.get("content-type") ?? "").split(";")[0]!.trim();
  if (ct !== "application/octet-stream" && ct !== "application/vnd.virtengine.envelope") {
    throw new ApiError(415, { detail: `Unsupported media type "${ct}" in request: send the envelope as application/octet-stream.` });
  }
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > max) throw new ApiError(413, { detail: `The envelope is larger than ${max} bytes.` });
  const bytes = new Uint8Array(await req.arrayBuffer());
  if (bytes.length > max) throw new ApiError(413, { detail: `The envelope is larger than ${max} bytes.` });
  if (!bytes.length) throw new ApiError(400, { detail: "The body is empty: send the VEENV envelope." });
  return bytes;
}

/**
 * Stores the client-sealed envelope of a record that does not exist yet: its record id is a fresh
 * uuid the client chose (the new record takes it, which binds the envelope to exactly that record)
 * and its version is 1. `taken` says whether a record already uses the uuid.
 */
export async function storeNewRecordEnvelope(
  db: Db,
  env: Bindings,
  kind: string,
  bytes: Uint8Array,
  opts: StoreOptions & { taken: (uuid: string) => Promise<boolean> },
): Promise<SealedBlob> {
  const header = headerOf(opts.field, bytes, kind);
  const uuid = header.context.recordId;
  if (!/^[0-9a-f]{32}$/.test(uuid)) {
    throw fieldError(opts.field, "The envelope's record id must be the new record's uuid (32 lowercase hex digits, chosen by the client).");
  }
  if (header.context.version !== 1) throw fieldError(opts.field, "A new record is sealed as version 1.");
  if ((await opts.taken(uuid)) || (await currentSealed(db, kind, uuid))) {
    throw fieldError(opts.field, "The envelope's record id is already used: seal with a fresh uuid.");
  }
  return storeEnvelopeBytes(db, env, header.context, bytes, opts);
}

/**
 * Whether `proofHex` is the opening proof (openingProof()) of this record's envelope for `audience`:
 * the caller showed it can unwrap the content key. Needs the executor key to be a recipient.
 */
export async function verifyOpeningProof(env: Bindings, ref: SealedBlob, audience: string, proofHex: string): Promise<boolean> {
  if (!/^[0-9a-f]{64}$/i.test(proofHex)) return false;
  const header = await getHeader(bucketOf(env), { key: ref.objectKey, sha256: ref.sha256, size: ref.size, recipients: ref.recipients, context: contextOf(ref) });
  if (!header.ok) return false;
  const expected = await openingProof(header.value, { key: await executorKeyPair(env), context: contextOf(ref) }, audience);
  return expected.ok && constantTimeEqual(expected.value, unhex(proofHex));
}

/** The current references of many records of one kind, by record id (one query for a page). */
export async function sealedByRecord(db: Db, kind: string, recordIds: string[]): Promise<Map<string, SealedBlob>> {
  if (!recordIds.length) return new Map();
  const rows = await db.select().from(sealedBlobs).where(and(eq(sealedBlobs.kind, kind), inArray(sealedBlobs.recordId, recordIds))).all();
  return new Map(rows.map((r) => [r.recordId, r]));
}
