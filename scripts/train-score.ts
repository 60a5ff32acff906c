// npm run train:score [-- --seed 7 --epochs 120 --out models/score/model.json]: trains the identity
// score model on the synthetic set (src/identity/scoring/synthetic.ts) and writes its weights.
import { writeFileSync } from "node:fs";
import { DEFAULT_MODEL_PATH } from "../src/identity/scoring/model.ts";
import { DEFAULT_TRAINING, type TrainOptions, trainScoreModel } from "../src/identity/scoring/train.ts";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function intArg(name: string, fallback: number): number {
  const raw = arg(name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 2 ** 31) {
    console.error(`train:score: --${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

const opts: TrainOptions = {
  ...DEFAULT_TRAINING,
  seed: intArg("seed", DEFAULT_TRAINING.seed),
  epochs: intArg("epochs", DEFAULT_TRAINING.epochs),
  samples: intArg("samples", DEFAULT_TRAINING.samples),
  log: (l) => console.log(`train:score: ${l}`),
};
const out = arg("out") ?? DEFAULT_MODEL_PATH;
const started = performance.now();
const file = await trainScoreModel(opts);
writeFileSync(out, `${JSON.stringify(file, null, 1)}\n`);
console.log(
  `train:score: wrote ${out} (seed ${opts.seed}, ${opts.samples} accounts, ${opts.epochs} epochs, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
);
