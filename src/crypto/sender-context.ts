// VEENV v2 recipient entries: a bounded multi-shot sender context per recipient key, in the manner of
// RFC 9180's multi-shot HPKE contexts. One X25519 encapsulation (fresh ephemeral key e, E = e·G)
// yields a wrap key and a base nonce; the context then wraps the content keys of up to
// `maxMessages` envelopes within `maxAgeMs`, each under nonce = base XOR seq with the sequence
// number in the entry. The opener derives the same key once per (its key, E) and keeps it in a
// bounded cache, so a warm seal+open makes no X25519 operation at all.
//
// Why bounded (openapi/envelope-format.md, "Sender contexts"): while a context lives, whoever reads
// this isolate's memory can unwrap every envelope the context sealed; a fresh ephemeral key per
// envelope would limit that to one. Contexts are never persisted, live in one isolate only, and end
// after a few minutes or a few hundred envelopes, whichever comes first.
import { type Bytes, concat, utf8 } from "./bytes.ts";
import { type RandomSource, systemRandom } from "./keys.ts";
import { aesGcm, agree, chunkNonce, ephemeralKeyPair, hkdf, recipientKey } from "./primitives.ts";

export const LABEL_CONTEXT_V2 = utf8("virtengine/envelope/v2/sender-context");

/** Defaults: at most this many envelopes per context… */
export const DEFAULT_MAX_MESSAGES = 256;
/** …and no older than this. */
export const DEFAULT_MAX_AGE_MS = 5 * 60 * 1000;
/** Contexts (sender side) and derived keys (opener side) kept per isolate, least recently used dropped. */
const DEFAULT_CAPACITY = 256;

export interface ContextKey {
  /** AES-256-GCM key of the context (non-extractable). */
  key: CryptoKey;
  /** The context's base nonce; entry `seq` uses base XOR (0^4 ‖ u64(seq)). */
  baseNonce: Bytes;
}

/**
 * The context key schedule: HKDF-SHA256(ikm = X25519(e, R), salt = E ‖ R,
 * info = "virtengine/envelope/v2/sender-context", L = 44) → key(32) ‖ base_nonce(12).
 * No record context goes in here (a context serves many records); it goes into each wrap's AAD.
 */
export async function contextKey(shared: Uint8Array, enc: Uint8Array, recipientPublic: Uint8Array): Promise<ContextKey> {
  const okm = await hkdf(shared, concat(enc, recipientPublic), LABEL_CONTEXT_V2, 44);
  const key = await crypto.subtle.importKey("raw", okm.subarray(0, 32), "AES-GCM", false, ["encrypt", "decrypt"]);
  const baseNonce = okm.slice(32) as Bytes;
  okm.fill(0);
  return { key, baseNonce };
}

/** AAD of a v2 wrapped content key: key_id ‖ u32(key_version) ‖ u64(seq) ‖ context_hash. */
export function wrapAadV2(keyId: Uint8Array, keyVersion: number, seq: number, ctxHash: Uint8Array): Bytes {
  const out = new Uint8Array(32 + 4 + 8 + ctxHash.length);
  const v = new DataView(out.buffer);
  out.set(keyId);
  v.setUint32(32, keyVersion);
  v.setUint32(36, Math.floor(seq / 2 ** 32));
  v.setUint32(40, seq >>> 0);
  out.set(ctxHash, 44);
  return out;
}

export const wrapV2 = (k: ContextKey, seq: number, aad: Uint8Array, cek: Uint8Array) =>
  aesGcm(k.key, "encrypt", chunkNonce(k.baseNonce, seq), aad, cek);

export const unwrapV2 = (k: ContextKey, seq: number, aad: Uint8Array, wrapped: Uint8Array) =>
  aesGcm(k.key, "decrypt", chunkNonce(k.baseNonce, seq), aad, wrapped);

/** One live sender context for one recipient key. */
export class SenderContext {
  private used = 0;
  constructor(
    /** E: the encapsulated key every entry of this context carries. */
    readonly enc: Bytes,
    /** SHA-256 of the recipient's public key. */
    readonly keyId: Bytes,
    readonly key: ContextKey,
    readonly created: number,
    private readonly maxMessages: number,
    private readonly maxAgeMs: number,
  ) {}

  /**
   * The next sequence number, or undefined once the context is spent (by count or age). Synchronous,
   * so two seals racing in one isolate can never be handed the same number.
   */
  next(now: number): number | undefined {
    if (this.used >= this.maxMessages || now - this.created >= this.maxAgeMs || now < this.created) return undefined;
    return this.used++;
  }

  get messages(): number {
    return this.used;
  }
}

