// Image checks for identity uploads: format from the bytes, limits, truncation and decode errors.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { crc32 } from "node:zlib";
import sharp from "sharp";
import { DEFAULT_IMAGE_LIMITS, decodeImage } from "../../src/identity/image/decode.ts";
import { ImageError } from "../../src/identity/image/errors.ts";
import { detectImageFormat, isStructurallyComplete } from "../../src/identity/image/format.ts";

// Downscaled copies (longer side 1024) of photos from ../shared/identity/faces-dev, which come from
// the deepface project's unit-test images (MIT licence); img47.jpg is kept a WebP named .jpg.
const DEV = new URL("./fixtures", import.meta.url).pathname;
const jpeg = new Uint8Array(readFileSync(`${DEV}/img1.jpg`));
const webpNamedJpg = new Uint8Array(readFileSync(`${DEV}/img47.jpg`));
const png = new Uint8Array(await sharp(jpeg).resize(200).png().toBuffer());

/** A valid PNG header (correct CRC) claiming the given size, followed by an empty IDAT and IEND. */
function pngClaiming(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return new Uint8Array(
    Buffer.concat([
      sig,
      chunk("IHDR", ihdr),
      chunk("IDAT", new Uint8Array(0)),
      chunk("IEND", new Uint8Array(0)),
    ]),
  );
}

async function decodeError(bytes: Uint8Array, limits = DEFAULT_IMAGE_LIMITS): Promise<ImageError> {
  try {
    await decodeImage(bytes, { maxSide: 800, limits });
  } catch (e) {
    assert.ok(e instanceof ImageError, `expected ImageError, got ${e}`);
    return e;
  }
  assert.fail("decodeImage accepted the input");
}

describe("format detection from bytes", () => {
  it("recognises JPEG, PNG and WebP by their magic bytes, whatever the file name", () => {
    assert.equal(detectImageFormat(jpeg), "jpeg");
    assert.equal(detectImageFormat(png), "png");
    assert.equal(detectImageFormat(webpNamedJpg), "webp");
  });

  it("rejects garbage, text, other formats and empty input", () => {
    assert.equal(detectImageFormat(new Uint8Array(0)), null);
    assert.equal(detectImageFormat(new TextEncoder().encode("<html>not an image</html>")), null);
    assert.equal(detectImageFormat(new TextEncoder().encode("GIF89a......")), null);
    assert.equal(detectImageFormat(crypto.getRandomValues(new Uint8Array(256)).fill(0, 0, 4)), null);
    // A RIFF container that is not WebP (a WAVE file header).
    assert.equal(detectImageFormat(new TextEncoder().encode("RIFF\x24\x00\x00\x00WAVEfmt ")), null);
    // Only the first two JPEG bytes.
    assert.equal(detectImageFormat(new Uint8Array([0xff, 0xd8])), null);
  });

  it("tells complete containers from truncated ones", () => {
    assert.equal(isStructurallyComplete(jpeg, "jpeg"), true);
    assert.equal(isStructurallyComplete(jpeg.subarray(0, jpeg.length >> 1), "jpeg"), false);
    assert.equal(isStructurallyComplete(png, "png"), true);
    assert.equal(isStructurallyComplete(png.subarray(0, png.length - 20), "png"), false);
    assert.equal(isStructurallyComplete(webpNamedJpg, "webp"), true);
    assert.equal(isStructurallyComplete(webpNamedJpg.subarray(0, 5000), "webp"), false);
  });
});

describe("decodeImage", () => {
  it("decodes JPEG, PNG and a WebP named .jpg to RGB, downscaled to maxSide", async () => {
    const j = await decodeImage(jpeg, { maxSide: 800 });
    assert.equal(j.format, "jpeg");
    assert.deepEqual([j.width, j.height], [758, 1024]);
    assert.equal(Math.max(j.image.width, j.image.height), 800);
    assert.equal(j.image.data.length, j.image.width * j.image.height * 3);
    const w = await decodeImage(webpNamedJpg, { maxSide: 800 });
    assert.equal(w.format, "webp");
    assert.deepEqual([w.width, w.height], [768, 1024]);
    const p = await decodeImage(png, { maxSide: 800 });
    assert.equal(p.format, "png");
    assert.equal(p.image.width, 200); // never enlarged
  });

  it("gives typed errors for empty, non-image and truncated input", async () => {
    assert.equal((await decodeError(new Uint8Array(0))).code, "empty");
    const text = await decodeError(new TextEncoder().encode("%PDF-1.7 definitely not a photo"));
    assert.equal(text.code, "unsupported_format");
    assert.match(text.message, /not a JPEG, PNG or WebP/);
    for (const [bytes, name] of [
      [jpeg.subarray(0, 30000), "jpeg"],
      [webpNamedJpg.subarray(0, 3000), "webp"],
      [png.subarray(0, png.length >> 1), "png"],
    ] as const) {
      const e = await decodeError(bytes);
      assert.equal(e.code, "truncated", name);
      assert.match(e.message, new RegExp(`${name} image is truncated`));
    }
  });

  it("reports decode_failed for complete-looking containers with a corrupt body", async () => {
    const noise = crypto.getRandomValues(new Uint8Array(4000)).map((x) => (x === 0xff ? 0 : x));
    const iend = [0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82];
    const fakePng = new Uint8Array([...png.subarray(0, 8), ...noise, ...iend]);
    const fakeWebp = new Uint8Array([
      ...new TextEncoder().encode("RIFF"),
      // RIFF size = 4 ("WEBP") + 4000, little-endian
      0xa4,
      0x0f,
      0,
      0,
      ...new TextEncoder().encode("WEBP"),
      ...noise,
    ]);
    // A JPEG whose segments are well-formed but whose frame header is not: SOF0 declaring 0×0 pixels.
    const sof = [0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x11, 0x00];
    const badJpeg = new Uint8Array([0xff, 0xd8, ...sof, 0xff, 0xd9]);
    for (const [bytes, name] of [
      [fakePng, "png"],
      [fakeWebp, "webp"],
      [badJpeg, "jpeg"],
    ] as const) {
      const e = await decodeError(bytes);
      assert.equal(e.code, "decode_failed", name);
      assert.match(e.message, new RegExp(`^${name} `));
    }
  });

  it("refuses images over the byte limit and over the pixel limit before decoding them", async () => {
    const bytes = await decodeError(jpeg, { maxBytes: 100_000, maxPixels: 50_000_000 });
    assert.equal(bytes.code, "too_large");
    assert.match(bytes.message, /bytes; the limit is 100000/);
    // 30000×30000 claimed in a 57-byte file: a decompression bomb must fail on the header alone.
    const bomb = pngClaiming(30000, 30000);
    assert.ok(bomb.length < 100);
    const huge = await decodeError(bomb);
    assert.equal(huge.code, "too_large");
    assert.match(huge.message, /30000×30000/);
  });
});
