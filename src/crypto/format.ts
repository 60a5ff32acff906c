// The VEENV v1 byte layout (openapi/envelope-format.md is the normative description; keep the two in
// step). Only encoding and decoding live here: no keys, no crypto, so the layout can be read (e.g.
// to list recipients for D1) without being able to open anything.
import { type Bytes, fromUtf8, sha256, utf8 } from "./bytes.ts";
import { fail, ok, type Result } from "./result.ts";

export const MAGIC = utf8("VEENV");
/** Version 1: a fresh ephemeral key per recipient entry. Still read; sealed only on request. */
export const VERSION_1 = 1;
/** Version 2: entries wrap under a bounded multi-shot sender context (sender-context.ts). Sealed by default. */
export const VERSION_2 = 2;
export type EnvelopeVersion = typeof VERSION_1 | typeof VERSION_2;
export const VERSION: EnvelopeVersion = VERSION_2;
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
/** v1: key_id(32) ‖ key_version(4) ‖ ephemeral_public(32) ‖ wrapped_cek(32 + 16). */
export const RECIPIENT_ENTRY_LENGTH = 32 + 4 + 32 + 48;
/** v2: key_id(32) ‖ key_version(4) ‖ enc(32) ‖ seq(8) ‖ wrapped content keys(64 + 16). */
export const RECIPIENT_ENTRY_LENGTH_V2 = 32 + 4 + 32 + 8 + 80;
/** Bytes of content key an entry wraps: v1 a 32-byte CEK, v2 payload_key ‖ mac_key. */
export const cekLength = (v: EnvelopeVersion) => (v === VERSION_1 ? 32 : 64);
export const entryLength = (v: EnvelopeVersion) => (v === VERSION_1 ? RECIPIENT_ENTRY_LENGTH : RECIPIENT_ENTRY_LENGTH_V2);
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
  /** v1: this entry's own ephemeral public key; v2: the sender context's (shared by its messages). */
  ephemeralPublicKey: Bytes;
  /** v2 only: the message's sequence number within its sender context. */
  seq?: number;
  wrappedKey: Bytes;
}

export interface Header {
  version: EnvelopeVersion;
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

// Contexts are encoded on every seal and open, and nearly all are ASCII (kinds always, record ids
// mostly uuids): a JS loop handles those without a TextEncoder/TextDecoder call, which in workerd
// costs more than the loop.
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}
const utf8Length = (s: string) => (isAscii(s) ? s.length : utf8(s).length);
/** Writes `s` (ASCII, or its UTF-8 bytes `enc`) at `o`. */
function writeString(out: Uint8Array, o: number, s: string, enc: Uint8Array | undefined): void {
  if (enc) out.set(enc, o);
  else for (let i = 0; i < s.length; i++) out[o + i] = s.charCodeAt(i);
}
/** Bytes → string: ASCII directly, anything else through the strict UTF-8 decoder. */
function readString(b: Uint8Array): string {
  for (let i = 0; i < b.length; i++) if (b[i]! > 0x7f) return fromUtf8(b);
  return String.fromCharCode.apply(null, b as unknown as number[]);
}

export function validateContext(c: EnvelopeContext): string | undefined {
  if (!KIND_RE.test(c.kind)) return "kind must be 1-64 characters of [a-z0-9._-]";
  const idLength = utf8Length(c.recordId);
  if (idLength < 1 || idLength > 1024) return "record id must be 1-1024 UTF-8 bytes";
  if (!Number.isSafeInteger(c.version) || c.version < 0) return "version must be a non-negative safe integer";
  return undefined;
}

export function encodeContext(c: EnvelopeContext): Bytes {
  return encodeContextAfter(c, 0);
}

