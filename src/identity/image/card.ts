// Composes a synthetic ID-card image from a photo, for evaluating document-photo vs selfie matching
// without real identity documents. It reproduces what makes a document photo hard: the portrait is
// a small part of a busy card, it was printed at low resolution (a 130×163 px copy re-encoded as a
// quality-40 JPEG, then enlarged ×2 as printing and re-photographing do), and the whole card is
// JPEG-compressed again, as a camera upload would be.

import sharp from "sharp";
import type { RgbImage } from "./decode.ts";
import { GLYPH_HEIGHT, GLYPH_WIDTH, glyph } from "./font5x7.ts";

export const CARD_WIDTH = 1012; // ISO/IEC 7810 ID-1 (85.6 × 54 mm) at 300 dpi
export const CARD_HEIGHT = 638;
const PHOTO_SMALL = { width: 130, height: 163 };
const PHOTO_X = 48;
const PHOTO_Y = 130;

export interface CardFields {
  surname: string;
  givenNames: string;
  documentNumber: string;
  dateOfBirth: string; // printed as given, e.g. "1990-01-31"
  expiry: string;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Renders the card. `faceBox` is the face in the photo's (EXIF-oriented) pixel coordinates; the
 * portrait is cut around it with the head-and-shoulders framing of passport photos.
 */
export async function renderIdCard(photo: Uint8Array, faceBox: Box, fields: CardFields): Promise<Uint8Array> {
  const portrait = await lowQualityPortrait(photo, faceBox);
  const card = blankCard();
  paste(card, portrait, PHOTO_X, PHOTO_Y);
  drawText(card, "IDENTITY CARD", 330, 36, 4, [255, 255, 255]);
  const rows: [string, string][] = [
    ["SURNAME", fields.surname],
    ["GIVEN NAMES", fields.givenNames],
    ["DATE OF BIRTH", fields.dateOfBirth],
    ["DOCUMENT NO", fields.documentNumber],
    ["EXPIRY", fields.expiry],
  ];
  rows.forEach(([label, value], i) => {
    drawText(card, label, 360, 132 + i * 66, 2, [70, 80, 110]);
    drawText(card, value, 360, 152 + i * 66, 3, [20, 20, 30]);
  });
  const mrz1 = `IDVEX${fields.documentNumber}<<<<<<<<<<<<<<<<<<<<<<<<<`.slice(0, 30);
  const mrz2 = `${fields.surname}<<${fields.givenNames}<<<<<<<<<<<<<<<<<<<<<<<<<<<<<`
    .replace(/ /g, "<")
    .slice(0, 30);
  drawText(card, mrz1, 40, 520, 3, [30, 30, 30]);
  drawText(card, mrz2, 40, 570, 3, [30, 30, 30]);
  return new Uint8Array(
    await sharp(card.data, { raw: { width: card.width, height: card.height, channels: 3 } })
      .jpeg({ quality: 75 })
      .toBuffer(),
  );
}

async function lowQualityPortrait(photo: Uint8Array, face: Box): Promise<RgbImage> {
  const oriented = sharp(photo, { limitInputPixels: false }).rotate();
  const meta = await sharp(photo, { limitInputPixels: false }).metadata();
  // EXIF orientations 5–8 swap width and height; the face box is in oriented coordinates.
  const swapped = (meta.orientation ?? 1) >= 5;
  const iw = (swapped ? meta.height : meta.width) ?? 0;
  const ih = (swapped ? meta.width : meta.height) ?? 0;
  // Head-and-shoulders framing: face width is about 55% of the portrait width, eyes in the upper half.
  const w = face.width / 0.55;
  const h = w * (PHOTO_SMALL.height / PHOTO_SMALL.width);
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height * 0.55;
  const left = Math.max(0, Math.round(cx - w / 2));
  const top = Math.max(0, Math.round(cy - h / 2));
  const width = Math.max(1, Math.min(iw - left, Math.round(w)));
  const height = Math.max(1, Math.min(ih - top, Math.round(h)));
  const small = await oriented
    .extract({ left, top, width, height })
    .resize(PHOTO_SMALL.width, PHOTO_SMALL.height, { fit: "cover" })
    .removeAlpha()
    .jpeg({ quality: 40 })
    .toBuffer();
  const { data, info } = await sharp(small)
    .resize(PHOTO_SMALL.width * 2, PHOTO_SMALL.height * 2)
    .removeAlpha()
    .toColourspace("srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

function blankCard(): RgbImage {
  const { width: w, height: h } = { width: CARD_WIDTH, height: CARD_HEIGHT };
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      if (y < 100) {
        // Header band.
        data[o] = 40;
        data[o + 1] = 70;
        data[o + 2] = 130;
        continue;
      }
      // Pale background with a guilloche-like wave pattern, as security printing has.
      const wave = Math.sin(x / 23 + 6 * Math.sin(y / 41)) * Math.cos(y / 17 - x / 97);
      const line = Math.abs(wave) < 0.06 ? 22 : 0;
      data[o] = 228 - line;
      data[o + 1] = 236 - line;
      data[o + 2] = 226 - line / 2;
    }
  }
  return { width: w, height: h, data };
}

function paste(dst: RgbImage, src: RgbImage, x0: number, y0: number): void {
  for (let y = 0; y < src.height; y++) {
    const dy = y0 + y;
    if (dy < 0 || dy >= dst.height) continue;
    for (let x = 0; x < src.width; x++) {
      const dx = x0 + x;
      if (dx < 0 || dx >= dst.width) continue;
      const s = (y * src.width + x) * 3;
      const d = (dy * dst.width + dx) * 3;
      dst.data[d] = src.data[s]!;
      dst.data[d + 1] = src.data[s + 1]!;
      dst.data[d + 2] = src.data[s + 2]!;
    }
  }
}

function drawText(img: RgbImage, text: string, x0: number, y0: number, scale: number, rgb: number[]): void {
  let cx = x0;
  for (const ch of text) {
    const cols = glyph(ch);
    for (let col = 0; col < GLYPH_WIDTH; col++) {
      for (let row = 0; row < GLYPH_HEIGHT; row++) {
        if (!((cols[col]! >> row) & 1)) continue;
        for (let sy = 0; sy < scale; sy++) {
          for (let sx = 0; sx < scale; sx++) {
            const x = cx + col * scale + sx;
            const y = y0 + row * scale + sy;
            if (x < 0 || y < 0 || x >= img.width || y >= img.height) continue;
            const o = (y * img.width + x) * 3;
            img.data[o] = rgb[0]!;
            img.data[o + 1] = rgb[1]!;
            img.data[o + 2] = rgb[2]!;
          }
        }
      }
    }
    cx += (GLYPH_WIDTH + 1) * scale;
  }
}
