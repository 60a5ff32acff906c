// One image in, one face descriptor out, or a typed reason why not.
//
// Steps: decode (format from bytes, limits) → downscale to WORK_MAX_SIDE → SSD MobileNet v1 faces →
// exactly one real face → 68 landmarks → dlib-style aligned 150×150 chip → sharpness check →
// 128-d descriptor of the chip averaged with that of its mirror image.

import { decodeImage, type ImageLimits, type RgbImage } from "../image/decode.ts";
import { ImageError, type ImageErrorCode } from "../image/errors.ts";
import { CHIP_SIZE, chipTransform, extractChip, type Point } from "./align.ts";
import { laplacianVariance } from "./blur.ts";
import { loadFaceModels } from "./models.ts";

export type FaceRejectReason =
  | ImageErrorCode
  | "no_face"
  | "several_faces"
  | "face_too_small"
  | "too_blurred";

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export type FaceAnalysis =
  | {
      ok: true;
      descriptor: Float32Array;
      /** Face box in the uploaded image's pixel coordinates (after EXIF orientation). */
      box: FaceBox;
      score: number;
      sharpness: number;
    }
  | { ok: false; reason: FaceRejectReason; message: string };

export interface FaceOptions {
  limits?: ImageLimits;
  /** "similarity": dlib's landmark-fitted chip (default). "box": face-api's axis-aligned crop. */
  alignment?: "similarity" | "box";
  /** Average the descriptor with that of the mirrored chip (default true). */
  mirror?: boolean;
  /** Longer side of the working copy (default WORK_MAX_SIDE). */
  workMaxSide?: number;
}

// Detection runs on a copy whose longer side is at most this. SSD MobileNet v1 sees a 512×512 input
// whatever it is given, and a face that is a sensible part of a selfie or a document photo stays well
// above the 150-px chip at this size, so more pixels only cost decode and tensor time.
export const WORK_MAX_SIDE = 800;
// face-api's default SSD confidence; below it detections are mostly texture.
export const MIN_DETECTION_SCORE = 0.5;
// A second detection counts as another person when it is at least this fraction of the main face's
// width: a person beside or just behind the subject is, a face on a poster far behind is not.
export const SECOND_FACE_MIN_RATIO = 0.4;
// Faces narrower than this (in the upload's pixels) carry too little detail for the 150-px chip
// (whose face region is about 100 px).
export const MIN_FACE_WIDTH = 64;
// Variance of the Laplacian on the aligned chip below which the face is too blurred to compare.
export const MIN_SHARPNESS = 15;

function reject(reason: FaceRejectReason, message: string): FaceAnalysis {
  return { ok: false, reason, message };
}

export async function analyzeFace(bytes: Uint8Array, opts: FaceOptions = {}): Promise<FaceAnalysis> {
  const faceapi = await loadFaceModels();
  const tf = faceapi.tf;
  let decoded: Awaited<ReturnType<typeof decodeImage>>;
  try {
    decoded = await decodeImage(bytes, { maxSide: opts.workMaxSide ?? WORK_MAX_SIDE, limits: opts.limits });
  } catch (e) {
    if (e instanceof ImageError) return reject(e.code, e.message);
    throw e;
  }
  const img = decoded.image;
  const toUpload = decoded.width / img.width; // work-image px → upload px

  const input = tf.tensor3d(img.data, [img.height, img.width, 3], "int32");
  let found: Awaited<ReturnType<typeof detect>>;
  try {
    found = await detect(faceapi, input);
  } finally {
    input.dispose();
  }
  if (found.length === 0) return reject("no_face", "no face found in the image");

  const { main, others } = selectFace(found, (f) => f.detection.box.width);
  if (others.length > 0) {
    return reject(
      "several_faces",
      `${others.length + 1} faces found; the image must show exactly one person`,
    );
  }
  const b = main.detection.box;
  const box = {
    x: b.x * toUpload,
    y: b.y * toUpload,
    width: b.width * toUpload,
    height: b.height * toUpload,
  };
  if (box.width < MIN_FACE_WIDTH) {
    return reject(
      "face_too_small",
      `face is ${Math.round(box.width)} px wide; at least ${MIN_FACE_WIDTH} px needed`,
    );
  }

  const landmarks: Point[] = main.landmarks.positions.map((p) => ({ x: p.x, y: p.y }));
  const chip = extractChip(img, chipTransform(landmarks));
  const sharpness = laplacianVariance(chip, CHIP_SIZE);
  if (sharpness < MIN_SHARPNESS) {
    return reject(
      "too_blurred",
      `face is too blurred (sharpness ${sharpness.toFixed(1)}, at least ${MIN_SHARPNESS} needed)`,
    );
  }

  const chips =
    (opts.alignment ?? "similarity") === "similarity"
      ? [
          chip,
          ...((opts.mirror ?? true) ? [extractChip(img, chipTransform(landmarks), CHIP_SIZE, true)] : []),
        ]
      : boxChips(img, main.landmarks, opts.mirror ?? true);
  const descriptor = await describe(faceapi, chips);
  return { ok: true, descriptor, box, score: main.detection.score, sharpness };
}

type Api = Awaited<ReturnType<typeof loadFaceModels>>;

async function detect(faceapi: Api, input: ReturnType<Api["tf"]["tensor3d"]>) {
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence: MIN_DETECTION_SCORE, maxResults: 20 });
  return faceapi.detectAllFaces(input, options).withFaceLandmarks();
}

/** face-api's own crop: the axis-aligned box of its dlib-like alignment, resized to 150×150. */
function boxChips(
  img: RgbImage,
  landmarks: { align: Api["FaceLandmarks68"]["prototype"]["align"] },
  mirror: boolean,
) {
  const r = landmarks.align(null, { useDlibAlignment: true });
  const s = Math.max(r.width, r.height) / CHIP_SIZE;
  const t = { a: s, b: 0, tx: r.x, ty: r.y };
  return [extractChip(img, t), ...(mirror ? [extractChip(img, t, CHIP_SIZE, true)] : [])];
}

/** Mean of the descriptors of the chips (an original and optionally its mirror image). */
async function describe(faceapi: Api, chips: Uint8Array[]): Promise<Float32Array> {
  const tf = faceapi.tf;
  const tensors = chips.map((c) => tf.tensor3d(c, [CHIP_SIZE, CHIP_SIZE, 3], "int32"));
  try {
    const out = await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(
      tensors.length === 1 ? tensors[0]! : tensors,
    );
    const list = Array.isArray(out) ? out : [out];
    const mean = new Float32Array(128);
    for (const d of list) for (let i = 0; i < 128; i++) mean[i]! += d[i]! / list.length;
    return mean;
  } finally {
    for (const t of tensors) t.dispose();
  }
}

/**
 * The subject is the widest face; any other face at least SECOND_FACE_MIN_RATIO of its width is
 * another person in the picture. Smaller ones (a poster, a passer-by far behind) are ignored.
 */
export function selectFace<T>(faces: T[], width: (f: T) => number): { main: T; others: T[] } {
  const sorted = [...faces].sort((p, q) => width(q) - width(p));
  const main = sorted[0]!;
  return { main, others: sorted.slice(1).filter((f) => width(f) >= SECOND_FACE_MIN_RATIO * width(main)) };
}