/** The encoded context written `skip` bytes into a new buffer (room for a label in front). */
function encodeContextAfter(c: EnvelopeContext, skip: number): Bytes {
  const kind = isAscii(c.kind) ? undefined : utf8(c.kind);
  const id = isAscii(c.recordId) ? undefined : utf8(c.recordId);
  const kindLength = kind ? kind.length : c.kind.length;
  const idLength = id ? id.length : c.recordId.length;
  const out = new Uint8Array(skip + 1 + kindLength + 2 + idLength + 8);
  const v = new DataView(out.buffer);
  let o = skip;
  out[o++] = kindLength;
  writeString(out, o, c.kind, kind);
  o += kindLength;
  v.setUint16(o, idLength);
  writeString(out, o + 2, c.recordId, id);
  o += 2 + idLength;
  v.setUint32(o, Math.floor(c.version / 2 ** 32));
  v.setUint32(o + 4, c.version >>> 0);
  return out;
}

const CONTEXT_LABEL = utf8("virtengine/envelope/v1/context\0");

/** SHA-256 over a domain label and the encoded context; goes into every AAD and KDF info. */
export function contextHash(c: EnvelopeContext): Promise<Bytes> {
  const data = encodeContextAfter(c, CONTEXT_LABEL.length);
  data.set(CONTEXT_LABEL);
  return sha256(data);
}

export const sameContext = (a: EnvelopeContext, b: EnvelopeContext) =>
  a.kind === b.kind && a.recordId === b.recordId && a.version === b.version;

export interface HeaderFields {
  version: EnvelopeVersion;
  chunkSize: number;
  baseNonce: Uint8Array;
  context: EnvelopeContext;
  recipients: RecipientEntry[];
}

/** The header without its MAC (the bytes the MAC is computed over); header_len already counts the MAC. */
export function encodeHeaderBody(h: HeaderFields): Bytes {
  const ctx = encodeContext(h.context);
  const el = entryLength(h.version);
  const n = h.recipients.length;
  const length = FIXED_PREFIX + ctx.length + 2 + n * el + MAC_LENGTH;
  // One buffer written in place: this runs on every seal, and per-field arrays plus a concat cost
  // more than the HMAC over the result.
  const out = new Uint8Array(length - MAC_LENGTH);
  const v = new DataView(out.buffer);
  out.set(MAGIC);
  out[5] = h.version;
  out[6] = SUITE;
  out[7] = 0;
  v.setUint32(8, length);
  v.setUint32(12, h.chunkSize);
  out.set(h.baseNonce, 16);
  out.set(ctx, FIXED_PREFIX);
  let o = FIXED_PREFIX + ctx.length;
  v.setUint16(o, n);
  o += 2;
  for (const r of h.recipients) {
    out.set(r.keyId, o);
    v.setUint32(o + 32, r.keyVersion);
    out.set(r.ephemeralPublicKey, o + 36);
    o += 68;
    if (h.version === VERSION_2) {
      const seq = r.seq ?? -1;
      if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError("a v2 entry needs its sequence number");
      v.setUint32(o, Math.floor(seq / 2 ** 32));
      v.setUint32(o + 4, seq >>> 0);
      o += 8;
    }
    out.set(r.wrappedKey, o);
    o += cekLength(h.version) + 16;
  }
  return out;
}

/**
 * How long the header is, from its first 12 bytes (so a stream reader knows how much to buffer).
 * Returns undefined while fewer than 12 bytes are available.
 */
export function peekHeaderLength(prefix: Uint8Array): Result<number> | undefined {
  if (prefix.length < 12) return undefined;
  for (let i = 0; i < MAGIC.length; i++)
    if (prefix[i] !== MAGIC[i]) return fail("malformed", "not a VEENV envelope");
  const version = prefix[5];
  if ((version !== VERSION_1 && version !== VERSION_2) || prefix[6] !== SUITE || prefix[7] !== 0)
    return fail("unsupported", `version ${prefix[5]} suite ${prefix[6]} flags ${prefix[7]}`);
  const len = new DataView(prefix.buffer, prefix.byteOffset + 8, 4).getUint32(0);
  if (len < FIXED_PREFIX + 1 + 1 + 2 + 8 + 2 + entryLength(version) + MAC_LENGTH || len > MAX_HEADER_LENGTH)
    return fail("malformed", `header length ${len} out of range`);
  return ok(len);
}

