// This browser's capture device key: an ECDSA P-256 pair made here with WebCrypto, the private half
// non-extractable and kept in IndexedDB (script can sign with it, never read it out). Its public
// half is registered at /api/identity/devices/; the API checks each capture's signature against it.
// P-256 rather than Ed25519: every current browser's WebCrypto has it.
import { ApiFailure, list, post } from "../api/client.ts";
import { toB64url } from "../lib/base64url.ts";
import { userKeyedStore } from "./idb.ts";

const DB = "virtengine-capture-devices";
const STORE = "devices";

interface StoredDevice {
  user: string;
  uuid: string;
  privateKey: CryptoKey;
}

export interface DeviceKey {
  uuid: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

const tx = userKeyedStore(DB, STORE);

const device = (row: StoredDevice): DeviceKey => ({
  uuid: row.uuid,
  sign: async (m) =>
    new Uint8Array(
      await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, row.privateKey, m as Uint8Array<ArrayBuffer>),
    ),
});

interface ApiDevice {
  uuid: string;
  revoked_at: string | null;
}

/** The device key kept for `userUuid` if the API still lists it as active. */
async function stillActive(userUuid: string): Promise<StoredDevice | null> {
  const row = (await tx("readonly", (s) => s.get(userUuid))) as StoredDevice | undefined;
  if (!row) return null;
  const { items } = await list<ApiDevice>("/api/identity/devices/");
  if (items.some((d) => d.uuid === row.uuid && !d.revoked_at)) return row;
  await forgetDevice(userUuid);
  return null;
}

export async function forgetDevice(userUuid: string): Promise<void> {
  await tx("readwrite", (s) => s.delete(userUuid));
}

/** This browser's registered device key for the user, registering a new one when there is none. */
export async function deviceKey(userUuid: string, name: string): Promise<DeviceKey> {
  const kept = await stillActive(userUuid);
  if (kept) return device(kept);
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  let registered: { uuid: string };
  try {
    registered = await post<{ uuid: string }>("/api/identity/devices/", undefined, {
      algorithm: "P-256",
      public_key: toB64url(raw),
      name,
    });
  } catch (e) {
    if (e instanceof ApiFailure) throw e;
    throw new Error(`The device key could not be registered: ${(e as Error).message}`);
  }
  const row: StoredDevice = { user: userUuid, uuid: registered.uuid, privateKey: pair.privateKey };
  await tx("readwrite", (s) => s.put(row));
  return device(row);
}
