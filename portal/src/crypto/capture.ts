// An attested capture, as /api/identity/capture/ takes it: a fresh single-use nonce asked before
// the picture is taken, a random salt, the salted SHA-256 of the image bytes, and the device key's
// signature over "virtengine-capture-v1\n{scope}\n{nonce}\n{salt}\n{captured_at}\n{image_sha256}".
// The image goes over TLS to the API, which seals it to the identity network's keys on arrival.
import { failureOf, post } from "../api/client.ts";
import { currentToken } from "../auth/token.ts";
import { toB64url } from "../lib/base64url.ts";
import type { DeviceKey } from "./device-key.ts";

export type CaptureScope = "id_document" | "selfie";

export interface CaptureResult {
  uuid: string;
  scope: CaptureScope;
  status: string;
  image_sha256: string;
  sealed_to: { validator: string; key_id: string }[];
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

export const askNonce = async (scope: CaptureScope) =>
  (await post<{ nonce: string }>("/api/identity/capture/nonce/", undefined, { scope })).nonce;

/** The frame on `canvas` as JPEG bytes. */
export function canvasJpeg(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    canvas.toBlob(
      (blob) =>
        blob ? blob.arrayBuffer().then((b) => resolve(new Uint8Array(b)), reject) : reject(new Error("No image.")),
      "image/jpeg",
      0.92,
    ),
  );
}

export async function uploadCapture(
  device: DeviceKey,
  scope: CaptureScope,
  nonce: string,
  capturedAt: Date,
  image: Uint8Array,
): Promise<CaptureResult> {
  const salt = crypto.getRandomValues(new Uint8Array(32));
  const salted = new Uint8Array(salt.length + image.length);
  salted.set(salt);
  salted.set(image, salt.length);
  const imageSha256 = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", salted)));
  const fields = {
    scope,
    nonce,
    salt: toB64url(salt),
    captured_at: capturedAt.toISOString(),
    image_sha256: imageSha256,
  };
  const message = new TextEncoder().encode(
    ["virtengine-capture-v1", fields.scope, fields.nonce, fields.salt, fields.captured_at, fields.image_sha256].join(
      "\n",
    ),
  );
  const metadata = { ...fields, device: device.uuid, signature: toB64url(await device.sign(message)) };
  const token = currentToken();
  const res = await fetch("/api/identity/capture/", {
    method: "POST",
    headers: {
      "Content-Type": "image/jpeg",
      "X-Capture-Metadata": JSON.stringify(metadata),
      ...(token ? { Authorization: `Token ${token}` } : {}),
    },
    body: image as Uint8Array<ArrayBuffer>,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // a proxy's plain-text refusal: shown as it is
  }
  if (!res.ok) throw failureOf(res.status, body);
  return body as CaptureResult;
}