/** Fewer than 12 bytes: cut-off if what is there matches the magic so far, else not an envelope. */
export function shortInput<T>(bytes: Uint8Array): Result<T> {
  for (let i = 0; i < Math.min(bytes.length, MAGIC.length); i++)
    if (bytes[i] !== MAGIC[i]) return fail("malformed", "not a VEENV envelope");
  return fail("truncated", "the input ends inside the fixed header prefix");
}

/** Field cursor over a header copy: views, not copies (the copy is the Header's own `bytes`). */
class Fields {
  offset = 12;
  private readonly view: DataView;
  constructor(readonly bytes: Bytes) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  }
  private need(n: number): number {
    const at = this.offset;
    if (at + n > this.bytes.length) throw new RangeError("a field runs past header_len");
    this.offset += n;
    return at;
  }
  take(n: number): Bytes {
    const at = this.need(n);
    return this.bytes.subarray(at, at + n);
  }
  u8(): number {
    return this.view.getUint8(this.need(1));
  }
  u16(): number {
    return this.view.getUint16(this.need(2));
  }
  u32(): number {
    return this.view.getUint32(this.need(4));
  }
}

/** Parses a header from the start of `bytes` (which may continue with the payload). No keys needed. */
export function parseHeader(bytes: Uint8Array): Result<Header> {
  const peeked = peekHeaderLength(bytes);
  if (!peeked) return shortInput(bytes);
  if (!peeked.ok) return peeked;
  const length = peeked.value;
  const envVersion = bytes[5] as EnvelopeVersion;
  if (bytes.length < length) return fail("truncated", "envelope ends inside its header");
  const own = Uint8Array.prototype.slice.call(bytes, 0, length) as Bytes;
  const r = new Fields(own);
  try {
    const chunkSize = r.u32();
    if (chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE)
      return fail("malformed", `chunk size ${chunkSize} out of range`);
    const baseNonce = r.take(12);
    const kind = readString(r.take(r.u8()));
    const recordId = readString(r.take(r.u16()));
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
      const keyId = r.take(32);
      const keyVersion = r.u32();
      const ephemeralPublicKey = r.take(32);
      if (envVersion === VERSION_1) {
        recipients.push({ keyId, keyVersion, ephemeralPublicKey, wrappedKey: r.take(48) });
        continue;
      }
      const hi = r.u32();
      // A context ends long before 2^53 messages; a larger number is not something we sealed.
      if (hi >= 2 ** 21) return fail("malformed", "sequence number out of range");
      const seq = hi * 2 ** 32 + r.u32();
      recipients.push({ keyId, keyVersion, ephemeralPublicKey, seq, wrappedKey: r.take(80) });
    }
    if (hasDuplicateIds(recipients)) return fail("malformed", "the same key is listed twice");
    const mac = r.take(MAC_LENGTH);
    if (r.offset !== length) return fail("malformed", "header length does not match its fields");
    return ok({ version: envVersion, suite: SUITE, chunkSize, baseNonce, context, recipients, mac, bytes: own });
  } catch (e) {
    // A field running past header_len throws RangeError; a bad UTF-8 name throws TypeError.
    return fail("malformed", e instanceof Error ? e.message : "unreadable header");
  }
}

export function hasDuplicateIds(entries: { keyId: Uint8Array }[]): boolean {
  const n = entries.length;
  if (n < 2) return false;
  // Runs on every seal and parse. Pairwise for the usual handful of recipients (most pairs differ
  // in their first byte); a set of binary strings for long lists.
  if (n <= 32) {
    for (let i = 1; i < n; i++)
      for (let j = 0; j < i; j++) if (sameBytes(entries[i]!.keyId, entries[j]!.keyId)) return true;
    return false;
  }
  const seen = new Set<string>();
  for (const e of entries) {
    const k = String.fromCharCode.apply(null, e.keyId as unknown as number[]);
    if (seen.has(k)) return true;
    seen.add(k);
  }
  return false;
}

/** Plain equality of key ids (public values: no need for constant time). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
