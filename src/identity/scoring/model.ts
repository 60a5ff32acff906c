// The score model: a two-layer TensorFlow.js network from the 13 model inputs (features.ts) to
// 0–100. Hidden layer ReLU, output sigmoid × 100. Every kernel weight is ≥ 0 (training projects
// them after each step, loading refuses anything else), and both activations are non-decreasing,
// so the score is non-decreasing in every input: more evidence never lowers it.
//
// The weights live in models/score/model.json (written by `npm run train:score`); its bytes are
// part of the pipeline hash (pipeline.ts). Whichever TF.js backend the process runs (the scorer
// uses wasm for the face models, training uses cpu) computes the same score to well under 0.01;
// attested scores are whole numbers.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs";
import * as v from "valibot";
import {
  extractFeatures,
  MODEL_INPUTS,
  type ModelInputName,
  modelInputs,
  type RawFeatures,
} from "./features.ts";

export const MODEL_FORMAT = "virtengine-score-model/1";
export const DEFAULT_MODEL_PATH = fileURLToPath(new URL("../../../models/score/model.json", import.meta.url));

const finite = v.pipe(v.number(), v.finite());
const modelFileSchema = v.object({
  format: v.literal(MODEL_FORMAT),
  inputs: v.array(v.string()),
  hidden: v.object({ kernel: v.array(v.array(finite)), bias: v.array(finite) }),
  output: v.object({ kernel: v.array(v.array(finite)), bias: v.array(finite) }),
  training: v.record(v.string(), v.unknown()),
});
export type ScoreModelFile = v.InferOutput<typeof modelFileSchema>;

export class ScoreModelError extends Error {
  override name = "ScoreModelError";
}

export interface ScoreModel {
  path: string;
  file: ScoreModelFile;
  w1: tf.Tensor2D;
  b1: tf.Tensor1D;
  w2: tf.Tensor2D;
  b2: tf.Tensor1D;
}

/** Hidden ReLU, output sigmoid, × 100. Shared by training (on variables) and scoring. */
export function forward(
  x: tf.Tensor2D,
  w1: tf.Tensor2D,
  b1: tf.Tensor1D,
  w2: tf.Tensor2D,
  b2: tf.Tensor1D,
): tf.Tensor2D {
  return tf.sigmoid(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2)).mul(100) as tf.Tensor2D;
}

/** Checks a parsed model file: shapes agree with MODEL_INPUTS and every kernel weight is ≥ 0. */
export function checkModelFile(json: unknown, where = "model file"): ScoreModelFile {
  const r = v.safeParse(modelFileSchema, json);
  if (!r.success)
    throw new ScoreModelError(`${where}: ${v.getDotPath(r.issues[0]) ?? "root"}: ${r.issues[0].message}`);
  const m = r.output;
  if (m.inputs.join(",") !== MODEL_INPUTS.join(","))
    throw new ScoreModelError(`${where}: inputs differ from the feature code's (${MODEL_INPUTS.join(", ")})`);
  const hidden = m.hidden.bias.length;
  if (
    hidden < 1 ||
    m.hidden.kernel.length !== MODEL_INPUTS.length ||
    m.hidden.kernel.some((row) => row.length !== hidden)
  ) {
    throw new ScoreModelError(`${where}: hidden.kernel must be ${MODEL_INPUTS.length}×${hidden}`);
  }
  if (
    m.output.kernel.length !== hidden ||
    m.output.kernel.some((row) => row.length !== 1) ||
    m.output.bias.length !== 1
  ) {
    throw new ScoreModelError(`${where}: output.kernel must be ${hidden}×1 with one bias`);
  }
  for (const [name, k] of [
    ["hidden.kernel", m.hidden.kernel],
    ["output.kernel", m.output.kernel],
  ] as const) {
    if (k.some((row) => row.some((x) => x < 0)))
      throw new ScoreModelError(`${where}: ${name} has a negative weight (the score would not be monotone)`);
  }
  return m;
}

export function modelFromFile(file: ScoreModelFile, path = "(memory)"): ScoreModel {
  return {
    path,
    file,
    w1: tf.tensor2d(file.hidden.kernel),
    b1: tf.tensor1d(file.hidden.bias),
    w2: tf.tensor2d(file.output.kernel),
    b2: tf.tensor1d(file.output.bias),
  };
}

const cache = new Map<string, ScoreModel>();

/** Loads (once per path) and checks the weights file. */
export async function loadScoreModel(path = DEFAULT_MODEL_PATH): Promise<ScoreModel> {
  await tf.ready();
  const hit = cache.get(path);
  if (hit) return hit;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ScoreModelError(`cannot read the score model ${path}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ScoreModelError(`${path}: not JSON (${(e as Error).message})`);
  }
  const m = modelFromFile(checkModelFile(json, path), path);
  cache.set(path, m);
  return m;
}

/** Scores (0–100, unrounded) of model input vectors; each vector is checked. */
export function scoreInputs(model: ScoreModel, inputs: number[][]): number[] {
  for (const [i, x] of inputs.entries()) {
    if (!Array.isArray(x) || x.length !== MODEL_INPUTS.length)
      throw new ScoreModelError(`inputs[${i}]: expected ${MODEL_INPUTS.length} numbers`);
    for (const [j, val] of x.entries()) {
      if (typeof val !== "number" || !Number.isFinite(val) || val < 0 || val > 1) {
        throw new ScoreModelError(
          `inputs[${i}].${MODEL_INPUTS[j]}: must be a number in [0, 1], got ${String(val)}`,
        );
      }
    }
  }
  if (inputs.length === 0) return [];
  return tf.tidy(() =>
    Array.from(
      forward(
        tf.tensor2d(inputs, [inputs.length, MODEL_INPUTS.length]),
        model.w1,
        model.b1,
        model.w2,
        model.b2,
      ).dataSync(),
    ),
  );
}

/** Scores raw feature objects (checked: a missing or non-finite feature throws a FeatureError naming it). */
export function scoreRaw(model: ScoreModel, raws: unknown[]): number[] {
  return scoreInputs(
    model,
    raws.map((r) => modelInputs(r)),
  );
}

export interface Reason {
  input: ModelInputName;
  /** Score points this input adds over an account with no evidence for it (0.1 precision). */
  points: number;
}

export interface AccountScore {
  /** The attested score: a whole number 0–100. */
  score: number;
  raw: RawFeatures;
  /** Which inputs moved the score, largest first: kept off chain. */
  reasons: Reason[];
}

/** Input values of an account with no evidence at all (what each input is compared against). */
export const BASELINE_INPUTS: readonly number[] = modelInputs(
  extractFeatures(
    { account: "0".repeat(32), scopes: [], totp: null, attestations: [], sessions: [] },
    new Date(0),
  ),
);

/** Score of one account's signal rows at `now`, with per-input reasons (leave-one-out against the baseline). */
export function scoreAccount(model: ScoreModel, rows: unknown, now: Date): AccountScore {
  const raw = extractFeatures(rows, now);
  const x = modelInputs(raw);
  const variants = [
    x,
    ...MODEL_INPUTS.map((_, i) => x.map((val, j) => (j === i ? BASELINE_INPUTS[i]! : val))),
  ];
  const [full, ...without] = scoreInputs(model, variants);
  const reasons = MODEL_INPUTS.map((input, i) => ({
    input,
    points: Math.round((full! - without[i]!) * 10) / 10,
  }))
    .filter((r) => r.points !== 0)
    .sort((a, b) => Math.abs(b.points) - Math.abs(a.points) || a.input.localeCompare(b.input));
  return { score: Math.round(full!), raw, reasons };
}
