// The VEENV v1 byte layout (openapi/envelope-format.md is the normative description; keep the two in
// step). Only encoding and decoding live here: no keys, no crypto, so the layout can be read (e.g.
// to list recipients for D1) without being able to open anything.
import { type Bytes, concat, fromUtf8, Reader, sha256, u16, u32, u64, utf8 } from "./bytes.ts";
import { fail, ok, type Result } from "./result.ts";

export const MAGIC = utf8("VEENV");
export const VERSION = 1;
/** Suite 1: X25519 + HKDF-SHA256 + AES-256-GCM wrap; HKDF-SHA256 subkeys; chunked AES-256-GCM; HMAC-SHA256. */
export const SUITE = 1;
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;
export const MIN_CHUNK_SIZE = 64;
export const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
export const MAX_RECIPIENTS = 1024;
export const TAG_LENGTH = 16;
export const MAC_LENGTH = 32;
/** Bytes before the variable part: magic, version, suite, flags, header_len, chunk_size, base_nonce. */
export const FIXED_PREFIX = 28;
/** key_id(32) ‖ key_version(4) ‖ ephemeral_public(32) ‖ wrapped_cek(32 + 16). */
export const RECIPIENT_ENTRY_LENGTH = 32 + 4 + 32 + 48;
/** A header larger than this is refused before it is buffered (1024 recipients fit easily). */
export const MAX_HEADER_LENGTH = 256 * 1024;

/** Which record an envelope belongs to. Its hash is in every AAD, so a blob cannot be moved. */
export interface EnvelopeContext {
  /** Record kind, e.g. "order.attributes"; 1–64 bytes of [a-z0-9._-]. */
  kind: string;
  /** Record id (uuid or any string, 1–1024 UTF-8 bytes). */
  recordId: string;
  /** Record version (0 ≤ v ≤ 2^53−1): a new version of a record is a new envelope. */
  version: number;
}

export interface RecipientEntry {
  /** SHA-256 of the recipient's raw X25519 public key. */
  keyId: Bytes;
  /** The version of that key as registered on chain (x/roles). */
  keyVersion: number;
  ephemeralPublicKey: Bytes;
  wrappedKey: Bytes;
}

export interface Header {
  version: number;
  suite: number;
  chunkSize: number;
  baseNonce: Bytes;
  context: EnvelopeContext;
  recipients: RecipientEntry[];
  mac: Bytes;
  /** The exact header bytes (the MAC is the last 32); the payload starts right after. */
  bytes: Bytes;
}

const KIND_RE = /^[a-z0-9._-]{1,64}$/;

export function validateContext(c: EnvelopeContext): string | undefined {
  if (!KIND_RE.test(c.kind)) return "kind must be 1-64 characters of [a-z0-9._-]";
  const id = utf8(c.recordId);
  if (id.length < 1 || id.length > 1024) return "record id must be 1-1024 UTF-8 bytes";
  if (!Number.isSafeInteger(c.version) || c.version < 0) return "version must be a non-negative safe integer";
  return undefined;
}

export function encodeContext(c: EnvelopeContext): Bytes {
  const kind = utf8(c.kind);
  const id = utf8(c.recordId);
  return concat(Uint8Array.of(kind.length), kind, u16(id.length), id, u64(c.version));
}

const CONTEXT_LABEL = utf8("virtengine/envelope/v1/context\0");

/** SHA-256 over a domain label and the encoded context; goes into every AAD and KDF info. */
export const contextHash = (c: EnvelopeContext): Promise<Bytes> =>
  sha256(concat(CONTEXT_LABEL, encodeContext(c)));

export const sameContext = (a: EnvelopeContext, b: EnvelopeContext) =>
  a.kind === b.kind && a.recordId === b.recordId && a.version === b.version;

export interface HeaderFields {
  chunkSize: number;
  baseNonce: Uint8Array;
  context: EnvelopeContext;
  recipients: RecipientEntry[];
}

