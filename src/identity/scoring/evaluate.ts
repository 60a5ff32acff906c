// Evaluation of the score model on the held-out part of the synthetic set (npm run eval:score).
import { MODEL_INPUTS } from "./features.ts";
import { type ScoreModel, scoreInputs } from "./model.ts";
import { isTest, syntheticAccounts } from "./synthetic.ts";

/** Score bands used to report agreement: below 40 unverified, 40–69 partial, 70+ verified. */
export const SCORE_BANDS = [40, 70] as const;
/** The pass mark used for the "accuracy" figure (a score at or above it counts as verified). */
export const PASS_MARK = 50;

const band = (s: number) => SCORE_BANDS.filter((b) => s >= b).length;

export interface Bucket {
  from: number;
  to: number;
  n: number;
  meanScore: number;
  meanLabel: number;
}

export interface Evaluation {
  n: number;
  mae: number;
  maeRule: number;
  rmse: number;
  accuracy: number;
  bandAccuracy: number;
  buckets: Bucket[];
  maxCalibrationGap: number;
  monotoneViolations: number;
  monotoneChecks: number;
  byArchetype: Record<string, { n: number; meanScore: number; meanLabel: number }>;
}

export function evaluateScoreModel(model: ScoreModel, seed: number, samples: number): Evaluation {
  const test = syntheticAccounts(seed, samples).filter((_, i) => isTest(i));
  const scores = scoreInputs(
    model,
    test.map((a) => a.inputs),
  );
  let abs = 0;
  let absRule = 0;
  let sq = 0;
  let pass = 0;
  let bands = 0;
  for (const [i, a] of test.entries()) {
    const s = scores[i]!;
    abs += Math.abs(s - a.label);
    absRule += Math.abs(s - a.rule);
    sq += (s - a.label) ** 2;
    if (s >= PASS_MARK === a.label >= PASS_MARK) pass++;
    if (band(s) === band(a.label)) bands++;
  }
  const buckets: Bucket[] = [];
  for (let from = 0; from < 100; from += 10) {
    const idx = scores.flatMap((s, i) =>
      s >= from && (s < from + 10 || (from === 90 && s <= 100)) ? [i] : [],
    );
    if (idx.length === 0) continue;
    const mean = (f: (i: number) => number) => idx.reduce((t, i) => t + f(i), 0) / idx.length;
    buckets.push({
      from,
      to: from + 10,
      n: idx.length,
      meanScore: mean((i) => scores[i]!),
      meanLabel: mean((i) => test[i]!.label),
    });
  }
  // Monotonicity over the held-out accounts: raising any one input to its maximum never lowers the score.
  const raised = test.flatMap((a) => MODEL_INPUTS.map((_, j) => a.inputs.map((x, k) => (k === j ? 1 : x))));
  const raisedScores = scoreInputs(model, raised);
  let violations = 0;
  for (let i = 0; i < raised.length; i++)
    if (raisedScores[i]! < scores[Math.floor(i / MODEL_INPUTS.length)]! - 1e-4) violations++;
  const byArchetype: Evaluation["byArchetype"] = {};
  for (const [i, a] of test.entries()) {
    byArchetype[a.archetype] ??= { n: 0, meanScore: 0, meanLabel: 0 };
    const e = byArchetype[a.archetype]!;
    e.n++;
    e.meanScore += (scores[i]! - e.meanScore) / e.n;
    e.meanLabel += (a.label - e.meanLabel) / e.n;
  }
  return {
    n: test.length,
    mae: abs / test.length,
    maeRule: absRule / test.length,
    rmse: Math.sqrt(sq / test.length),
    accuracy: pass / test.length,
    bandAccuracy: bands / test.length,
    buckets,
    maxCalibrationGap: Math.max(...buckets.map((b) => Math.abs(b.meanScore - b.meanLabel))),
    monotoneViolations: violations,
    monotoneChecks: raised.length,
    byArchetype,
  };
}