export interface SenderContextOptions {
  maxMessages?: number;
  maxAgeMs?: number;
  capacity?: number;
  /** Milliseconds; Date.now unless a test drives the clock. */
  now?: () => number;
  /** Where ephemeral private keys come from (systemRandom unless a test vector fixes them). */
  random?: RandomSource;
}

const nameOf = (b: Uint8Array) => String.fromCharCode.apply(null, b as unknown as number[]);

/** Live sender contexts by recipient public key, in isolate memory only. */
export class SenderContexts {
  readonly maxMessages: number;
  readonly maxAgeMs: number;
  private readonly capacity: number;
  private readonly now: () => number;
  private readonly random: RandomSource;
  private readonly live = new Map<string, Promise<SenderContext>>();

  constructor(o: SenderContextOptions = {}) {
    this.maxMessages = o.maxMessages ?? DEFAULT_MAX_MESSAGES;
    this.maxAgeMs = o.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
    this.capacity = o.capacity ?? DEFAULT_CAPACITY;
    this.now = o.now ?? Date.now;
    this.random = o.random ?? systemRandom;
    if (!Number.isInteger(this.maxMessages) || this.maxMessages < 1 || this.maxMessages > 2 ** 32)
      throw new RangeError("maxMessages must be 1..2^32");
    if (!(this.maxAgeMs > 0)) throw new RangeError("maxAgeMs must be positive");
    if (!Number.isInteger(this.capacity) || this.capacity < 1) throw new RangeError("capacity must be a positive integer");
  }

  /** A context for `recipientPublic` and the sequence number this envelope uses in it. */
  async acquire(recipientPublic: Uint8Array): Promise<{ context: SenderContext; seq: number }> {
    if (recipientPublic.length !== 32) throw new RangeError("an X25519 public key is 32 bytes");
    const name = nameOf(recipientPublic);
    for (;;) {
      let p = this.live.get(name);
      if (p) {
        this.live.delete(name); // re-inserted below: most recently used last
      } else {
        p = this.create(recipientPublic);
        const created = p;
        created.catch(() => {
          if (this.live.get(name) === created) this.live.delete(name);
        });
        if (this.live.size >= this.capacity) this.live.delete(this.live.keys().next().value!);
      }
      this.live.set(name, p);
      const context = await p;
      const seq = context.next(this.now());
      if (seq !== undefined) return { context, seq };
      // Spent: forget it (unless another seal already replaced it) and start a fresh one.
      if (this.live.get(name) === p) this.live.delete(name);
    }
  }

  private async create(recipientPublic: Uint8Array): Promise<SenderContext> {
    const raw = this.random(32);
    const [eph, rk] = await Promise.all([ephemeralKeyPair(raw), recipientKey(recipientPublic)]);
    raw.fill(0);
    const shared = await agree(eph.privateKey, rk.publicKey);
    const key = await contextKey(shared, eph.publicKey, recipientPublic);
    shared.fill(0);
    // The ephemeral private key is dropped here: the context keeps only E and the derived key.
    return new SenderContext(eph.publicKey, rk.keyId, key, this.now(), this.maxMessages, this.maxAgeMs);
  }

  /** Forgets every context (e.g. after a key rotation). */
  clear(): void {
    this.live.clear();
  }

  get size(): number {
    return this.live.size;
  }
}

/**
 * The opener's side: derived context keys by (private key, E). Keyed by the CryptoKey object itself
 * (a WeakMap), so only code holding that very private key can reach what it derived, and dropping the
 * key drops its cache. Entries are derived keys, which the private key can always re-derive.
 */
export class OpenerContexts {
  private readonly byKey = new WeakMap<CryptoKey, Map<string, Promise<ContextKey>>>();
  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  async get(
    privateKey: CryptoKey,
    ownPublic: Uint8Array,
    enc: Uint8Array,
    derive: () => Promise<Bytes>,
  ): Promise<ContextKey> {
    let m = this.byKey.get(privateKey);
    if (!m) {
      m = new Map();
      this.byKey.set(privateKey, m);
    }
    // The opener's own public key is part of the derivation, so it is part of the name too.
    const name = nameOf(enc) + nameOf(ownPublic);
    let p = m.get(name);
    if (p) m.delete(name);
    else {
      const map = m;
      p = derive().then((shared) => {
        const k = contextKey(shared, enc, ownPublic);
        k.finally(() => shared.fill(0)).catch(() => {});
        return k;
      });
      const created = p;
      created.catch(() => {
        if (map.get(name) === created) map.delete(name);
      });
      if (m.size >= this.capacity) m.delete(m.keys().next().value!);
    }
    m.set(name, p);
    return p;
  }
}

/** The contexts production sealing uses: one set per isolate (Worker or browser page). */
export const defaultSenderContexts = new SenderContexts();
export const defaultOpenerContexts = new OpenerContexts();
