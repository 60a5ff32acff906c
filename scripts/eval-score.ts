// npm run eval:score [-- --model models/score/model.json]: the score model on the held-out fifth of
// its synthetic set (regenerated from the seed recorded in the model file), ending with one
// key=value line.
import { evaluateScoreModel, PASS_MARK, SCORE_BANDS } from "../src/identity/scoring/evaluate.ts";
import { DEFAULT_MODEL_PATH, loadScoreModel } from "../src/identity/scoring/model.ts";
import { pipelineVersion } from "../src/identity/scoring/pipeline.ts";

const i = process.argv.indexOf("--model");
const path = i >= 0 ? process.argv[i + 1] : DEFAULT_MODEL_PATH;
if (!path) {
  console.error("eval:score: --model needs a path");
  process.exit(2);
}
let model: Awaited<ReturnType<typeof loadScoreModel>>;
try {
  model = await loadScoreModel(path);
} catch (e) {
  console.error(`eval:score: ${(e as Error).message}`);
  process.exit(2);
}
const { seed, samples } = model.file.training as { seed: number; samples: number };
if (!Number.isInteger(seed) || !Number.isInteger(samples)) {
  console.error(`eval:score: ${path} does not record its training seed and sample count`);
  process.exit(2);
}
const started = performance.now();
const e = evaluateScoreModel(model, seed, samples);
const ms = performance.now() - started;
const f = (x: number, d = 2) => x.toFixed(d);
const pipeline = await pipelineVersion({ modelPath: path });

console.log(`score model ${path}`);
console.log(`pipeline ${pipeline.version} ${pipeline.hash}`);
console.log(
  `held-out synthetic accounts: ${e.n} (seed ${seed}, every fifth of ${samples}; never trained on)`,
);
console.log("");
console.log(`MAE vs noisy label        ${f(e.mae)} points`);
console.log(`MAE vs noiseless rule     ${f(e.maeRule)} points`);
console.log(`RMSE vs noisy label       ${f(e.rmse)} points`);
console.log(`accuracy at ${PASS_MARK}            ${f(e.accuracy * 100)}% (score and label on the same side)`);
console.log(
  `band accuracy             ${f(e.bandAccuracy * 100)}% (bands <${SCORE_BANDS[0]}, ${SCORE_BANDS[0]}–${SCORE_BANDS[1] - 1}, ≥${SCORE_BANDS[1]})`,
);
console.log(
  `monotonicity              ${e.monotoneViolations} violations in ${e.monotoneChecks} single-input raises`,
);
console.log("");
console.log("calibration by predicted score bucket");
console.log("bucket     n     mean score  mean label  gap");
for (const b of e.buckets) {
  console.log(
    `${`${b.from}–${b.to}`.padEnd(9)}${String(b.n).padStart(5)}     ${f(b.meanScore).padStart(6)}      ${f(b.meanLabel).padStart(6)}   ${f(b.meanScore - b.meanLabel).padStart(6)}`,
  );
}
console.log("");
console.log("by archetype (mean score / mean label)");
for (const [a, s] of Object.entries(e.byArchetype))
  console.log(`${a.padEnd(10)} n=${String(s.n).padStart(4)}  ${f(s.meanScore)} / ${f(s.meanLabel)}`);
console.log("");
console.log(
  `mae=${f(e.mae, 3)} rmse=${f(e.rmse, 3)} accuracy=${f(e.accuracy, 4)} band_accuracy=${f(e.bandAccuracy, 4)} max_calibration_gap=${f(e.maxCalibrationGap, 3)} monotone_violations=${e.monotoneViolations} n=${e.n} ms=${Math.round(ms)}`,
);
