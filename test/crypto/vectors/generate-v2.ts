// VEENV v2 test vectors (sender contexts): fixed keys, fixed "randomness" and fixed sequence numbers
// → exact bytes, with the intermediate values of the context key schedule. Written next to the v1
// files by write.ts; vectors.test.ts rebuilds and compares them, and the Go decoder opens them.
import { hex, unhex } from "../../../src/crypto/bytes.ts";
import { seal } from "../../../src/crypto/envelope.ts";
import { contextHash, encodeContext, FIXED_PREFIX, parseHeader } from "../../../src/crypto/format.ts";
import { importPrivateKey, importX25519 } from "../../../src/crypto/keys.ts";
import { chunkNonce, hkdf, x25519 } from "../../../src/crypto/primitives.ts";
import { LABEL_CONTEXT_V2, SenderContexts } from "../../../src/crypto/sender-context.ts";
import { concat } from "../../../src/crypto/bytes.ts";
import { type NegativeCase, scripted, type VectorContext, type VectorRecipient } from "./generate.ts";

export interface PositiveCaseV2 {
  name: string;
  description: string;
  context: VectorContext;
  chunk_size: number;
  recipients: (VectorRecipient & { seq: number })[];
  randomness: { cek: string; base_nonce: string; context_ephemeral_private_keys: string[] };
  plaintext: string;
  intermediate: {
    context_hash: string;
    payload_key: string;
    mac_key: string;
    header_length: number;
    wraps: {
      encapsulated_key: string;
      shared_secret: string;
      context_key: string;
      context_base_nonce: string;
      wrap_nonce: string;
      wrap_aad: string;
    }[];
  };
  envelope: string;
}

// The RFC 7748 §6.1 keys again (fixtures only) and a made-up outsider.
const KEYS = [
  "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
  "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
];
const OUTSIDER = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
const fixed = (n: number, tag: number) => Uint8Array.from({ length: n }, (_, i) => (tag * 16 + i * 11) & 0xff);
const toCtx = (c: VectorContext) => ({ kind: c.kind, recordId: c.record_id, version: c.version });

interface SpecV2 {
  name: string;
  description: string;
  context: VectorContext;
  chunkSize: number;
  keyIdx: number[];
  keyVersions: number[];
  /** Sequence number of this envelope in each recipient's context. */
  seqs: number[];
  plaintext: Uint8Array;
  tag: number;
}

const SPECS: SpecV2[] = [
  {
    name: "v2-one-recipient-first-message",
    description: "one recipient, the first envelope of its sender context (seq 0), 64-byte chunks",
    context: { kind: "order.attributes", record_id: "9d2c1b0a-7e6f-4a5b-8c9d-0e1f2a3b4c5d", version: 1 },
    chunkSize: 64,
    keyIdx: [0],
    keyVersions: [1],
    seqs: [0],
    plaintext: new TextEncoder().encode('{"flavor":"m1.large","ssh_public_key":"ssh-ed25519 AAAA..."}'),
    tag: 1,
  },
  {
    name: "v2-later-message",
    description: "the same sender context's envelope number 5 (seq 5): the same encapsulated key as seq 0",
    context: { kind: "support.comment", record_id: "c-77", version: 2 },
    chunkSize: 64,
    keyIdx: [0],
    keyVersions: [1],
    seqs: [5],
    plaintext: Uint8Array.from({ length: 150 }, (_, i) => (i * 13 + 1) & 0xff),
    tag: 1,
  },
  {
    name: "v2-two-recipients",
    description: "two recipients at different points of their own contexts (seq 3 and seq 0)",
    context: { kind: "resource.access", record_id: "r-0042", version: 7 },
    chunkSize: 1048576,
    keyIdx: [1, 0],
    keyVersions: [2, 1],
    seqs: [3, 0],
    plaintext: Uint8Array.from({ length: 300 }, (_, i) => (i * 31 + 5) & 0xff),
    tag: 2,
  },
];

async function recipient(idx: number, keyVersion: number, seq: number) {
  const k = await importPrivateKey(unhex(KEYS[idx]!));
  return { private_key: KEYS[idx]!, public_key: hex(k.publicKey), key_id: hex(k.keyId), key_version: keyVersion, seq };
}

/**
 * Seals a v2 case from its fixed inputs: one SenderContexts whose ephemeral keys are the case's, with
 * each recipient's context advanced to the case's sequence number by throwaway envelopes first.
 */
export async function sealCaseV2(c: PositiveCaseV2): Promise<Uint8Array> {
  const r = c.randomness;
  const senders = new SenderContexts({ random: scripted(r.context_ephemeral_private_keys.map(unhex)), maxMessages: 1000 });
  const ctx = toCtx(c.context);
  for (const x of c.recipients)
    for (let i = 0; i < x.seq; i++)
      await seal(new Uint8Array(0), { context: ctx, recipients: [{ publicKey: unhex(x.public_key), keyVersion: 1 }], senders });
  return seal(unhex(c.plaintext), {
    context: ctx,
    recipients: c.recipients.map((x) => ({ publicKey: unhex(x.public_key), keyVersion: x.key_version })),
    chunkSize: c.chunk_size,
    senders,
    random: scripted([unhex(r.cek), unhex(r.base_nonce)]),
  });
}

