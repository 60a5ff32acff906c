// The suite-1 building blocks on WebCrypto: HKDF labels, the per-recipient key wrap, the content-key
// subkeys and the per-chunk nonce/AAD. Every label carries "v1" so a later suite can never derive
// the same key from the same secret.
import { type Bytes, concat, u32, u64, utf8 } from "./bytes.ts";
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

/** X25519 agreement; refuses an all-zero secret (a small-order public key) even where the runtime would not. */
export async function x25519(privateKey: CryptoKey, publicKey: Uint8Array): Promise<Bytes> {
  const pub = await importPublicKey(publicKey);
  const secret = new Uint8Array(await subtle().deriveBits({ name: "X25519", public: pub }, privateKey, 256));
  let acc = 0;
  for (const b of secret) acc |= b;
  if (acc === 0) throw new Error("X25519 produced the all-zero secret");
  return secret;
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
export const wrapAad = (keyId: Uint8Array, keyVersion: number) => concat(keyId, u32(keyVersion));

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

export async function headerMac(key: CryptoKey, headerBody: Uint8Array): Promise<Bytes> {
  return new Uint8Array(await subtle().sign("HMAC", key, headerBody as Bytes));
}

/** HMAC verification through WebCrypto, which compares in constant time. */
export const verifyHeaderMac = (key: CryptoKey, headerBody: Uint8Array, mac: Uint8Array) =>
  subtle().verify("HMAC", key, mac as Bytes, headerBody as Bytes);

/** Chunk nonce: base_nonce XOR (0x00000000 ‖ u64be(index)). */
export function chunkNonce(base: Uint8Array, index: number): Bytes {
  const n = base.slice() as Bytes;
  const idx = u64(index);
  for (let i = 0; i < 8; i++) n[4 + i] = n[4 + i]! ^ idx[i]!;
  return n;
}

/** Chunk AAD: context_hash ‖ u64be(index) ‖ final (0x01 for the last chunk, else 0x00). */
export const chunkAad = (ctxHash: Uint8Array, index: number, final: boolean) =>
  concat(ctxHash, u64(index), Uint8Array.of(final ? 1 : 0));
