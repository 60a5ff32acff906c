// Account mnemonics, made and used on the client (browser-safe: @scure/bip39, @cosmjs/crypto and
// WebCrypto only). One BIP-39 phrase yields the account's secp256k1 signing key on the standard
// Cosmos path and, through src/crypto/keys.ts, its separate X25519 encryption key.
import { Secp256k1, Slip10, Slip10Curve, stringToPath } from "@cosmjs/crypto";
import { rawSecp256k1PubkeyToRawAddress } from "@cosmjs/amino";
import { toBech32 } from "@cosmjs/encoding";
import { generateMnemonic, mnemonicToSeed, validateMnemonic } from "@scure/bip39";
import { wordlist } from "@scure/bip39/wordlists/english.js";
import { deriveFromMnemonic, type KeyPair, type KeyResult } from "../crypto/keys.ts";
import { BECH32_PREFIX } from "./adr036.ts";

/** BIP-44 path of the signing key (coin type 118, as every Cosmos wallet). */
export const COSMOS_HD_PATH = "m/44'/118'/0'/0/0";
/** 24 words = 256 bits of entropy. */
export const MNEMONIC_WORDS = 24;

export interface SigningKey {
  privkey: Uint8Array;
  /** 33-byte compressed secp256k1 public key. */
  pubkey: Uint8Array;
  address: string;
}

/** A fresh 24-word English mnemonic from the platform's CSPRNG. */
export function newMnemonic(): string {
  return generateMnemonic(wordlist, 256);
}

/** Trimmed, single-spaced, NFKD: the form BIP-39 hashes. */
export function normalizeMnemonic(mnemonic: string): string {
  return mnemonic.trim().split(/\s+/).join(" ").normalize("NFKD");
}

/** Word count and checksum; a typo must not silently give a different, unrecoverable account. */
export function checkMnemonic(mnemonic: string): KeyResult<string> {
  const normalized = normalizeMnemonic(mnemonic);
  const words = normalized ? normalized.split(" ").length : 0;
  if (![12, 15, 18, 21, 24].includes(words)) return { ok: false, error: `a mnemonic has 12 to 24 words (got ${words})` };
  if (!validateMnemonic(normalized, wordlist)) return { ok: false, error: "not a valid English BIP-39 mnemonic (unknown word or bad checksum)" };
  return { ok: true, value: normalized };
}

/** The account's signing key and virtengine1… address on m/44'/118'/0'/0/0. */
export async function signingKeyFromMnemonic(mnemonic: string, prefix = BECH32_PREFIX): Promise<KeyResult<SigningKey>> {
  const checked = checkMnemonic(mnemonic);
  if (!checked.ok) return checked;
  const seed = await mnemonicToSeed(checked.value);
  const { privkey } = Slip10.derivePath(Slip10Curve.Secp256k1, seed, stringToPath(COSMOS_HD_PATH));
  seed.fill(0);
  const pubkey = Secp256k1.compressPubkey((await Secp256k1.makeKeypair(privkey)).pubkey);
  return { ok: true, value: { privkey, pubkey, address: toBech32(prefix, rawSecp256k1PubkeyToRawAddress(pubkey)) } };
}

export interface NewAccount {
  mnemonic: string;
  address: string;
  /** Raw X25519 public key of the account's encryption key (for /api/encryption-keys/). */
  encryptionPublicKey: Uint8Array;
  encryptionKey: KeyPair;
}

/** Everything a new account needs, from one new mnemonic. */
export async function newAccount(prefix = BECH32_PREFIX): Promise<NewAccount> {
  const mnemonic = newMnemonic();
  const signing = await signingKeyFromMnemonic(mnemonic, prefix);
  const enc = await deriveFromMnemonic(mnemonic);
  if (!signing.ok) throw new Error(signing.error);
  if (!enc.ok) throw new Error(enc.error);
  signing.value.privkey.fill(0);
  return { mnemonic, address: signing.value.address, encryptionPublicKey: enc.value.publicKey, encryptionKey: enc.value };
}
