// A capture client for the tests, doing what the portal's camera page or a mobile app does: a
// device key registered to the account, a nonce, a salt, the salted hash, the signature, the upload.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { captureMessage } from "../../src/identity/capture/bundle.ts";
import { b64urlEncode } from "../../src/identity/sso/id-token.ts";
import type { Api } from "../helpers/api.ts";

// biome-ignore lint/suspicious/noExplicitAny: replies are inspected field by field
type Json = any;

export const FIXTURES = new URL("../identity/fixtures/", import.meta.url);
export const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));
const selfieJpeg = fixture("img1.jpg");

export interface Device {
  uuid: string;
  sign(message: Uint8Array): Promise<Uint8Array>;
}

export async function registerDevice(api: Api, algorithm: "Ed25519" | "P-256" = "Ed25519"): Promise<Device> {
  const params = algorithm === "Ed25519" ? { name: "Ed25519" } : { name: "ECDSA", namedCurve: "P-256" };
  const pair = (await crypto.subtle.generateKey(params, true, ["sign", "verify"])) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const d = await api.expect(201, api.post("/api/identity/devices/", { algorithm, public_key: b64urlEncode(raw), name: `${algorithm} phone` }));
  assert.equal(d.algorithm, algorithm);
  return {
    uuid: d.uuid,
    sign: async (m) =>
      new Uint8Array(await crypto.subtle.sign(algorithm === "Ed25519" ? { name: "Ed25519" } : { name: "ECDSA", hash: "SHA-256" }, pair.privateKey, m as Uint8Array<ArrayBuffer>)),
  };
}

export const nonceFor = async (api: Api, scope: "id_document" | "selfie") => (await api.expect(201, api.post("/api/identity/capture/nonce/", { scope }))).nonce as string;

export interface Shot {
  scope?: "id_document" | "selfie";
  image?: Uint8Array;
  contentType?: string;
  nonce?: string;
  /** Change the metadata after signing (or before, with resign). */
  edit?: (m: Record<string, string>) => void;
  signer?: Device;
  hashOf?: Uint8Array;
  capturedAt?: string;
}

/** What a capture client does: nonce, salt, hash, signature, upload. */
export async function upload(api: Api, device: Device, shot: Shot = {}) {
  const scope = shot.scope ?? "selfie";
  const image = shot.image ?? selfieJpeg;
  const nonce = shot.nonce ?? (await nonceFor(api, scope));
  const salt = crypto.getRandomValues(new Uint8Array(32));
  const hashed = shot.hashOf ?? image;
  const image_sha256 = createHash("sha256").update(salt).update(hashed).digest("hex");
  const m: Record<string, string> = { scope, nonce, salt: b64urlEncode(salt), captured_at: shot.capturedAt ?? new Date().toISOString(), device: device.uuid, image_sha256 };
  m.signature = b64urlEncode(await (shot.signer ?? device).sign(captureMessage(m as never)));
  shot.edit?.(m);
  const res = await api.host.fetch("/api/identity/capture/", {
    method: "POST",
    headers: { Authorization: `Token ${api.token}`, "Content-Type": shot.contentType ?? (image[0] === 0x89 ? "image/png" : "image/jpeg"), "X-Capture-Metadata": JSON.stringify(m) },
    body: image as Uint8Array<ArrayBuffer>,
  });
  const text = await res.text();
  let body: Json = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body, metadata: m, salt };
}

