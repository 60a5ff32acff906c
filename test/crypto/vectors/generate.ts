// Builds the VEENV v1 test vectors from fixed keys and fixed "randomness". The committed JSON files
// are the output; vectors.test.ts rebuilds them and requires byte equality, so a change to the
// format shows up as a diff to these files (and must come with a version bump).
// Write them with: node --import tsx test/crypto/vectors/write.ts
import { hex, unhex } from "../../../src/crypto/bytes.ts";
import { seal } from "../../../src/crypto/envelope.ts";
import {
  contextHash,
  type EnvelopeContext,
  encodeContext,
  FIXED_PREFIX,
  parseHeader,
  RECIPIENT_ENTRY_LENGTH,
} from "../../../src/crypto/format.ts";
import { importPrivateKey, importX25519 } from "../../../src/crypto/keys.ts";
import { hkdf, LABEL_KEYS, wrapSecret, x25519 } from "../../../src/crypto/primitives.ts";

export interface VectorContext {
  kind: string;
  record_id: string;
  version: number;
}

export interface VectorRecipient {
  private_key: string;
  public_key: string;
  key_id: string;
  key_version: number;
}

export interface PositiveCase {
  name: string;
  description: string;
  context: VectorContext;
  chunk_size: number;
  recipients: VectorRecipient[];
  randomness: { cek: string; base_nonce: string; ephemeral_private_keys: string[] };
  plaintext: string;
  intermediate: {
    context_hash: string;
    payload_key: string;
    mac_key: string;
    header_length: number;
    wraps: { ephemeral_public_key: string; shared_secret: string; wrap_key: string; wrap_nonce: string }[];
  };
  envelope: string;
}

export interface NegativeCase {
  name: string;
  description: string;
  /** Which positive case it was made from. */
  from: string;
  envelope: string;
  opener: { private_key: string; public_key: string; key_id: string };
  context: VectorContext;
  expect: string;
}

// RFC 7748 §6.1's Alice and Bob private keys, plus one made-up key: fixtures only.
const KEYS = [
  "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
  "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
  "a8abababababababababababababababababababababababababababababab6b",
];
const OUTSIDER = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";

const toCtx = (c: VectorContext): EnvelopeContext => ({
  kind: c.kind,
  recordId: c.record_id,
  version: c.version,
});

/** Fixed bytes standing in for randomness: sha-free, just a counter pattern per purpose. */
const fixed = (n: number, tag: number) => Uint8Array.from({ length: n }, (_, i) => (tag * 16 + i * 7) & 0xff);

function textPlain(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

function patterned(n: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, i) => (i * 31 + 5) & 0xff);
}

interface Spec {
  name: string;
  description: string;
  context: VectorContext;
  chunkSize: number;
  keyIdx: number[];
  keyVersions: number[];
  plaintext: Uint8Array;
  tag: number;
}

const SPECS: Spec[] = [
  {
    name: "one-recipient-short",
    description: "one recipient, 64-byte chunks, a short payload that fits in the final chunk",
    context: { kind: "order.attributes", record_id: "3f0e1c2a9b8d4e6f8a7b6c5d4e3f2a1b", version: 1 },
    chunkSize: 64,
    keyIdx: [0],
    keyVersions: [1],
    plaintext: textPlain('{"ssh_public_key":"ssh-ed25519 AAAAC3...","flavor":"m1.small"}'),
    tag: 1,
  },
  {
    name: "two-recipients-multichunk",
    description: "two recipients, 64-byte chunks, 200 bytes = 3 full chunks + an 8-byte final chunk",
    context: { kind: "resource.access", record_id: "b6a1c9d2e3f4a5b6c7d8e9f0a1b2c3d4", version: 3 },
    chunkSize: 64,
    keyIdx: [0, 1],
    keyVersions: [1, 2],
    plaintext: patterned(200),
    tag: 2,
  },
  {
    name: "exact-multiple-empty-final",
    description: "128 bytes with 64-byte chunks: two full chunks and an empty final chunk (tag only)",
    context: { kind: "support.request", record_id: "ticket-42", version: 0 },
    chunkSize: 64,
    keyIdx: [1],
    keyVersions: [5],
    plaintext: patterned(128),
    tag: 3,
  },
  {
    name: "empty-payload",
    description: "empty payload: a single empty final chunk",
    context: { kind: "account.settings", record_id: "ü-unicode-id", version: 9007199254740991 },
    chunkSize: 64,
    keyIdx: [2],
    keyVersions: [4294967295],
    plaintext: new Uint8Array(0),
    tag: 4,
  },
  {
    name: "three-recipients-default-chunk",
    description: "three recipients, the default 1 MiB chunk size, 1 KiB payload",
    context: { kind: "identity.scope", record_id: "scope-7", version: 2 },
    chunkSize: 1048576,
    keyIdx: [2, 0, 1],
    keyVersions: [1, 1, 1],
    plaintext: patterned(1024),
    tag: 5,
  },
];