async function positive(s: SpecV2): Promise<PositiveCaseV2> {
  const recipients = await Promise.all(s.keyIdx.map((i, j) => recipient(i, s.keyVersions[j]!, s.seqs[j]!)));
  const cek = fixed(64, s.tag * 3 + s.seqs[0]!);
  const baseNonce = fixed(12, s.tag * 3 + 1 + s.seqs[0]!);
  // A context's ephemeral key depends on the spec tag and the recipient, not the message: cases with
  // one tag share their contexts (seq 0 and seq 5 of the same one).
  const ephs = s.keyIdx.map((i) => fixed(32, 9 + s.tag * 5 + i));
  const ctx = toCtx(s.context);
  const ctxHash = await contextHash(ctx);
  const wraps = await Promise.all(
    recipients.map(async (r, j) => {
      const eph = await importX25519(ephs[j]!);
      const shared = await x25519(eph.privateKey, unhex(r.public_key));
      const okm = await hkdf(shared, concat(eph.publicKey, unhex(r.public_key)), LABEL_CONTEXT_V2, 44);
      const aad = new Uint8Array(44 + 32);
      const v = new DataView(aad.buffer);
      aad.set(unhex(r.key_id));
      v.setUint32(32, r.key_version);
      v.setUint32(40, r.seq);
      aad.set(ctxHash, 44);
      return {
        encapsulated_key: hex(eph.publicKey),
        shared_secret: hex(shared),
        context_key: hex(okm.subarray(0, 32)),
        context_base_nonce: hex(okm.subarray(32)),
        wrap_nonce: hex(chunkNonce(okm.subarray(32), r.seq)),
        wrap_aad: hex(aad),
      };
    }),
  );
  const c: PositiveCaseV2 = {
    name: s.name,
    description: s.description,
    context: s.context,
    chunk_size: s.chunkSize,
    recipients,
    randomness: { cek: hex(cek), base_nonce: hex(baseNonce), context_ephemeral_private_keys: ephs.map(hex) },
    plaintext: hex(s.plaintext),
    intermediate: {
      context_hash: hex(ctxHash),
      payload_key: hex(cek.subarray(0, 32)),
      mac_key: hex(cek.subarray(32)),
      header_length: 0,
      wraps,
    },
    envelope: "",
  };
  const env = await sealCaseV2(c);
  const h = parseHeader(env);
  if (!h.ok) throw h.error;
  c.envelope = hex(env);
  c.intermediate.header_length = h.value.bytes.length;
  return c;
}

/** v2-specific damage: the fields a v1 entry does not have, and a v1/v2 relabel. */
function negatives(p: PositiveCaseV2[]): NegativeCase[] {
  const one = p[0]!;
  const env = unhex(one.envelope);
  const r0 = one.recipients[0]!;
  const opener = { private_key: r0.private_key, public_key: r0.public_key, key_id: r0.key_id };
  const entry0 = FIXED_PREFIX + encodeContext(toCtx(one.context)).length + 2;
  const edit = (f: (b: Uint8Array) => void) => {
    const b = env.slice();
    f(b);
    return b;
  };
  const mk = (name: string, description: string, bytes: Uint8Array, expect: string): NegativeCase => ({
    name,
    description,
    from: one.name,
    envelope: hex(bytes),
    opener,
    context: one.context,
    expect,
  });
  return [
    mk("v2-seq-edited", "the entry's sequence number 0 → 1 (nonce and AAD both use it)", edit((b) => (b[entry0 + 75] = 1)), "unwrap_failed"),
    mk("v2-seq-out-of-range", "a sequence number of 2^56 (beyond 2^53 − 1)", edit((b) => (b[entry0 + 68] = 1)), "malformed"),
    mk("v2-enc-edited", "one bit of the encapsulated key flipped", edit((b) => (b[entry0 + 40]! ^= 1)), "unwrap_failed"),
    mk("v2-key-version-edited", "key version 1 → 9 (in the wrap AAD)", edit((b) => (b[entry0 + 35] = 9)), "unwrap_failed"),
    mk("v2-relabelled-v1", "version byte 2 → 1: the entries no longer fit header_len", edit((b) => (b[5] = 1)), "malformed"),
    {
      ...mk("v2-outsider", "a key that is not a recipient", env, "not_a_recipient"),
      opener: { private_key: OUTSIDER, public_key: "", key_id: "" },
    },
  ];
}

export async function buildVectorsV2() {
  const pos = await Promise.all(SPECS.map(positive));
  const neg = negatives(pos);
  const o = await importPrivateKey(unhex(OUTSIDER));
  for (const n of neg)
    if (n.opener.private_key === OUTSIDER) n.opener = { private_key: OUTSIDER, public_key: hex(o.publicKey), key_id: hex(o.keyId) };
  const meta = { format: "VEENV", version: 2, suite: 1, spec: "openapi/envelope-format.md" };
  return { envelopes: { ...meta, cases: pos }, tampered: { ...meta, cases: neg } };
}
