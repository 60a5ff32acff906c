// The user's X25519 encryption key, made and kept in this browser: the private half is stored in
// IndexedDB as a non-extractable CryptoKey (script can use it, never read it out); only the public
// half goes to /api/encryption-keys/. Envelope code is the project's own src/crypto, imported (this
// module is loaded lazily, so it stays out of the first-load bundle).
import { generateKeyPair, hex, type KeyPair, open } from "../../../src/crypto/index.ts";
import { ApiFailure, list, post, rawGet } from "../api/client.ts";
import { toB64url } from "../lib/base64url.ts";
import { userKeyedStore } from "./idb.ts";

const DB = "virtengine-keys";
const STORE = "keys";

interface Stored {
  user: string;
  privateKey: CryptoKey;
  publicKey: Uint8Array;
  keyId: Uint8Array;
}

const tx = userKeyedStore(DB, STORE);

export async function loadKey(userUuid: string): Promise<KeyPair | null> {
  const row = (await tx("readonly", (s) => s.get(userUuid))) as Stored | undefined;
  return row
    ? {
        privateKey: row.privateKey,
        publicKey: row.publicKey as KeyPair["publicKey"],
        keyId: row.keyId as KeyPair["keyId"],
      }
    : null;
}

export const keyLabel = (k: KeyPair) => hex(k.keyId).slice(0, 16);

/** Keeps `pair` here with its private key re-imported non-extractable. */
async function keep(userUuid: string, pair: KeyPair): Promise<KeyPair> {
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const locked = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "X25519" }, false, ["deriveBits"]);
  pkcs8.fill(0);
  const stored: Stored = { user: userUuid, privateKey: locked, publicKey: pair.publicKey, keyId: pair.keyId };
  await tx("readwrite", (s) => s.put(stored));
  return { privateKey: locked, publicKey: pair.publicKey, keyId: pair.keyId };
}

/** Makes a key pair here, registers its public key, and keeps the private key non-extractable. */
export async function createKey(userUuid: string): Promise<KeyPair> {
  const pair = await generateKeyPair();
  await post("/api/encryption-keys/", undefined, { public_key: toB64url(pair.publicKey) });
  return keep(userUuid, pair);
}

/**
 * Adopts a key derived from the account's recovery phrase: registered as the current key unless it
 * already is, so a phrase restores access details in any browser.
 */
export async function adoptKey(userUuid: string, pair: KeyPair): Promise<KeyPair> {
  const mine = await list<{ public_key: string; key_version: number }>("/api/encryption-keys/", {
    page_size: 300,
  });
  const current = mine.items.reduce<{ public_key: string; key_version: number } | null>(
    (a, k) => (!a || k.key_version > a.key_version ? k : a),
    null,
  );
  if (current?.public_key !== toB64url(pair.publicKey)) {
    // Registered before as an older version: still this account's key, so keep it here anyway.
    await post("/api/encryption-keys/", undefined, { public_key: toB64url(pair.publicKey) }).catch(
      (e: unknown) => {
        if (!(e instanceof ApiFailure && e.fields.public_key)) throw e;
      },
    );
  }
  return keep(userUuid, pair);
}

export async function ensureKey(userUuid: string): Promise<KeyPair> {
  return (await loadKey(userUuid)) ?? createKey(userUuid);
}

export type AccessDetails =
  | { ok: true; details: Record<string, unknown> }
  | { ok: false; reason: "none" | "no_key" | "not_recipient" | "failed"; message?: string };

/** Fetches a resource's sealed access details and opens them with this browser's key. */
export async function openAccessDetails(resourceUrl: string, userUuid: string): Promise<AccessDetails> {
  const res = await rawGet(`${resourceUrl}access_details/`);
  if (res.status === 404) return { ok: false, reason: "none" };
  if (!res.ok) return { ok: false, reason: "failed", message: `HTTP ${res.status}` };
  const key = await loadKey(userUuid);
  if (!key) return { ok: false, reason: "no_key" };
  const context = {
    kind: res.headers.get("X-Envelope-Kind") ?? "",
    recordId: res.headers.get("X-Envelope-Record-Id") ?? "",
    version: Number(res.headers.get("X-Envelope-Version")),
  };
  const bytes = new Uint8Array(await res.arrayBuffer());
  const opened = await open(bytes, { key, context });
  if (!opened.ok)
    return {
      ok: false,
      reason: opened.error.code === "not_a_recipient" ? "not_recipient" : "failed",
      message: opened.error.code,
    };
  const details = JSON.parse(new TextDecoder().decode(opened.value.plaintext)) as Record<string, unknown>;
  opened.value.plaintext.fill(0);
  return { ok: true, details };
}
