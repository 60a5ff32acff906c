// Envelope encryption (VEENV v1 and v2): seal a payload to recipients' X25519 keys, open it, and re-wrap
// its content key for new recipients. The byte layout is in format.ts and
// openapi/envelope-format.md; the streaming variants (large blobs) are in stream.ts.
import { type Bytes, constantTimeEqual } from "./bytes.ts";
import {
  contextHash,
  DEFAULT_CHUNK_SIZE,
  type EnvelopeContext,
  encodeHeaderBody,
  type Header,
  MAX_CHUNK_SIZE,
  MAX_RECIPIENTS,
  MIN_CHUNK_SIZE,
  hasDuplicateIds,
  parseHeader,
  type RecipientEntry,
  sameContext,
  TAG_LENGTH,
  validateContext,
  cekLength,
  type EnvelopeVersion,
  VERSION,
  VERSION_1,
} from "./format.ts";
import { type KeyPair, keyId, type RandomSource, systemRandom } from "./keys.ts";
import {
  aesGcm,
  agree,
  type ContentKeys,
  chunkAad,
  chunkNonce,
  contentKeys,
  directContentKeys,
  macInputV2,
  ephemeralKeyPair,
  headerMac,
  hkdf,
  recipientKey,
  unwrapCek,
  verifyHeaderMac,
  wrapAad,
  wrapCek,
  wrapSecret,
  x25519,
} from "./primitives.ts";
import { fail, ok, type Result } from "./result.ts";
import {
  defaultOpenerContexts,
  defaultSenderContexts,
  type OpenerContexts,
  type SenderContexts,
  unwrapV2,
  wrapAadV2,
  wrapV2,
} from "./sender-context.ts";

export interface Recipient {
  /** Raw 32-byte X25519 public key, as registered in the key directory. */
  publicKey: Uint8Array;
  /** The key's registered version (u32). */
  keyVersion: number;
}

export interface SealOptions {
  context: EnvelopeContext;
  recipients: Recipient[];
  /** Plaintext bytes per chunk (DEFAULT_CHUNK_SIZE, 1 MiB, unless given). */
  chunkSize?: number;
  /**
   * Randomness, drawn in this order: content key (v1: 32 bytes; v2: 64, payload_key ‖ mac_key),
   * base nonce (12), then (version 1 only) one ephemeral private key (32) per recipient. Injected
   * only to reproduce the test vectors.
   */
  random?: RandomSource;
  /**
   * 2 (the default): entries wrap under bounded sender contexts (sender-context.ts). 1: a fresh
   * ephemeral key per entry, three X25519 operations per recipient and envelope; for readers that
   * know only version 1.
   */
  version?: EnvelopeVersion;
  /** Version 2's sender contexts: the isolate's shared set unless given (tests, vectors). */
  senders?: SenderContexts;
}

export interface OpenOptions {
  /** The opener's key pair. */
  key: KeyPair;
  /** The record the caller expects this envelope to belong to. */
  context: EnvelopeContext;
  /** Version 2's derived context keys: the isolate's shared cache unless given. */
  openers?: OpenerContexts;
}

/** What sealing and opening share: the keys and per-envelope constants that chunks need. */
export interface ChunkKeys {
  keys: ContentKeys;
  ctxHash: Bytes;
  baseNonce: Bytes;
  chunkSize: number;
}

export interface SealedHeader extends ChunkKeys {
  header: Bytes;
  recipients: RecipientEntry[];
}

function checkRecipient(r: Recipient, i: number): void {
  if (r.publicKey.length !== 32) throw new RangeError(`recipient ${i}: an X25519 public key is 32 bytes`);
  if (!Number.isInteger(r.keyVersion) || r.keyVersion < 0 || r.keyVersion > 0xffffffff)
    throw new RangeError(`recipient ${i}: key version must be a u32`);
}