async function recipient(idx: number, keyVersion: number): Promise<VectorRecipient> {
  const k = await importPrivateKey(unhex(KEYS[idx]!));
  return {
    private_key: KEYS[idx]!,
    public_key: hex(k.publicKey),
    key_id: hex(k.keyId),
    key_version: keyVersion,
  };
}

/** A RandomSource that returns the given byte strings in order, each of the requested length. */
export function scripted(parts: Uint8Array[]): (n: number) => Uint8Array {
  const queue = parts.map((p) => p.slice());
  return (n) => {
    const next = queue.shift();
    if (!next || next.length !== n) throw new Error(`scripted randomness: wanted ${n} bytes`);
    return next;
  };
}

export async function sealCase(c: PositiveCase): Promise<Uint8Array> {
  const r = c.randomness;
  return seal(unhex(c.plaintext), {
    context: toCtx(c.context),
    recipients: c.recipients.map((x) => ({ publicKey: unhex(x.public_key), keyVersion: x.key_version })),
    chunkSize: c.chunk_size,
    version: 1,
    random: scripted([unhex(r.cek), unhex(r.base_nonce), ...r.ephemeral_private_keys.map(unhex)]),
  });
}

async function positive(s: Spec): Promise<PositiveCase> {
  const recipients = await Promise.all(s.keyIdx.map((i, j) => recipient(i, s.keyVersions[j]!)));
  const cek = fixed(32, s.tag * 3);
  const baseNonce = fixed(12, s.tag * 3 + 1);
  const ephs = recipients.map((_, j) => fixed(32, s.tag * 3 + 2 + j * 5));
  const ctx = toCtx(s.context);
  const ctxHash = await contextHash(ctx);
  const keys = await hkdf(cek, new Uint8Array(0), new Uint8Array([...LABEL_KEYS, ...ctxHash]), 64);
  const wraps = await Promise.all(
    recipients.map(async (r, j) => {
      const eph = await importX25519(ephs[j]!);
      const shared = await x25519(eph.privateKey, unhex(r.public_key));
      const w = await wrapSecret(shared, eph.publicKey, unhex(r.public_key), ctxHash);
      return {
        ephemeral_public_key: hex(eph.publicKey),
        shared_secret: hex(shared),
        wrap_key: hex(w.key),
        wrap_nonce: hex(w.nonce),
      };
    }),
  );
  const c: PositiveCase = {
    name: s.name,
    description: s.description,
    context: s.context,
    chunk_size: s.chunkSize,
    recipients,
    randomness: { cek: hex(cek), base_nonce: hex(baseNonce), ephemeral_private_keys: ephs.map(hex) },
    plaintext: hex(s.plaintext),
    intermediate: {
      context_hash: hex(ctxHash),
      payload_key: hex(keys.subarray(0, 32)),
      mac_key: hex(keys.subarray(32)),
      header_length: 0,
      wraps,
    },
    envelope: "",
  };
  const env = await sealCase(c);
  const h = parseHeader(env);
  if (!h.ok) throw h.error;
  c.envelope = hex(env);
  c.intermediate.header_length = h.value.bytes.length;
  return c;
}

