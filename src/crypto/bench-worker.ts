// A tiny Worker for `npm run bench:crypto` (scripts/bench-crypto.ts): each request runs one
// operation `n` times inside workerd and answers with a checksum of what it computed. The host
// times the requests from outside, because inside workerd the clock only moves on I/O.
// Not part of the API Worker; it is bundled on its own by the benchmark script.
import { sealHeader, unlockHeader } from "./envelope.ts";
import { contextHash, parseHeader } from "./format.ts";
import { importX25519 } from "./keys.ts";
import { contentKeys } from "./primitives.ts";
import {
  type EnvelopeContext,
  generateKeyPair,
  type KeyPair,
  open,
  openReadable,
  openStream,
  seal,
  sealReadable,
  sealStream,
} from "./index.ts";

const KIB = 1024;
const MIB = 1024 * KIB;
const ctx: EnvelopeContext = { kind: "bench.document", recordId: "bench-record", version: 1 };

interface Fixtures {
  small: Uint8Array<ArrayBuffer>;
  large: Uint8Array<ArrayBuffer>;
  keys: KeyPair[];
  aes: CryptoKey;
  peer: CryptoKey;
}
let fixtures: Promise<Fixtures> | undefined;
let sealed1k: Uint8Array | undefined;
let sealed10m: Uint8Array | undefined;

function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  // getRandomValues fills at most 64 KiB per call.
  for (let o = 0; o < n; o += 65536) crypto.getRandomValues(out.subarray(o, Math.min(n, o + 65536)));
  return out;
}

async function setup(): Promise<Fixtures> {
  const keys = await Promise.all(Array.from({ length: 10 }, () => generateKeyPair()));
  const aes = await crypto.subtle.importKey("raw", randomBytes(32), "AES-GCM", false, ["encrypt", "decrypt"]);
  const peerPair = (await crypto.subtle.generateKey({ name: "X25519" }, true, [
    "deriveBits",
  ])) as CryptoKeyPair;
  return { small: randomBytes(KIB), large: randomBytes(10 * MIB), keys, aes, peer: peerPair.publicKey };
}

/** The ceiling: AES-256-GCM encrypt + decrypt of the same data with an already imported key. */
async function rawAesGcm(f: Fixtures, data: Uint8Array<ArrayBuffer>): Promise<number> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, f.aes, data);
  const pt = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv }, f.aes, ct));
  return pt.length;
}

/**
 * The least a contiguous one-shot seal+open can cost: raw AES-GCM plus one copy of the ciphertext
 * into a buffer that starts with a header. WebCrypto always returns a new buffer and cannot encrypt
 * into a caller's, so a header-first envelope in one array needs this copy on one side.
 */
async function rawAesGcmCopy(f: Fixtures, data: Uint8Array<ArrayBuffer>): Promise<number> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, f.aes, data));
  const env = new Uint8Array(ct.length + 200);
  env.set(ct, 200);
  const pt = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv }, f.aes, env.subarray(200)));
  return pt.length;
}

async function x25519Once(f: Fixtures): Promise<number> {
  const bits = await crypto.subtle.deriveBits({ name: "X25519", public: f.peer }, f.keys[0]!.privateKey, 256);
  return bits.byteLength;
}

/**
 * Seal then open, as production does: version 2 (sender contexts shared by the isolate) unless
 * version 1 (a fresh ephemeral key per entry) is asked for.
 */
async function sealOpen(f: Fixtures, data: Uint8Array, recipients: number, version?: 1 | 2): Promise<number> {
  const env = await seal(data, {
    context: ctx,
    version,
    recipients: f.keys.slice(0, recipients).map((k) => ({ publicKey: k.publicKey, keyVersion: 1 })),
  });
  // The last recipient opens: with ten, the opener's entry is the furthest to find.
  const r = await open(env, { key: f.keys[recipients - 1]!, context: ctx });
  if (!r.ok) throw r.error;
  if (r.value.plaintext.length !== data.length) throw new Error("round trip lost bytes");
  return r.value.plaintext.length;
}

async function sealOpenChunked(f: Fixtures, data: Uint8Array, chunkSize: number): Promise<number> {
  const env = await seal(data, { context: ctx, chunkSize, recipients: [{ publicKey: f.keys[0]!.publicKey, keyVersion: 1 }] });
  const r = await open(env, { key: f.keys[0]!, context: ctx });
  if (!r.ok) throw r.error;
  return r.value.plaintext.length;
}

function pieces(data: Uint8Array, piece: number): ReadableStream<Uint8Array> {
  let o = 0;
  return new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (o >= data.length) return c.close();
        c.enqueue(data.subarray(o, o + piece));
        o += piece;
      },
    },
    { highWaterMark: 0 },
  );
}

async function drain(s: ReadableStream<Uint8Array>): Promise<number> {
  const reader = s.getReader();
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += value.length;
  }
}