/** v1: wraps `cek` for each recipient, each with a fresh ephemeral key drawn from `ephemerals`. */
async function wrapForV1(
  cek: Uint8Array,
  ctxHash: Uint8Array,
  recipients: Recipient[],
  ephemerals: Uint8Array[],
): Promise<RecipientEntry[]> {
  return Promise.all(
    recipients.map(async (r, i) => {
      checkRecipient(r, i);
      const [eph, rk] = await Promise.all([ephemeralKeyPair(ephemerals[i]!), recipientKey(r.publicKey)]);
      const id = rk.keyId;
      const shared = await agree(eph.privateKey, rk.publicKey);
      const secret = await wrapSecret(shared, eph.publicKey, r.publicKey, ctxHash);
      const wrappedKey = await wrapCek(cek, secret, wrapAad(id, r.keyVersion));
      return { keyId: id, keyVersion: r.keyVersion, ephemeralPublicKey: eph.publicKey, wrappedKey };
    }),
  );
}

/** v2: wraps `cek` for each recipient under that recipient's live sender context. */
async function wrapForV2(
  cek: Uint8Array,
  ctxHash: Uint8Array,
  recipients: Recipient[],
  senders: SenderContexts,
): Promise<RecipientEntry[]> {
  recipients.forEach(checkRecipient);
  return Promise.all(
    recipients.map(async (r) => {
      const { context, seq } = await senders.acquire(r.publicKey);
      const wrappedKey = await wrapV2(context.key, seq, wrapAadV2(context.keyId, r.keyVersion, seq, ctxHash), cek);
      return {
        keyId: context.keyId.slice() as Bytes,
        keyVersion: r.keyVersion,
        ephemeralPublicKey: context.enc.slice() as Bytes,
        seq,
        wrappedKey,
      };
    }),
  );
}

function rejectDuplicates(entries: RecipientEntry[]): void {
  if (hasDuplicateIds(entries)) throw new RangeError("the same key is listed twice as a recipient");
}

async function finishHeader(
  fields: {
    version: EnvelopeVersion;
    chunkSize: number;
    baseNonce: Bytes;
    context: EnvelopeContext;
    recipients: RecipientEntry[];
  },
  macKey: CryptoKey,
  cek: Uint8Array,
): Promise<Bytes> {
  const body = encodeHeaderBody(fields);
  const mac = await headerMac(macKey, fields.version === VERSION_1 ? body : macInputV2(body, cek));
  const out = new Uint8Array(body.length + mac.length);
  out.set(body);
  out.set(mac, body.length);
  return out;
}

/** Builds the header and the content keys: the first half of sealing, shared with the stream sealer. */
export async function sealHeader(opts: SealOptions): Promise<SealedHeader> {
  const bad = validateContext(opts.context);
  if (bad) throw new RangeError(bad);
  const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE)
    throw new RangeError(`chunk size must be ${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE}`);
  const n = opts.recipients.length;
  if (n < 1 || n > MAX_RECIPIENTS) throw new RangeError(`1..${MAX_RECIPIENTS} recipients`);
  const version = opts.version ?? VERSION;
  if (version !== VERSION_1 && version !== VERSION) throw new RangeError("envelope version must be 1 or 2");
  // Draw every random value up front, in the documented order, so injected randomness is reproducible
  // however the async work below interleaves.
  const random = opts.random ?? systemRandom;
  const cekBytes = cekLength(version);
  let cek: Uint8Array;
  let baseNonce: Bytes;
  if (opts.random) {
    cek = random(cekBytes);
    baseNonce = random(12).slice() as Bytes;
  } else {
    // One call for both: the same draw order, one WebCrypto round-trip fewer per seal.
    const r = systemRandom(cekBytes + 12);
    cek = r.subarray(0, cekBytes);
    baseNonce = r.slice(cekBytes) as Bytes;
  }
  const ephemerals = version === VERSION_1 ? opts.recipients.map(() => random(32)) : [];
  const ctxHash = await contextHash(opts.context);
  const [keys, recipients] = await Promise.all([
    version === VERSION_1 ? contentKeys(cek, ctxHash) : directContentKeys(cek),
    version === VERSION_1
      ? wrapForV1(cek, ctxHash, opts.recipients, ephemerals)
      : wrapForV2(cek, ctxHash, opts.recipients, opts.senders ?? defaultSenderContexts),
  ]);
  try {
    rejectDuplicates(recipients);
    const header = await finishHeader({ version, chunkSize, baseNonce, context: opts.context, recipients }, keys.mac, cek);
    return { header, recipients, keys, ctxHash, baseNonce, chunkSize };
  } finally {
    cek.fill(0);
    for (const e of ephemerals) e.fill(0);
  }
}