/** The header without its MAC (the bytes the MAC is computed over); header_len already counts the MAC. */
export function encodeHeaderBody(h: HeaderFields): Bytes {
  const ctx = encodeContext(h.context);
  const entries = h.recipients.map((r) =>
    concat(r.keyId, u32(r.keyVersion), r.ephemeralPublicKey, r.wrappedKey),
  );
  const length = FIXED_PREFIX + ctx.length + 2 + entries.length * RECIPIENT_ENTRY_LENGTH + MAC_LENGTH;
  return concat(
    MAGIC,
    Uint8Array.of(VERSION, SUITE, 0),
    u32(length),
    u32(h.chunkSize),
    h.baseNonce,
    ctx,
    u16(entries.length),
    ...entries,
  );
}

/**
 * How long the header is, from its first 12 bytes (so a stream reader knows how much to buffer).
 * Returns undefined while fewer than 12 bytes are available.
 */
export function peekHeaderLength(prefix: Uint8Array): Result<number> | undefined {
  if (prefix.length < 12) return undefined;
  for (let i = 0; i < MAGIC.length; i++)
    if (prefix[i] !== MAGIC[i]) return fail("malformed", "not a VEENV envelope");
  if (prefix[5] !== VERSION || prefix[6] !== SUITE || prefix[7] !== 0)
    return fail("unsupported", `version ${prefix[5]} suite ${prefix[6]} flags ${prefix[7]}`);
  const len = new DataView(prefix.buffer, prefix.byteOffset + 8, 4).getUint32(0);
  if (len < FIXED_PREFIX + 1 + 1 + 2 + 8 + 2 + RECIPIENT_ENTRY_LENGTH + MAC_LENGTH || len > MAX_HEADER_LENGTH)
    return fail("malformed", `header length ${len} out of range`);
  return ok(len);
}

/** Fewer than 12 bytes: cut-off if what is there matches the magic so far, else not an envelope. */
export function shortInput<T>(bytes: Uint8Array): Result<T> {
  for (let i = 0; i < Math.min(bytes.length, MAGIC.length); i++)
    if (bytes[i] !== MAGIC[i]) return fail("malformed", "not a VEENV envelope");
  return fail("truncated", "the input ends inside the fixed header prefix");
}

/** Parses a header from the start of `bytes` (which may continue with the payload). No keys needed. */
export function parseHeader(bytes: Uint8Array): Result<Header> {
  const peeked = peekHeaderLength(bytes);
  if (!peeked) return shortInput(bytes);
  if (!peeked.ok) return peeked;
  const length = peeked.value;
  if (bytes.length < length) return fail("truncated", "envelope ends inside its header");
  const r = new Reader(bytes.subarray(0, length));
  try {
    r.take(12);
    const chunkSize = r.u32();
    if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE)
      return fail("malformed", `chunk size ${chunkSize} out of range`);
    const baseNonce = r.take(12);
    const kind = fromUtf8(r.take(r.u8()));
    const recordId = fromUtf8(r.take(r.u16()));
    const hi = r.u32();
    const lo = r.u32();
    const version = hi * 2 ** 32 + lo;
    const context = { kind, recordId, version };
    const bad = validateContext(context);
    if (bad) return fail("malformed", bad);
    const n = r.u16();
    if (n < 1 || n > MAX_RECIPIENTS) return fail("malformed", `${n} recipients`);
    const recipients: RecipientEntry[] = [];
    for (let i = 0; i < n; i++) {
      recipients.push({
        keyId: r.take(32),
        keyVersion: r.u32(),
        ephemeralPublicKey: r.take(32),
        wrappedKey: r.take(48),
      });
    }
    if (hasDuplicateIds(recipients)) return fail("malformed", "the same key is listed twice");
    const mac = r.take(MAC_LENGTH);
    if (r.offset !== length) return fail("malformed", "header length does not match its fields");
    return ok({
      version: VERSION,
      suite: SUITE,
      chunkSize,
      baseNonce,
      context,
      recipients,
      mac,
      bytes: Uint8Array.prototype.slice.call(bytes, 0, length) as Bytes,
    });
  } catch (e) {
    // Reader throws RangeError when a field runs past header_len; a bad UTF-8 name throws TypeError.
    return fail("malformed", e instanceof Error ? e.message : "unreadable header");
  }
}

export function hasDuplicateIds(entries: { keyId: Uint8Array }[]): boolean {
  const seen = new Set<string>();
  for (const e of entries) {
    const k = Array.from(e.keyId).join(",");
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}