/** Seal then open as two chained pull streams, fed in pieces of the given size: the R2 path. */
async function streamSealOpen(f: Fixtures, data: Uint8Array, piece: number): Promise<number> {
  const s = await sealReadable(pieces(data, piece), {
    context: ctx,
    recipients: [{ publicKey: f.keys[0]!.publicKey, keyVersion: 1 }],
  });
  const o = await openReadable(s.stream, { key: f.keys[0]!, context: ctx });
  if (!o.ok) throw o.error;
  const n = await drain(o.value.plaintext);
  if (n !== data.length) throw new Error("stream round trip lost bytes");
  return n;
}

/** The same through the TransformStream forms (sealStream/openStream) and pipeThrough. */
async function transformSealOpen(f: Fixtures, data: Uint8Array, piece: number): Promise<number> {
  const s = await sealStream({
    context: ctx,
    recipients: [{ publicKey: f.keys[0]!.publicKey, keyVersion: 1 }],
  });
  const d = openStream({ key: f.keys[0]!, context: ctx });
  const n = await drain(pieces(data, piece).pipeThrough(s.stream).pipeThrough(d.stream));
  if (n !== data.length) throw new Error("stream round trip lost bytes");
  return n;
}

const subtle = () => crypto.subtle;
const X = { name: "X25519" };
// Fixed (not random) bytes: workerd forbids random values at global scope.
const raw32 = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 1);
const pkcs8 = new Uint8Array([
  0x30,
  0x2e,
  0x02,
  0x01,
  0x00,
  0x30,
  0x05,
  0x06,
  0x03,
  0x2b,
  0x65,
  0x6e,
  0x04,
  0x22,
  0x04,
  0x20,
  ...raw32,
]);

/** Single WebCrypto calls, to see where an envelope's time goes (`BENCH_DETAIL=1`). */
const MICRO: Record<string, (f: Fixtures) => Promise<unknown>> = {
  x25519_generate: () => subtle().generateKey(X, true, ["deriveBits"]),
  x25519_import_pkcs8: () => subtle().importKey("pkcs8", pkcs8, X, true, ["deriveBits"]),
  x25519_export_jwk: (f) => subtle().exportKey("jwk", f.keys[0]!.privateKey),
  x25519_import_raw_pub: (f) => subtle().importKey("raw", f.keys[1]!.publicKey, X, true, []),
  x25519_derive: (f) => x25519Once(f),
  sha256_32: () => subtle().digest("SHA-256", raw32),
  hkdf_import_derive: async () =>
    subtle().deriveBits(
      { name: "HKDF", hash: "SHA-256", salt: raw32, info: raw32 },
      await subtle().importKey("raw", raw32, "HKDF", false, ["deriveBits"]),
      352,
    ),
  aes_import: () => subtle().importKey("raw", raw32, "AES-GCM", false, ["encrypt"]),
  open_1k: async (f) => {
    sealed1k ??= await seal(f.small, {
      context: ctx,
      recipients: [{ publicKey: f.keys[0]!.publicKey, keyVersion: 1 }],
    });
    return open(sealed1k, { key: f.keys[0]!, context: ctx });
  },
  seal_10m: (f) =>
    seal(f.large, { context: ctx, recipients: [{ publicKey: f.keys[0]!.publicKey, keyVersion: 1 }] }),
  open_10m: async (f) => {
    sealed10m ??= await seal(f.large, {
      context: ctx,
      recipients: [{ publicKey: f.keys[0]!.publicKey, keyVersion: 1 }],
    });
    return open(sealed10m, { key: f.keys[0]!, context: ctx });
  },
  enc_10m: (f) => subtle().encrypt({ name: "AES-GCM", iv: new Uint8Array(12) }, f.aes, f.large),
  enc_10m_64k_chunks: async (f) => {
    for (let o = 0; o < f.large.length; o += 65536)
      await subtle().encrypt(
        { name: "AES-GCM", iv: new Uint8Array(12), additionalData: raw32 },
        f.aes,
        f.large.subarray(o, o + 65536),
      );
  },
  // The one-shot 10 MiB path's parts: 1 MiB chunks without and with the copy into one output buffer.
  enc_10m_1m_chunks: async (f) => {
    for (let o = 0; o < f.large.length; o += MIB)
      await subtle().encrypt({ name: "AES-GCM", iv: new Uint8Array(12), additionalData: raw32 }, f.aes, f.large.subarray(o, o + MIB));
  },
  enc_10m_1m_chunks_copy: async (f) => {
    const out = new Uint8Array(f.large.length + 10 * 16);
    for (let o = 0, w = 0; o < f.large.length; o += MIB) {
      const c = new Uint8Array(
        await subtle().encrypt({ name: "AES-GCM", iv: new Uint8Array(12), additionalData: raw32 }, f.aes, f.large.subarray(o, o + MIB)),
      );
      out.set(c, w);
      w += c.length;
    }
    return out;
  },
  // Two do-nothing TransformStreams over the 10 MiB in 64 KiB pieces: the cost of the plumbing alone.
  pipe_10m_64k: (f) => {
    const t = () =>
      new TransformStream<Uint8Array, Uint8Array>({ transform: (chunk, c) => c.enqueue(chunk) });
    return drain(
      pieces(f.large, 64 * KIB)
        .pipeThrough(t())
        .pipeThrough(t()),
    );
  },
  // The parts of a 1 KiB seal+open, to see which of them the envelope's time goes to.
  ctx_hash: () => contextHash(ctx),
  import_x25519: () => importX25519(raw32),
  content_keys: () => contentKeys(raw32, raw32),
  seal_header_1: (f) => sealHeader({ context: ctx, recipients: [{ publicKey: f.keys[0]!.publicKey, keyVersion: 1 }] }),
  parse_header_1: async (f) => {
    sealed1k ??= await seal(f.small, { context: ctx, recipients: [{ publicKey: f.keys[0]!.publicKey, keyVersion: 1 }] });
    return parseHeader(sealed1k);
  },
  unlock_header_1: async (f) => {
    sealed1k ??= await seal(f.small, { context: ctx, recipients: [{ publicKey: f.keys[0]!.publicKey, keyVersion: 1 }] });
    const h = parseHeader(sealed1k);
    if (!h.ok) throw h.error;
    return unlockHeader(h.value, { key: f.keys[0]!, context: ctx });
  },
  seal_open_10m_c256k: (f) => sealOpenChunked(f, f.large, 256 * KIB),
  seal_open_10m_c4m: (f) => sealOpenChunked(f, f.large, 4 * MIB),
  seal_1k: (f) =>
    seal(f.small, { context: ctx, recipients: [{ publicKey: f.keys[0]!.publicKey, keyVersion: 1 }] }),
  hmac_import_sign: async () =>
    subtle().sign(
      "HMAC",
      await subtle().importKey("raw", raw32, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]),
      raw32,
    ),
};