export function encryptChunk(
  k: ChunkKeys,
  index: number,
  final: boolean,
  plaintext: Uint8Array,
): Promise<Bytes> {
  return aesGcm(
    k.keys.payload,
    "encrypt",
    chunkNonce(k.baseNonce, index),
    chunkAad(k.ctxHash, index, final),
    plaintext,
  );
}

export async function decryptChunk(
  k: ChunkKeys,
  index: number,
  final: boolean,
  ciphertext: Uint8Array,
): Promise<Result<Bytes>> {
  try {
    return ok(
      await aesGcm(
        k.keys.payload,
        "decrypt",
        chunkNonce(k.baseNonce, index),
        chunkAad(k.ctxHash, index, final),
        ciphertext,
      ),
    );
  } catch {
    return fail("chunk_auth", `chunk ${index}${final ? " (final)" : ""} does not authenticate`);
  }
}

/** Chunk count for a plaintext length: the final chunk is always shorter than chunkSize (maybe empty). */
export const chunkCount = (plaintextLength: number, chunkSize: number) =>
  Math.floor(plaintextLength / chunkSize) + 1;

/**
 * The chunk size seal() picks when the caller does not: the default, or for a payload too large for
 * one default chunk, the smallest power of two that holds it in one chunk (up to MAX_CHUNK_SIZE).
 * Whoever seals in one shot holds the whole payload already, and a single chunk spares both sides a
 * copy of it (open() returns the one decryption as the plaintext); chunking only pays for streams.
 */
export function oneShotChunkSize(plaintextLength: number): number {
  let cs = DEFAULT_CHUNK_SIZE;
  while (cs <= plaintextLength && cs < MAX_CHUNK_SIZE) cs *= 2;
  return cs;
}

/**
 * Seals a payload held in memory. Throws on invalid arguments, which are programming or directory
 * errors rather than data: RangeError for a bad context, size or recipient list, and an Error for a
 * recipient key that is not a usable X25519 public key (small order).
 */
export async function seal(plaintext: Uint8Array, opts: SealOptions): Promise<Bytes> {
  const h = await sealHeader({ ...opts, chunkSize: opts.chunkSize ?? oneShotChunkSize(plaintext.length) });
  const cs = h.chunkSize;
  const count = chunkCount(plaintext.length, cs);
  const out = new Uint8Array(h.header.length + plaintext.length + count * TAG_LENGTH);
  out.set(h.header);
  // One chunk at a time: each ciphertext is copied into place and dropped, so peak memory is the
  // output plus one chunk (not a second copy of the whole payload).
  let o = h.header.length;
  for (let i = 0; i < count; i++) {
    const part = await encryptChunk(
      h,
      i,
      i === count - 1,
      plaintext.subarray(i * cs, Math.min((i + 1) * cs, plaintext.length)),
    );
    out.set(part, o);
    o += part.length;
  }
  return out;
}

export interface Unlocked extends ChunkKeys {
  header: Header;
  cek: Bytes;
}

