// The attested-capture formats shared by the edge (upload.ts) and the validators' scorer: the exact
// bytes a device signs, and the sealed bundle validators open (one JSON line, then the image).
import { utf8 } from "../../crypto/bytes.ts";

export const CAPTURE_ENVELOPE_KIND = "identity.capture";
const BUNDLE_MAGIC = "VECAPTURE1";

export interface SignedFields {
  scope: string;
  nonce: string;
  salt: string;
  captured_at: string;
  image_sha256: string;
}

/** The exact bytes the device signs. */
export const captureMessage = (m: SignedFields) =>
  utf8(`virtengine-capture-v1\n${m.scope}\n${m.nonce}\n${m.salt}\n${m.captured_at}\n${m.image_sha256}`);

export interface BundleHead extends SignedFields {
  capture: string;
  account: string;
  format: "jpeg" | "png";
  device: { uuid: string; algorithm: "Ed25519" | "P-256"; public_key: string };
  signature: string;
}

export function encodeBundle(head: BundleHead, image: Uint8Array): Uint8Array<ArrayBuffer> {
  const first = utf8(`${BUNDLE_MAGIC}\n${JSON.stringify(head)}\n`);
  const out = new Uint8Array(first.length + image.length);
  out.set(first);
  out.set(image, first.length);
  return out;
}

/** The head and the image, or null when the plaintext is not a capture bundle. */
export function decodeBundle(plain: Uint8Array): { head: BundleHead; image: Uint8Array } | null {
  const nl1 = plain.indexOf(0x0a);
  if (nl1 !== BUNDLE_MAGIC.length || new TextDecoder().decode(plain.subarray(0, nl1)) !== BUNDLE_MAGIC) return null;
  const nl2 = plain.indexOf(0x0a, nl1 + 1);
  if (nl2 < 0) return null;
  try {
    const head = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plain.subarray(nl1 + 1, nl2))) as BundleHead;
    if (!head || typeof head !== "object" || typeof head.capture !== "string" || typeof head.salt !== "string" || !head.device) return null;
    return { head, image: plain.subarray(nl2 + 1) };
  } catch {
    return null;
  }
}