function negatives(p: PositiveCase[]): NegativeCase[] {
  const two = p.find((c) => c.name === "two-recipients-multichunk")!;
  const env = unhex(two.envelope);
  const hl = two.intermediate.header_length;
  const full = two.chunk_size + 16;
  const r0 = two.recipients[0]!;
  const opener = { private_key: r0.private_key, public_key: r0.public_key, key_id: r0.key_id };
  const out: NegativeCase[] = [];
  const add = (
    name: string,
    description: string,
    bytes: Uint8Array,
    expect: string,
    extra: Partial<NegativeCase> = {},
  ) =>
    out.push({
      name,
      description,
      from: two.name,
      envelope: hex(bytes),
      opener,
      context: two.context,
      expect,
      ...extra,
    });
  const edit = (f: (b: Uint8Array) => void) => {
    const b = env.slice();
    f(b);
    return b;
  };
  const ctxLen = encodeContext(toCtx(two.context)).length;
  const countAt = FIXED_PREFIX + ctxLen;
  const entry0 = countAt + 2;

  add(
    "bad-magic",
    "first byte changed",
    edit((b) => (b[0] = 0x57)),
    "malformed",
  );
  add(
    "unknown-version",
    "version byte 3 (1 and 2 exist)",
    edit((b) => (b[5] = 3)),
    "unsupported",
  );
  add(
    "chunk-size-edited",
    "chunk_size 64 → 65 (header MAC covers it)",
    edit((b) => (b[15] = 65)),
    "header_mac",
  );
  add(
    "base-nonce-edited",
    "one base-nonce bit flipped",
    edit((b) => (b[16]! ^= 1)),
    "header_mac",
  );
  add(
    "key-version-edited",
    "recipient 0's key version 1 → 9 (bound by the wrap AAD)",
    edit((b) => (b[entry0 + 35] = 9)),
    "unwrap_failed",
  );
  add(
    "wrapped-key-edited",
    "recipient 0's wrapped key flipped",
    edit((b) => (b[entry0 + 70]! ^= 1)),
    "unwrap_failed",
  );
  add(
    "other-recipient-entry-edited",
    "recipient 1's wrapped key flipped; recipient 0 opens",
    edit((b) => (b[entry0 + RECIPIENT_ENTRY_LENGTH + 70]! ^= 1)),
    "header_mac",
  );
  add(
    "header-mac-edited",
    "last header byte flipped",
    edit((b) => (b[hl - 1]! ^= 1)),
    "header_mac",
  );
  // Recipient 1 removed, header_len and count fixed up so that the header still parses.
  const removed = new Uint8Array(env.length - RECIPIENT_ENTRY_LENGTH);
  removed.set(env.subarray(0, entry0 + RECIPIENT_ENTRY_LENGTH));
  removed.set(env.subarray(entry0 + 2 * RECIPIENT_ENTRY_LENGTH), entry0 + RECIPIENT_ENTRY_LENGTH);
  const dv = new DataView(removed.buffer);
  dv.setUint32(8, hl - RECIPIENT_ENTRY_LENGTH);
  dv.setUint16(countAt, 1);
  add(
    "recipient-removed",
    "recipient 1's entry cut out of the header (lengths fixed up)",
    removed,
    "header_mac",
  );
  // Record id rewritten in the header, opened as that other record.
  const otherCtx = { ...two.context, record_id: two.context.record_id.replace(/^b6/, "c7") };
  const relabelled = edit((b) =>
    b.set(new TextEncoder().encode(otherCtx.record_id), FIXED_PREFIX + 1 + two.context.kind.length + 2),
  );
  add(
    "context-relabelled",
    "header claims another record id; opened as that record",
    relabelled,
    "unwrap_failed",
    { context: otherCtx },
  );
  add(
    "context-expected-differs",
    "unmodified, but the caller expects another record",
    env,
    "context_mismatch",
    { context: otherCtx },
  );
  add("context-version-differs", "unmodified, but the caller expects version 4", env, "context_mismatch", {
    context: { ...two.context, version: 4 },
  });
  add(
    "payload-edited",
    "one ciphertext bit flipped in chunk 1",
    edit((b) => (b[hl + full + 10]! ^= 1)),
    "chunk_auth",
  );
  add(
    "tag-edited",
    "last byte (final chunk's tag) flipped",
    edit((b) => (b[b.length - 1]! ^= 1)),
    "chunk_auth",
  );
  const swapped = env.slice();
  swapped.set(env.subarray(hl + full, hl + 2 * full), hl);
  swapped.set(env.subarray(hl, hl + full), hl + full);
  add("chunks-swapped", "chunks 0 and 1 swapped", swapped, "chunk_auth");
  add(
    "final-chunk-dropped",
    "cut at the end of chunk 2: the final chunk is missing",
    env.slice(0, hl + 3 * full),
    "truncated",
  );
  add("cut-inside-final", "cut 5 bytes into the final chunk", env.slice(0, hl + 3 * full + 5), "truncated");
  add(
    "cut-inside-chunk",
    "cut 30 bytes into chunk 2 (would have to pass as final)",
    env.slice(0, hl + 2 * full + 30),
    "chunk_auth",
  );
  add("cut-inside-header", "cut one byte short of the header", env.slice(0, hl - 1), "truncated");
  add(
    "appended",
    "16 zero bytes appended after the final chunk",
    new Uint8Array([...env, ...new Uint8Array(16)]),
    "chunk_auth",
  );
  const outsider = { private_key: OUTSIDER, public_key: "", key_id: "" };
  out.push({
    name: "outsider",
    description: "a key that is not a recipient",
    from: two.name,
    envelope: two.envelope,
    opener: outsider,
    context: two.context,
    expect: "not_a_recipient",
  });
  return out;
}

export async function buildVectors() {
  const pos = await Promise.all(SPECS.map(positive));
  const neg = negatives(pos);
  // The outsider's public key/id are filled in here (async).
  const o = await importPrivateKey(unhex(OUTSIDER));
  for (const n of neg)
    if (n.opener.private_key === OUTSIDER)
      n.opener = { private_key: OUTSIDER, public_key: hex(o.publicKey), key_id: hex(o.keyId) };
  const meta = { format: "VEENV", version: 1, suite: 1, spec: "openapi/envelope-format.md" };
  return {
    envelopes: { ...meta, cases: pos },
    tampered: { ...meta, cases: neg },
  };
}

export const vectorJson = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
