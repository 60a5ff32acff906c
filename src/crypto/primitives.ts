// The suite-1 building blocks on WebCrypto: HKDF labels, the per-recipient key wrap, the content-key
// subkeys and the per-chunk nonce/AAD. Every label carries "v1" so a later suite can never derive
// the same key from the same secret.
import { type Bytes, concat, utf8 } from "./bytes.ts";
import { importPublicKey } from "./keys.ts";
import { TAG_LENGTH } from "./format.ts";

const subtle = () => crypto.subtle;

export const LABEL_WRAP = utf8("virtengine/envelope/v1/wrap");
export const LABEL_KEYS = utf8("virtengine/envelope/v1/keys");

export async function hkdf(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array,
  length: number,
): Promise<Bytes> {
  const key = await subtle().importKey("raw", ikm as Bytes, "HKDF", false, ["deriveBits"]);
  const bits = await subtle().deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: salt as Bytes, info: info as Bytes },
    key,
    length * 8,
  );
  return new Uint8Array(bits);
}

const aesKey = (raw: Uint8Array, usages: KeyUsage[]) =>
  subtle().importKey("raw", raw as Bytes, "AES-GCM", false, usages);

export async function aesGcm(
  key: CryptoKey,
  mode: "encrypt" | "decrypt",
  iv: Uint8Array,
  aad: Uint8Array,
  data: Uint8Array,
): Promise<Bytes> {
  const params = {
    name: "AES-GCM",
    iv: iv as Bytes,
    additionalData: aad as Bytes,
    tagLength: TAG_LENGTH * 8,
  };
  const out =
    mode === "encrypt"
      ? subtle().encrypt(params, key, data as Bytes)
      : subtle().decrypt(params, key, data as Bytes);
  return new Uint8Array(await out);
}

/** PKCS#8 prefix of a raw 32-byte X25519 private key (RFC 8410). */
const PKCS8_X25519 = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20];
const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64URL_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64URL_VALUE[B64URL.charCodeAt(i)] = i;

