// Face chip extraction the way dlib prepared the training data of the descriptor net.
//
// The 128-d recognition net is a port of dlib's dlib_face_recognition_resnet_model_v1, which was
// trained on 150×150 "face chips" cut by get_face_chip_details(shape, 150, 0.25): a similarity
// transform (rotation + uniform scale + shift) fitted by least squares from 68 detected landmarks to
// dlib's mean face shape. face-api's own path only crops an axis-aligned box around the eyes and
// mouth, so a tilted head reaches the net tilted. Matching the training preprocessing is the
// principled choice; the dev-set measurement is in README.md.

import type { RgbImage } from "../image/decode.ts";

export interface Point {
  x: number;
  y: number;
}

// dlib/image_transforms/interpolation.h, get_face_chip_details(): mean positions of landmarks 17–67
// (iBUG 300-W order) in a unit square. Of these, dlib fits on points 27–54 and 60–64: the eyebrows
// and the lower lip move with expression and are left out.
const MEAN_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004,
  0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122,
  0.265825, 0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
  0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532,
  0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
const MEAN_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454,
  0.203352, 0.307009, 0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423,
  0.178758, 0.179852, 0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077,
  0.245099, 0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192,
  0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803,
  0.824182,
];

export const CHIP_SIZE = 150;
export const CHIP_PADDING = 0.25;

/** x' = a·x − b·y + tx, y' = b·x + a·y + ty: maps chip coordinates to image coordinates. */
export interface Similarity {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

/** Least-squares similarity transform taking `from[i]` to `to[i]` (Umeyama's closed form in 2-D). */
export function fitSimilarity(from: Point[], to: Point[]): Similarity {
  const n = from.length;
  let fx = 0;
  let fy = 0;
  let tx = 0;
  let ty = 0;
  for (let i = 0; i < n; i++) {
    fx += from[i]!.x;
    fy += from[i]!.y;
    tx += to[i]!.x;
    ty += to[i]!.y;
  }
  fx /= n;
  fy /= n;
  tx /= n;
  ty /= n;
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const px = from[i]!.x - fx;
    const py = from[i]!.y - fy;
    const qx = to[i]!.x - tx;
    const qy = to[i]!.y - ty;
    dot += px * qx + py * qy;
    cross += px * qy - py * qx;
    norm += px * px + py * py;
  }
  const a = dot / norm;
  const b = cross / norm;
  return { a, b, tx: tx - (a * fx - b * fy), ty: ty - (b * fx + a * fy) };
}

/** The chip-to-image transform for 68 landmarks (image coordinates), as dlib computes it. */
export function chipTransform(landmarks: Point[], size = CHIP_SIZE, padding = CHIP_PADDING): Similarity {
  const from: Point[] = [];
  const to: Point[] = [];
  for (let i = 17; i < 68; i++) {
    if ((i >= 55 && i <= 59) || (i >= 65 && i <= 67) || i <= 26) continue;
    from.push({
      x: ((padding + MEAN_X[i - 17]!) / (2 * padding + 1)) * size,
      y: ((padding + MEAN_Y[i - 17]!) / (2 * padding + 1)) * size,
    });
    to.push(landmarks[i]!);
  }
  return fitSimilarity(from, to);
}

/**
 * Samples a size×size RGB chip through the transform. Bilinear, with k×k supersampling when the
 * chip is much smaller than the face in the image (plain bilinear would alias). Outside the image
 * is black, as in dlib's extract_image_chip.
 */
export function extractChip(img: RgbImage, t: Similarity, size = CHIP_SIZE, mirror = false): Uint8Array {
  const out = new Uint8Array(size * size * 3);
  const scale = Math.hypot(t.a, t.b);
  const k = Math.min(8, Math.max(1, Math.ceil(scale)));
  const kk = k * k;
  const { width: w, height: h, data } = img;
  const px = (xx: number, yy: number, c: number): number =>
    xx < 0 || yy < 0 || xx >= w || yy >= h ? 0 : data[(yy * w + xx) * 3 + c]!;
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      let r = 0;
      let g = 0;
      let bl = 0;
      for (let sy = 0; sy < k; sy++) {
        const cv = v + (sy + 0.5) / k - 0.5;
        for (let sx = 0; sx < k; sx++) {
          const cu = u + (sx + 0.5) / k - 0.5;
          const x = t.a * cu - t.b * cv + t.tx;
          const y = t.b * cu + t.a * cv + t.ty;
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const dx = x - x0;
          const dy = y - y0;
          const w00 = (1 - dx) * (1 - dy);
          const w10 = dx * (1 - dy);
          const w01 = (1 - dx) * dy;
          const w11 = dx * dy;
          if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {
            // Fast path: all four neighbours inside the image.
            const i00 = (y0 * w + x0) * 3;
            const i01 = i00 + w * 3;
            r += data[i00]! * w00 + data[i00 + 3]! * w10 + data[i01]! * w01 + data[i01 + 3]! * w11;
            g += data[i00 + 1]! * w00 + data[i00 + 4]! * w10 + data[i01 + 1]! * w01 + data[i01 + 4]! * w11;
            bl += data[i00 + 2]! * w00 + data[i00 + 5]! * w10 + data[i01 + 2]! * w01 + data[i01 + 5]! * w11;
          } else {
            r +=
              px(x0, y0, 0) * w00 +
              px(x0 + 1, y0, 0) * w10 +
              px(x0, y0 + 1, 0) * w01 +
              px(x0 + 1, y0 + 1, 0) * w11;
            g +=
              px(x0, y0, 1) * w00 +
              px(x0 + 1, y0, 1) * w10 +
              px(x0, y0 + 1, 1) * w01 +
              px(x0 + 1, y0 + 1, 1) * w11;
            bl +=
              px(x0, y0, 2) * w00 +
              px(x0 + 1, y0, 2) * w10 +
              px(x0, y0 + 1, 2) * w01 +
              px(x0 + 1, y0 + 1, 2) * w11;
          }
        }
      }
      const o = (v * size + (mirror ? size - 1 - u : u)) * 3;
      out[o] = Math.round(r / kk);
      out[o + 1] = Math.round(g / kk);
      out[o + 2] = Math.round(bl / kk);
    }
  }
  return out;
}