async function unwrapV1(entry: RecipientEntry, opts: OpenOptions, ctxHash: Bytes): Promise<Bytes> {
  const shared = await x25519(opts.key.privateKey, entry.ephemeralPublicKey);
  const secret = await wrapSecret(shared, entry.ephemeralPublicKey, opts.key.publicKey, ctxHash);
  return unwrapCek(entry.wrappedKey, secret, wrapAad(entry.keyId, entry.keyVersion));
}

async function unwrapEntryV2(entry: RecipientEntry, opts: OpenOptions, ctxHash: Bytes): Promise<Bytes> {
  const seq = entry.seq!;
  const k = await (opts.openers ?? defaultOpenerContexts).get(
    opts.key.privateKey,
    opts.key.publicKey,
    entry.ephemeralPublicKey,
    () => x25519(opts.key.privateKey, entry.ephemeralPublicKey),
  );
  return unwrapV2(k, seq, wrapAadV2(entry.keyId, entry.keyVersion, seq, ctxHash), entry.wrappedKey);
}

/**
 * Checks a parsed header against the opener: expected context, recipient entry, wrapped key, MAC —
 * in that order (the spec fixes it, so both decoders report the same code for the same damage).
 */
export async function unlockHeader(header: Header, opts: OpenOptions): Promise<Result<Unlocked>> {
  if (!sameContext(header.context, opts.context))
    return fail("context_mismatch", "the envelope belongs to another record or version");
  // Key ids are public, but comparing them in constant time costs nothing and keeps the rule simple.
  const entry = header.recipients.find((e) => constantTimeEqual(e.keyId, opts.key.keyId));
  if (!entry) return fail("not_a_recipient", "no recipient entry for this key");
  const ctxHash = await contextHash(opts.context);
  let cek: Bytes;
  try {
    cek = header.version === VERSION_1 ? await unwrapV1(entry, opts, ctxHash) : await unwrapEntryV2(entry, opts, ctxHash);
  } catch {
    return fail("unwrap_failed", "the wrapped content key does not authenticate for this key");
  }
  if (cek.length !== cekLength(header.version)) return fail("unwrap_failed", "the wrapped content key has the wrong length");
  const keys = header.version === VERSION_1 ? await contentKeys(cek, ctxHash) : await directContentKeys(cek);
  const body = header.bytes.subarray(0, header.bytes.length - header.mac.length);
  if (!(await verifyHeaderMac(keys.mac, header.version === VERSION_1 ? body : macInputV2(body, cek), header.mac)))
    return fail("header_mac", "the header was modified (recipients, context or parameters)");
  return ok({ header, cek, keys, ctxHash, baseNonce: header.baseNonce, chunkSize: header.chunkSize });
}

export interface Opened {
  plaintext: Bytes;
  header: Header;
}

/** Opens an envelope held in memory. Every failure is a value with an EnvelopeErrorCode. */
export async function open(envelope: Uint8Array, opts: OpenOptions): Promise<Result<Opened>> {
  const parsed = parseHeader(envelope);
  if (!parsed.ok) return parsed;
  const u = await unlockHeader(parsed.value, opts);
  if (!u.ok) return u;
  const cs = u.value.chunkSize;
  const body = envelope.subarray(parsed.value.bytes.length);
  const full = cs + TAG_LENGTH;
  const fullChunks = Math.floor(body.length / full);
  const finalLength = body.length - fullChunks * full;
  if (finalLength < TAG_LENGTH) return fail("truncated", "the payload ends before its final chunk");
  if (fullChunks === 0) {
    // One chunk (every small record): its decryption is the plaintext, no second buffer and copy.
    const r = await decryptChunk(u.value, 0, true, body);
    return r.ok ? ok({ plaintext: r.value, header: parsed.value }) : r;
  }
  const plaintext = new Uint8Array(body.length - (fullChunks + 1) * TAG_LENGTH);
  let o = 0;
  for (let i = 0; i <= fullChunks; i++) {
    const r = await decryptChunk(
      u.value,
      i,
      i === fullChunks,
      body.subarray(i * full, Math.min((i + 1) * full, body.length)),
    );
    if (!r.ok) return r;
    plaintext.set(r.value, o);
    o += r.value.length;
  }
  return ok({ plaintext, header: parsed.value });
}

