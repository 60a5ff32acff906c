// Decoding of untrusted JPEG / PNG / WebP bytes into 8-bit RGB pixels.
// sharp (libvips, prebuilt binaries shipped inside its npm packages, no download at install or run
// time) decodes all three formats and shrinks JPEGs while decoding, which keeps a 13-megapixel
// upload well under the per-verification time budget.

import sharp from "sharp";
import { ImageError } from "./errors.ts";
import { detectImageFormat, type ImageFormat, isStructurallyComplete } from "./format.ts";

export interface ImageLimits {
  /** Largest accepted upload in bytes. */
  maxBytes: number;
  /** Largest accepted width × height, read from the header before any pixel is decoded. */
  maxPixels: number;
}

// 15 MB covers full-resolution phone JPEGs (typically 2–8 MB); 50 MP covers 48-MP phone sensors.
// Anything above is refused before decoding, so a decompression bomb cannot exhaust memory.
export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxBytes: 15 * 1024 * 1024, maxPixels: 50_000_000 };

/** Interleaved 8-bit RGB pixels, row-major. */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface DecodedImage {
  format: ImageFormat;
  /** Dimensions of the upload after EXIF orientation. */
  width: number;
  height: number;
  /** Pixels, downscaled so that the longer side is at most `maxSide` (never enlarged). */
  image: RgbImage;
}

/** Throws ImageError unless the bytes are a complete, decodable image within the limits. */
export async function decodeImage(
  bytes: Uint8Array,
  opts: { maxSide: number; limits?: ImageLimits },
): Promise<DecodedImage> {
  const limits = opts.limits ?? DEFAULT_IMAGE_LIMITS;
  if (bytes.length === 0) throw new ImageError("empty", "image is empty");
  if (bytes.length > limits.maxBytes) {
    throw new ImageError("too_large", `image is ${bytes.length} bytes; the limit is ${limits.maxBytes}`);
  }
  const format = detectImageFormat(bytes);
  if (!format) throw new ImageError("unsupported_format", "not a JPEG, PNG or WebP image");
  if (!isStructurallyComplete(bytes, format)) {
    throw new ImageError("truncated", `${format} image is truncated`);
  }

  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (e) {
    throw new ImageError("decode_failed", `${format} header could not be read: ${(e as Error).message}`);
  }
  if (!meta.width || !meta.height) throw new ImageError("decode_failed", `${format} image has no size`);
  const pixels = meta.width * meta.height;
  if (pixels > limits.maxPixels) {
    throw new ImageError(
      "too_large",
      `image is ${meta.width}×${meta.height} (${pixels} pixels); the limit is ${limits.maxPixels}`,
    );
  }
  // EXIF orientations 5–8 swap width and height.
  const swapped = (meta.orientation ?? 1) >= 5;
  const width = swapped ? meta.height : meta.width;
  const height = swapped ? meta.width : meta.height;

  try {
    const { data, info } = await sharp(bytes, { failOn: "error", limitInputPixels: limits.maxPixels })
      .rotate() // apply EXIF orientation, so the face is upright as the camera saw it
      .resize({ width: opts.maxSide, height: opts.maxSide, fit: "inside", withoutEnlargement: true })
      .removeAlpha()
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { format, width, height, image: toRgb(data, info.width, info.height, info.channels) };
  } catch (e) {
    throw new ImageError("decode_failed", `${format} image could not be decoded: ${(e as Error).message}`);
  }
}

function toRgb(data: Buffer, width: number, height: number, channels: number): RgbImage {
  if (channels === 3)
    return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, n = width * height; i < n; i++) {
    const g = data[i * channels]!;
    out[i * 3] = g;
    out[i * 3 + 1] = channels >= 3 ? data[i * channels + 1]! : g;
    out[i * 3 + 2] = channels >= 3 ? data[i * channels + 2]! : g;
  }
  return { width, height, data: out };
}

/** Resizes RGB pixels so that the longer side is at most maxSide (never enlarges). */
export async function shrinkRgb(img: RgbImage, maxSide: number): Promise<{ image: RgbImage; scale: number }> {
  const long = Math.max(img.width, img.height);
  if (long <= maxSide) return { image: img, scale: 1 };
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize({ width: maxSide, height: maxSide, fit: "inside" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    image: {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    },
    scale: info.width / img.width,
  };
}
