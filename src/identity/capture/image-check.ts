// What the API checks of a captured image before sealing it (it never decodes pixels; validators
// do that after opening the envelope): the format by its magic bytes, a complete container, and
// plausible dimensions read from the header (JPEG SOFn, PNG IHDR).
import { detectImageFormat, isStructurallyComplete } from "../image/format.ts";

export const CAPTURE_MAX_BYTES = 10 * 1024 * 1024;
export const CAPTURE_MIN_SIDE = 200;
export const CAPTURE_MAX_SIDE = 8000;

export type ImageCheck =
  | { ok: true; format: "jpeg" | "png"; width: number; height: number }
  | { ok: false; status: 400 | 415; message: string };

function pngSize(b: Uint8Array): { width: number; height: number } | null {
  // Signature (8), IHDR length (4), "IHDR" (4), width (4), height (4).
  if (b.length < 24 || String.fromCharCode(b[12]!, b[13]!, b[14]!, b[15]!) !== "IHDR") return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function jpegSize(b: Uint8Array): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const m = b[i + 1]!;
    if (m === 0xff) {
      i++;
      continue;
    }
    if ((m >= 0xd0 && m <= 0xd7) || m === 0x01) {
      i += 2;
      continue;
    }
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (SOF.has(m)) return { height: (b[i + 5]! << 8) | b[i + 6]!, width: (b[i + 7]! << 8) | b[i + 8]! };
    if (m === 0xda || len < 2) return null; // scan data before any frame header
    i += 2 + len;
  }
  return null;
}

export function checkCaptureImage(bytes: Uint8Array, declaredType: string): ImageCheck {
  if (bytes.length === 0) return { ok: false, status: 400, message: "The image is empty." };
  const format = detectImageFormat(bytes);
  if (format !== "jpeg" && format !== "png") return { ok: false, status: 415, message: "Not a JPEG or PNG image." };
  if (declaredType !== `image/${format}`) return { ok: false, status: 415, message: `The bytes are ${format.toUpperCase()}, not ${declaredType}.` };
  if (!isStructurallyComplete(bytes, format)) return { ok: false, status: 400, message: "The image is truncated." };
  const size = format === "png" ? pngSize(bytes) : jpegSize(bytes);
  if (!size) return { ok: false, status: 400, message: "The image has no readable dimensions." };
  const small = Math.min(size.width, size.height);
  const large = Math.max(size.width, size.height);
  if (small < CAPTURE_MIN_SIDE) return { ok: false, status: 400, message: `The image is too small (${size.width}×${size.height}; at least ${CAPTURE_MIN_SIDE} pixels a side).` };
  if (large > CAPTURE_MAX_SIDE) return { ok: false, status: 400, message: `The image is too large (${size.width}×${size.height}; at most ${CAPTURE_MAX_SIDE} pixels a side).` };
  return { ok: true, format, ...size };
}