/** The 43-character unpadded base64url of a 32-byte value (a JWK's `x`), decoded. */
function decodeJwk32(s: string): Bytes {
  if (s.length !== 43) throw new Error("runtime exported an X25519 public key of the wrong length");
  const out = new Uint8Array(32);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < 43; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? B64URL_VALUE[c]! : -1;
    if (v < 0) throw new Error("runtime exported a malformed X25519 public key");
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/**
 * An ephemeral key pair from 32 random bytes (the same result as keys.ts importX25519, which
 * stays the general-purpose path): one PKCS#8 import, whose public half comes back through the
 * JWK export (WebCrypto has no other way to get it), decoded without building strings.
 */
export async function ephemeralKeyPair(raw32: Uint8Array): Promise<{ privateKey: CryptoKey; publicKey: Bytes }> {
  if (raw32.length !== 32) throw new RangeError("an X25519 private key is 32 bytes");
  const pkcs8 = new Uint8Array(48);
  pkcs8.set(PKCS8_X25519);
  pkcs8.set(raw32, 16);
  const privateKey = await subtle().importKey("pkcs8", pkcs8, { name: "X25519" }, true, ["deriveBits"]);
  pkcs8.fill(0);
  const jwk = await subtle().exportKey("jwk", privateKey);
  if (!jwk.x) throw new Error("runtime did not export the X25519 public key");
  return { privateKey, publicKey: decodeJwk32(jwk.x) };
}

/** X25519 agreement; refuses an all-zero secret (a small-order public key) even where the runtime would not. */
export async function x25519(privateKey: CryptoKey, publicKey: Uint8Array): Promise<Bytes> {
  return agree(privateKey, await importPublicKey(publicKey));
}

/** X25519 agreement with an already imported public key; the same all-zero refusal. */
export async function agree(privateKey: CryptoKey, publicKey: CryptoKey): Promise<Bytes> {
  const secret = new Uint8Array(await subtle().deriveBits({ name: "X25519", public: publicKey }, privateKey, 256));
  let acc = 0;
  for (const b of secret) acc |= b;
  if (acc === 0) throw new Error("X25519 produced the all-zero secret");
  return secret;
}

export interface RecipientKey {
  /** SHA-256 of the raw public key (a fresh copy per call: callers put it into headers). */
  keyId: Bytes;
  publicKey: CryptoKey;
}

/**
 * Recipients' public keys as CryptoKeys with their ids, remembered per isolate. The same keys are
 * sealed to again and again (a project's members, the executor key, the identity validators), and
 * importing a key and hashing it are two of the ~14 WebCrypto calls a one-recipient seal makes.
 * Only public values are kept; the newest RECIPIENT_CACHE_SIZE keys stay.
 */
const RECIPIENT_CACHE_SIZE = 512;
const recipientKeys = new Map<string, Promise<{ keyId: Bytes; publicKey: CryptoKey }>>();

export async function recipientKey(raw: Uint8Array): Promise<RecipientKey> {
  if (raw.length !== 32) throw new RangeError("an X25519 public key is 32 bytes");
  const name = String.fromCharCode.apply(null, raw as unknown as number[]);
  let entry = recipientKeys.get(name);
  if (entry) {
    // Least recently used goes first: move this one to the end.
    recipientKeys.delete(name);
  } else {
    const copy = raw.slice() as Bytes;
    entry = Promise.all([
      subtle().digest("SHA-256", copy),
      subtle().importKey("raw", copy, { name: "X25519" }, false, []),
    ]).then(([id, publicKey]) => ({ keyId: new Uint8Array(id), publicKey }));
    entry.catch(() => recipientKeys.delete(name));
    if (recipientKeys.size >= RECIPIENT_CACHE_SIZE) recipientKeys.delete(recipientKeys.keys().next().value!);
  }
  recipientKeys.set(name, entry);
  const k = await entry;
  return { keyId: k.keyId.slice() as Bytes, publicKey: k.publicKey };
}

/**
 * Wrap key and nonce for one recipient entry: HKDF-SHA256(ikm = X25519(e, R), salt = E ‖ R,
 * info = "virtengine/envelope/v1/wrap" ‖ context_hash) → 44 bytes = key(32) ‖ nonce(12).
 * E and R in the salt bind the wrap to both public keys (as in HPKE's kem_context); the context hash
 * binds it to the record. A fresh ephemeral key per entry makes the key single-use, so a derived
 * nonce is safe.
 */
export async function wrapSecret(
  shared: Uint8Array,
  ephemeralPublic: Uint8Array,
  recipientPublic: Uint8Array,
  ctxHash: Uint8Array,
): Promise<{ key: Bytes; nonce: Bytes }> {
  const okm = await hkdf(shared, concat(ephemeralPublic, recipientPublic), concat(LABEL_WRAP, ctxHash), 44);
  return { key: okm.slice(0, 32) as Bytes, nonce: okm.slice(32) as Bytes };
}

/** AAD of a wrapped content key: the entry's key id and key version, so neither can be edited. */
export function wrapAad(keyId: Uint8Array, keyVersion: number): Bytes {
  const out = new Uint8Array(keyId.length + 4);
  out.set(keyId);
  new DataView(out.buffer).setUint32(keyId.length, keyVersion);
  return out;
}

export async function wrapCek(
  cek: Uint8Array,
  secret: { key: Uint8Array; nonce: Uint8Array },
  aad: Uint8Array,
): Promise<Bytes> {
  return aesGcm(await aesKey(secret.key, ["encrypt"]), "encrypt", secret.nonce, aad, cek);
}

export async function unwrapCek(
  wrapped: Uint8Array,
  secret: { key: Uint8Array; nonce: Uint8Array },
  aad: Uint8Array,
): Promise<Bytes> {
  return aesGcm(await aesKey(secret.key, ["decrypt"]), "decrypt", secret.nonce, aad, wrapped);
}

export interface ContentKeys {
  payload: CryptoKey;
  mac: CryptoKey;
}

/**
 * The payload key and the header-MAC key from the content key: HKDF-SHA256(ikm = CEK, salt = empty,
 * info = "virtengine/envelope/v1/keys" ‖ context_hash) → 64 bytes = payload_key ‖ mac_key.
 * Separate keys keep AES-GCM and HMAC from ever sharing key material.
 */
export async function contentKeys(cek: Uint8Array, ctxHash: Uint8Array): Promise<ContentKeys> {
  const okm = await hkdf(cek, new Uint8Array(0), concat(LABEL_KEYS, ctxHash), 64);
  const [payload, mac] = await Promise.all([
    aesKey(okm.subarray(0, 32), ["encrypt", "decrypt"]),
    subtle().importKey("raw", okm.slice(32) as Bytes, { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]),
  ]);
  okm.fill(0);
  return { payload, mac };
}

/**
 * Version 2's content keys: the 64-byte content key is payload_key ‖ mac_key, both random, imported
 * as they are (no HKDF: two WebCrypto calls fewer on each side). What keeps every recipient on the
 * same payload key is the header MAC, which covers the payload key (`headerMacV2`).
 */
export async function directContentKeys(cek: Uint8Array): Promise<ContentKeys> {
  if (cek.length !== 64) throw new RangeError("a v2 content key is 64 bytes");
  const [payload, mac] = await Promise.all([
    aesKey(cek.subarray(0, 32), ["encrypt", "decrypt"]),
    subtle().importKey("raw", cek.subarray(32) as Bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]),
  ]);
  return { payload, mac };
}

/** The MAC input of a v2 header: the header body followed by the payload key (never stored). */
export function macInputV2(headerBody: Uint8Array, cek: Uint8Array): Bytes {
  const out = new Uint8Array(headerBody.length + 32);
  out.set(headerBody);
  out.set(cek.subarray(0, 32), headerBody.length);
  return out;
}

export async function headerMac(key: CryptoKey, headerBody: Uint8Array): Promise<Bytes> {
  return new Uint8Array(await subtle().sign("HMAC", key, headerBody as Bytes));
}

/** HMAC verification through WebCrypto, which compares in constant time. */
export const verifyHeaderMac = (key: CryptoKey, headerBody: Uint8Array, mac: Uint8Array) =>
  subtle().verify("HMAC", key, mac as Bytes, headerBody as Bytes);

// Chunk indexes are below 2^53 (a safe integer), so the u64 splits into two u32 halves without BigInt.
const hi32 = (n: number) => Math.floor(n / 0x100000000);
const lo32 = (n: number) => n >>> 0;

/** Chunk nonce: base_nonce XOR (0x00000000 ‖ u64be(index)). */
export function chunkNonce(base: Uint8Array, index: number): Bytes {
  const n = base.slice() as Bytes;
  const v = new DataView(n.buffer);
  v.setUint32(4, v.getUint32(4) ^ hi32(index));
  v.setUint32(8, v.getUint32(8) ^ lo32(index));
  return n;
}

/** Chunk AAD: context_hash ‖ u64be(index) ‖ final (0x01 for the last chunk, else 0x00). */
export function chunkAad(ctxHash: Uint8Array, index: number, final: boolean): Bytes {
  const out = new Uint8Array(ctxHash.length + 9);
  out.set(ctxHash);
  const v = new DataView(out.buffer);
  v.setUint32(ctxHash.length, hi32(index));
  v.setUint32(ctxHash.length + 4, lo32(index));
  out[ctxHash.length + 8] = final ? 1 : 0;
  return out;
}
