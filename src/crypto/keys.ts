// Encryption keys: X25519 key pairs (WebCrypto), their ids, derivation from a BIP-39 mnemonic on a
// path of its own (separate from the secp256k1 signing key), and passphrase-protected backups.
// Private keys are made and kept on the client; nothing here is meant to run with a user's private
// key on the server.
import { mnemonicToSeedWebcrypto, validateMnemonic } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import { type Bytes, concat, sha256, u32, utf8 } from "./bytes.ts";

/** PKCS#8 prefix for a raw 32-byte X25519 private key (RFC 8410). */
const PKCS8_X25519 = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20,
]);

export interface KeyPair {
  privateKey: CryptoKey;
  publicKey: Bytes;
  /** SHA-256 of publicKey: how envelopes name their recipients. */
  keyId: Bytes;
}

export type KeyResult<T> = { ok: true; value: T } | { ok: false; error: string };

const b64url = (s: string) =>
  Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

/** A raw 32-byte X25519 private key (any 32 bytes: X25519 clamps) as a CryptoKey plus its public key. */
export async function importX25519(raw32: Uint8Array): Promise<{ privateKey: CryptoKey; publicKey: Bytes }> {
  if (raw32.length !== 32) throw new RangeError("an X25519 private key is 32 bytes");
  const privateKey = await crypto.subtle.importKey(
    "pkcs8",
    concat(PKCS8_X25519, raw32),
    { name: "X25519" },
    true,
    ["deriveBits"],
  );
  // WebCrypto has no "public key of this private key" call; the JWK export carries it as `x`.
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  if (!jwk.x) throw new Error("runtime did not export the X25519 public key");
  return { privateKey, publicKey: b64url(jwk.x) as Bytes };
}

/** Imports a raw 32-byte X25519 private key as a KeyPair (with its key id). */
export async function importPrivateKey(raw32: Uint8Array): Promise<KeyPair> {
  const { privateKey, publicKey } = await importX25519(raw32);
  return { privateKey, publicKey, keyId: await keyId(publicKey) };
}

export async function exportPrivateKey(k: CryptoKey): Promise<Bytes> {
  const p8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", k));
  return p8.slice(p8.length - 32) as Bytes;
}

export type RandomSource = (n: number) => Uint8Array;
export const systemRandom: RandomSource = (n) => crypto.getRandomValues(new Uint8Array(n));

export function generateKeyPair(random: RandomSource = systemRandom): Promise<KeyPair> {
  return importPrivateKey(random(32));
}

export async function importPublicKey(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.length !== 32) throw new RangeError("an X25519 public key is 32 bytes");
  return crypto.subtle.importKey("raw", raw as Bytes, { name: "X25519" }, true, []);
}

/** A key's id: SHA-256 of its raw public key. */
export const keyId = (publicKey: Uint8Array): Promise<Bytes> => sha256(publicKey);

export const ENCRYPTION_KEY_SALT = "virtengine/encryption-key/v1";

/**
 * The account encryption key from the account's BIP-39 mnemonic: HKDF-SHA256 over the 64-byte
 * BIP-39 seed (empty BIP-39 passphrase) with salt "virtengine/encryption-key/v1" and info
 * "x25519/account/<index>". The signing key is BIP-32 m/44'/118'/0'/0/<index> on the same seed;
 * BIP-32 runs HMAC-SHA512 keyed "Bitcoin seed", HKDF here is keyed by our own salt, so neither key
 * says anything about the other. The mnemonic's checksum is checked so a typo cannot silently yield
 * a different, unrecoverable key.
 */
export async function deriveFromMnemonic(mnemonic: string, index = 0): Promise<KeyResult<KeyPair>> {
  if (!Number.isSafeInteger(index) || index < 0 || index > 0x7fffffff)
    return { ok: false, error: "bad account index" };
  const normalized = mnemonic.trim().split(/\s+/).join(" ").normalize("NFKD");
  if (!validateMnemonic(normalized, wordlist))
    return { ok: false, error: "not a valid English BIP-39 mnemonic" };
  const seed = await mnemonicToSeedWebcrypto(normalized);
  const ikm = await crypto.subtle.importKey("raw", seed as Bytes, "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: utf8(ENCRYPTION_KEY_SALT), info: utf8(`x25519/account/${index}`) },
    ikm,
    256,
  );
  seed.fill(0);
  return { ok: true, value: await importPrivateKey(new Uint8Array(bits)) };
}