export interface RewrapOptions extends OpenOptions {
  /** Recipients to add; ones already present (same key id) are skipped. */
  add?: Recipient[];
  /**
   * Key ids to drop from the header. This only tidies the list: a removed member who kept the
   * content key can still read this envelope, so revocation means sealing new data with a new key.
   */
  remove?: Uint8Array[];
  random?: RandomSource;
  /** Sender contexts for version-2 entries (the isolate's shared set unless given). */
  senders?: SenderContexts;
}

/**
 * Re-wraps the content key of an envelope the opener can read, for new recipients. Only the header
 * changes (the payload's AAD holds the context, not the recipients), so `envelope` may be the header
 * alone, e.g. the first bytes of an R2 object; the result is the new header followed by whatever
 * followed the old one.
 */
export async function rewrap(
  envelope: Uint8Array,
  opts: RewrapOptions,
): Promise<Result<{ header: Bytes; envelope: Bytes }>> {
  const parsed = parseHeader(envelope);
  if (!parsed.ok) return parsed;
  const u = await unlockHeader(parsed.value, opts);
  if (!u.ok) return u;
  const idOf = (id: Uint8Array) => Array.from(id).join(",");
  const dropped = new Set((opts.remove ?? []).map(idOf));
  const kept = parsed.value.recipients.filter((e) => !dropped.has(idOf(e.keyId)));
  const have = new Set(kept.map((e) => idOf(e.keyId)));
  const add: Recipient[] = [];
  for (const r of opts.add ?? []) {
    const id = idOf(await keyId(r.publicKey));
    if (!have.has(id)) add.push(r);
    have.add(id);
  }
  const random = opts.random ?? systemRandom;
  // New entries take the envelope's own version: its readers already read that one.
  const version = parsed.value.version;
  const added =
    version === VERSION_1
      ? await wrapForV1(
          u.value.cek,
          u.value.ctxHash,
          add,
          add.map(() => random(32)),
        )
      : await wrapForV2(u.value.cek, u.value.ctxHash, add, opts.senders ?? defaultSenderContexts);
  const recipients = [...kept, ...added];
  if (recipients.length < 1 || recipients.length > MAX_RECIPIENTS)
    throw new RangeError(`1..${MAX_RECIPIENTS} recipients`);
  const header = await finishHeader(
    { version, chunkSize: u.value.chunkSize, baseNonce: u.value.baseNonce, context: opts.context, recipients },
    u.value.keys.mac,
    u.value.cek,
  );
  u.value.cek.fill(0);
  const rest = envelope.subarray(parsed.value.bytes.length);
  const out = new Uint8Array(header.length + rest.length);
  out.set(header);
  out.set(rest, header.length);
  return ok({ header, envelope: out });
}

const LABEL_PROOF = new TextEncoder().encode("virtengine/envelope/v1/opening-proof");

/**
 * A proof that the caller could open this envelope: HMAC-SHA256 over `audience` (e.g. "<record>:<the
 * caller's user uuid>") under a key derived from the content key and the context. Only the header is
 * needed. A server that is itself a recipient (the executor key) computes the same value and so
 * can tell a real recipient from someone who only holds the ciphertext, without learning any
 * private key; the audience keeps one caller's proof useless to another.
 */
export async function openingProof(header: Uint8Array, opts: OpenOptions, audience: string): Promise<Result<Bytes>> {
  const parsed = parseHeader(header);
  if (!parsed.ok) return parsed;
  const u = await unlockHeader(parsed.value, opts);
  if (!u.ok) return u;
  const raw = await hkdf(u.value.cek, u.value.ctxHash, LABEL_PROOF, 32);
  u.value.cek.fill(0);
  const key = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  raw.fill(0);
  return ok(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(audience))));
}
