// The scoring pipeline's name for attestations: a version label and one SHA-256 over everything
// that decides a score: the model weights file, the thresholds, the feature and model code, and
// the face pipeline (whose distance is an input). Two validators with the same hash score alike; a
// change of weights, threshold or feature code is a new hash that governance has to approve in the
// x/veid params before attestations carrying it count.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { facePipelineManifest } from "../face/manifest.ts";
import { FEATURE_THRESHOLDS } from "./features.ts";
import { DEFAULT_MODEL_PATH } from "./model.ts";

export const SCORE_PIPELINE_VERSION = "score-v1";

/** Source files (relative to this directory) whose behaviour decides a score. */
export const SCORE_CODE = ["features.ts", "model.ts"] as const;

export interface PipelineVersion {
  version: string;
  /** Hex SHA-256 over the canonical JSON of the parts below. */
  hash: string;
  parts: { model: string; thresholds: typeof FEATURE_THRESHOLDS; code: Record<string, string>; face: string };
}

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

/** The pipeline in use; `modelPath` names another weights file (evaluation, tests). */
export async function pipelineVersion(opts: { modelPath?: string } = {}): Promise<PipelineVersion> {
  const model = sha256(await readFile(opts.modelPath ?? DEFAULT_MODEL_PATH));
  const code: Record<string, string> = {};
  for (const f of SCORE_CODE) code[f] = sha256(await readFile(new URL(f, import.meta.url)));
  const face = (await facePipelineManifest()).hash;
  const parts = { model, thresholds: FEATURE_THRESHOLDS, code, face };
  return {
    version: SCORE_PIPELINE_VERSION,
    hash: sha256(JSON.stringify({ version: SCORE_PIPELINE_VERSION, ...parts })),
    parts,
  };
}