/**
 * The asymmetric work any ephemeral-static envelope must do for one recipient, on top of raw AES-GCM:
 * make an ephemeral key (seal), agree with the recipient's key (seal) and with the ephemeral key (open).
 */
async function asymmetricFloor(f: Fixtures): Promise<number> {
  const eph = await importX25519(crypto.getRandomValues(new Uint8Array(32)));
  const peer = await crypto.subtle.importKey("raw", f.keys[0]!.publicKey, { name: "X25519" }, false, []);
  const a = await crypto.subtle.deriveBits({ name: "X25519", public: peer }, eph.privateKey, 256);
  const e = await crypto.subtle.importKey("raw", eph.publicKey, { name: "X25519" }, false, []);
  const b = await crypto.subtle.deriveBits({ name: "X25519", public: e }, f.keys[0]!.privateKey, 256);
  return a.byteLength + b.byteLength;
}

const OPS: Record<string, (f: Fixtures) => Promise<number>> = {
  ...Object.fromEntries(
    Object.entries(MICRO).map(([k, fn]) => [
      k,
      async (f: Fixtures) => {
        await fn(f);
        return 0;
      },
    ]),
  ),
  noop: async () => 0,
  raw_1k: (f) => rawAesGcm(f, f.small),
  raw_1k_x25519: async (f) => (await rawAesGcm(f, f.small)) + (await x25519Once(f)),
  raw_1k_floor: async (f) => (await rawAesGcm(f, f.small)) + (await asymmetricFloor(f)),
  seal_open_1k_1: (f) => sealOpen(f, f.small, 1),
  seal_open_1k_10: (f) => sealOpen(f, f.small, 10),
  seal_open_1k_1_v1: (f) => sealOpen(f, f.small, 1, 1),
  seal_open_1k_10_v1: (f) => sealOpen(f, f.small, 10, 1),
  raw_10m: (f) => rawAesGcm(f, f.large),
  raw_10m_copy: (f) => rawAesGcmCopy(f, f.large),
  seal_open_10m: (f) => sealOpen(f, f.large, 1),
  seal_open_10m_c1m: (f) => sealOpenChunked(f, f.large, MIB),
  stream_10m: (f) => streamSealOpen(f, f.large, 64 * KIB),
  stream_10m_1m: (f) => streamSealOpen(f, f.large, MIB),
  transform_10m_64k: (f) => transformSealOpen(f, f.large, 64 * KIB),
};

export default {
  async fetch(req: Request): Promise<Response> {
    const url = new URL(req.url);
    const op = OPS[url.searchParams.get("op") ?? ""];
    const n = Number(url.searchParams.get("n") ?? "1");
    if (!op || !Number.isInteger(n) || n < 0) return new Response("bad op", { status: 400 });
    fixtures ??= setup();
    const f = await fixtures;
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += await op(f);
    return Response.json({ op: url.searchParams.get("op"), n, bytes });
  },
};
