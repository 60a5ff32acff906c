// Image format detection from the bytes themselves. File names and declared content types are not
// trusted: a client can call anything "photo.jpg" (the dev set has a WebP named img47.jpg).

export type ImageFormat = "jpeg" | "png" | "webp";

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[at + i] !== sig[i]) return false;
  return true;
}

/** The container format named by the magic bytes, or null for anything else (including empty input). */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | null {
  // JPEG: SOI marker FF D8 followed by the start of the next marker (FF).
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "jpeg";
  if (startsWith(bytes, PNG_SIGNATURE)) return "png";
  // WebP: a RIFF container whose form type is "WEBP".
  if (startsWith(bytes, [0x52, 0x49, 0x46, 0x46]) && startsWith(bytes, [0x57, 0x45, 0x42, 0x50], 8)) {
    return "webp";
  }
  return null;
}

/**
 * Whether the container is structurally complete: the decoder alone is not enough, because libvips
 * (and most PNG decoders) happily return an image whose bottom rows are missing or grey.
 * - JPEG: walking the marker segments from SOI (skipping each segment by its length, and the
 *   entropy-coded data after each SOS) must reach the EOI marker. Searching for FF D9 alone is not
 *   enough: the EXIF thumbnail inside APP1 has its own EOI. Bytes after EOI are allowed.
 * - PNG: the IEND chunk must be present.
 * - WebP: the RIFF size field must fit in the bytes received.
 */
export function isStructurallyComplete(bytes: Uint8Array, format: ImageFormat): boolean {
  switch (format) {
    case "jpeg":
      return jpegReachesEoi(bytes);
    case "png": {
      const iend = [0x49, 0x45, 0x4e, 0x44];
      // IEND is the last chunk: 4 length bytes, "IEND", 4 CRC bytes; search the tail only.
      const from = Math.max(8, bytes.length - 64);
      for (let i = bytes.length - 8; i >= from; i--) if (startsWith(bytes, iend, i)) return true;
      return false;
    }
    case "webp": {
      if (bytes.length < 12) return false;
      const riffSize = (bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24)) >>> 0;
      return riffSize + 8 <= bytes.length;
    }
  }
}

function jpegReachesEoi(b: Uint8Array): boolean {
  const n = b.length;
  let i = 2; // after SOI
  while (i + 1 < n) {
    if (b[i] !== 0xff) return false;
    const m = b[i + 1]!;
    if (m === 0xff) {
      i++; // fill byte
      continue;
    }
    if (m === 0xd9) return true; // EOI
    if ((m >= 0xd0 && m <= 0xd7) || m === 0x01) {
      i += 2; // markers without a length
      continue;
    }
    if (i + 3 >= n) return false;
    const len = (b[i + 2]! << 8) | b[i + 3]!;
    if (len < 2) return false;
    i += 2 + len;
    if (m === 0xda) {
      // Entropy-coded data: FF is followed by 00 (stuffing), a restart marker, or the next marker.
      while (i + 1 < n) {
        if (b[i] === 0xff) {
          const x = b[i + 1]!;
          if (x === 0x00 || (x >= 0xd0 && x <= 0xd7)) {
            i += 2;
            continue;
          }
          if (x === 0xff) {
            i++;
            continue;
          }
          break;
        }
        i++;
      }
    }
  }
  return false;
}