export interface KeyBackup {
  v: 1;
  kdf: "PBKDF2-SHA256";
  iterations: number;
  /** base64 */
  salt: string;
  /** base64 */
  iv: string;
  /** base64 of AES-256-GCM(private key), 48 bytes */
  ciphertext: string;
  /** hex key id of the backed-up key, so a restore can be checked against the registered key */
  keyId: string;
}

/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
export const BACKUP_ITERATIONS = 600_000;
/** Restores refuse fewer iterations (a downgraded backup) and more (a denial of service). */
const MIN_ITERATIONS = 100_000;
const MAX_ITERATIONS = 10_000_000;

const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)) as Bytes;
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

async function passphraseKey(passphrase: string, salt: Uint8Array, iterations: number) {
  const base = await crypto.subtle.importKey("raw", utf8(passphrase.normalize("NFKC")), "PBKDF2", false, [
    "deriveKey",
  ]);
  return crypto.subtle.deriveKey(
    { name: "PBKDF2", hash: "SHA-256", salt: salt as Bytes, iterations },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/** The AAD binds the KDF parameters and key id, so none of them can be edited without detection. */
const backupAad = (iterations: number, salt: Uint8Array, id: string) =>
  concat(utf8("virtengine/key-backup/v1\0PBKDF2-SHA256\0"), u32(iterations), salt, utf8(id));

/** A client-side backup of a generated private key under a passphrase. */
export async function backupPrivateKey(
  pair: KeyPair,
  passphrase: string,
  iterations = BACKUP_ITERATIONS,
  random: RandomSource = systemRandom,
): Promise<KeyBackup> {
  if (passphrase.length < 8) throw new RangeError("a backup passphrase needs at least 8 characters");
  const salt = random(16);
  const iv = random(12);
  const id = toHex(pair.keyId);
  const key = await passphraseKey(passphrase, salt, iterations);
  const raw = await exportPrivateKey(pair.privateKey);
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv: iv as Bytes, additionalData: backupAad(iterations, salt, id) },
    key,
    raw,
  );
  raw.fill(0);
  return {
    v: 1,
    kdf: "PBKDF2-SHA256",
    iterations,
    salt: b64(salt),
    iv: b64(iv),
    ciphertext: b64(new Uint8Array(ct)),
    keyId: id,
  };
}

/** Restores a backup; a wrong passphrase or an edited backup is an error value, not a throw. */
export async function restorePrivateKey(
  backup: KeyBackup,
  passphrase: string,
  opts: { minIterations?: number } = {},
): Promise<KeyResult<KeyPair>> {
  if (backup.v !== 1 || backup.kdf !== "PBKDF2-SHA256")
    return { ok: false, error: "unsupported backup format" };
  const min = opts.minIterations ?? MIN_ITERATIONS;
  if (
    !Number.isSafeInteger(backup.iterations) ||
    backup.iterations < min ||
    backup.iterations > MAX_ITERATIONS
  )
    return {
      ok: false,
      error: `backup iteration count ${backup.iterations} outside ${min}..${MAX_ITERATIONS}`,
    };
  let salt: Bytes;
  let iv: Bytes;
  let ct: Bytes;
  try {
    salt = unb64(backup.salt);
    iv = unb64(backup.iv);
    ct = unb64(backup.ciphertext);
  } catch {
    return { ok: false, error: "backup fields are not base64" };
  }
  if (salt.length !== 16 || iv.length !== 12 || ct.length !== 48)
    return { ok: false, error: "backup field sizes are wrong" };
  const key = await passphraseKey(passphrase, salt, backup.iterations);
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(
      await crypto.subtle.decrypt(
        { name: "AES-GCM", iv, additionalData: backupAad(backup.iterations, salt, backup.keyId) },
        key,
        ct,
      ),
    );
  } catch {
    return { ok: false, error: "wrong passphrase or damaged backup" };
  }
  const pair = await importPrivateKey(raw);
  raw.fill(0);
  // The AAD already binds keyId; this catches a backup that was made wrongly in the first place.
  if (toHex(pair.keyId) !== backup.keyId)
    return { ok: false, error: "the backup holds another key than its keyId says" };
  return { ok: true, value: pair };
}
