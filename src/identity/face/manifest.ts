// The face pipeline's identity for score attestations: SHA-256 of every model file, of the feature
// code and of the decision parameters, folded into one hash. Validators whose hashes differ are not
// scoring with the same pipeline, and a model or threshold change shows up as a new hash that
// governance has to approve.

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { CHIP_PADDING, CHIP_SIZE } from "./align.ts";
import { MODEL_DIR, MODEL_FILES } from "./models.ts";
import {
  MIN_DETECTION_SCORE,
  MIN_FACE_WIDTH,
  MIN_SHARPNESS,
  SECOND_FACE_MIN_RATIO,
  WORK_MAX_SIDE,
} from "./pipeline.ts";
import { MATCH_THRESHOLD } from "./verify.ts";

/** Source files whose behaviour decides a result (relative to src/identity/). */
export const FEATURE_CODE = [
  "face/align.ts",
  "face/blur.ts",
  "face/pipeline.ts",
  "face/verify.ts",
  "image/decode.ts",
  "image/format.ts",
] as const;

export interface PipelineManifest {
  params: Record<string, number | string | boolean>;
  models: Record<string, string>;
  code: Record<string, string>;
  /** SHA-256 over the canonical JSON of params, models and code. */
  hash: string;
}

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

export async function facePipelineManifest(): Promise<PipelineManifest> {
  const params = {
    detector: "ssd_mobilenetv1",
    descriptor: "face_recognition (dlib resnet 128-d)",
    alignment: "dlib similarity chip",
    chipSize: CHIP_SIZE,
    chipPadding: CHIP_PADDING,
    mirrorAveraging: true,
    workMaxSide: WORK_MAX_SIDE,
    minDetectionScore: MIN_DETECTION_SCORE,
    secondFaceMinRatio: SECOND_FACE_MIN_RATIO,
    minFaceWidth: MIN_FACE_WIDTH,
    minSharpness: MIN_SHARPNESS,
    matchThreshold: MATCH_THRESHOLD,
  };
  const models: Record<string, string> = {};
  for (const f of MODEL_FILES) models[f] = sha256(await readFile(join(MODEL_DIR, f)));
  const code: Record<string, string> = {};
  for (const f of FEATURE_CODE) code[f] = sha256(await readFile(new URL(`../${f}`, import.meta.url)));
  const hash = sha256(JSON.stringify({ params, models, code }));
  return { params, models, code, hash };
}
