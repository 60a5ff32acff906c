// Training of the score model (npm run train:score): plain mini-batch Adam on the synthetic set
// (synthetic.ts), mean squared error on score/100, kernels projected onto ≥ 0 after every step so
// the score stays monotone. Deterministic: weights start from the seeded stream, batches are
// shuffled by it, and the cpu backend (pure JS, one thread) does the arithmetic, so one seed gives
// bit-identical weights on a given Node and TF.js version.
import * as tf from "@tensorflow/tfjs";
import { MODEL_INPUTS } from "./features.ts";
import { forward, MODEL_FORMAT, type ScoreModelFile } from "./model.ts";
import { isTest, prng, syntheticAccounts } from "./synthetic.ts";

export interface TrainOptions {
  seed: number;
  samples: number;
  epochs: number;
  batch: number;
  hidden: number;
  learningRate: number;
  log?: (line: string) => void;
}

export const DEFAULT_TRAINING: TrainOptions = {
  seed: 7,
  samples: 8000,
  epochs: 120,
  batch: 200,
  hidden: 8,
  learningRate: 0.02,
};

function uniform(rng: () => number, rows: number, cols: number, hi: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng() * hi));
}

export async function trainScoreModel(opts: TrainOptions): Promise<ScoreModelFile> {
  await tf.setBackend("cpu");
  await tf.ready();
  const data = syntheticAccounts(opts.seed, opts.samples);
  const train = data.filter((_, i) => !isTest(i));
  const rng = prng(opts.seed ^ 0x5eed5eed);
  const n = MODEL_INPUTS.length;
  const w1 = tf.variable(tf.tensor2d(uniform(rng, n, opts.hidden, 0.5)));
  const b1 = tf.variable(tf.zeros([opts.hidden]) as tf.Tensor1D);
  const w2 = tf.variable(tf.tensor2d(uniform(rng, opts.hidden, 1, 0.5)));
  const b2 = tf.variable(tf.tensor1d([-2]));
  const optimizer = tf.train.adam(opts.learningRate);
  const order = train.map((_, i) => i);
  let lastLoss = Number.NaN;
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let sum = 0;
    for (let start = 0; start < order.length; start += opts.batch) {
      const idx = order.slice(start, start + opts.batch);
      const x = tf.tensor2d(idx.map((k) => train[k]!.inputs));
      const y = tf.tensor2d(idx.map((k) => [train[k]!.label / 100]));
      const loss = optimizer.minimize(
        () => tf.losses.meanSquaredError(y, forward(x, w1, b1, w2, b2).div(100)) as tf.Scalar,
        true,
      );
      sum += (await loss!.data())[0]! * idx.length;
      loss!.dispose();
      x.dispose();
      y.dispose();
      // Projection onto the monotone set: negative kernel weights become 0.
      tf.tidy(() => {
        w1.assign(tf.relu(w1));
        w2.assign(tf.relu(w2));
      });
    }
    lastLoss = sum / order.length;
    if (opts.log && (epoch % 20 === 0 || epoch === opts.epochs - 1))
      opts.log(`epoch ${epoch + 1}/${opts.epochs} mse=${lastLoss.toFixed(6)}`);
  }
  const rows = (t: tf.Tensor) => t.arraySync() as number[][];
  const file: ScoreModelFile = {
    format: MODEL_FORMAT,
    inputs: [...MODEL_INPUTS],
    hidden: { kernel: rows(w1), bias: Array.from(b1.dataSync()) },
    output: { kernel: rows(w2), bias: Array.from(b2.dataSync()) },
    training: {
      seed: opts.seed,
      samples: opts.samples,
      train: train.length,
      held_out: data.length - train.length,
      epochs: opts.epochs,
      batch: opts.batch,
      hidden: opts.hidden,
      learning_rate: opts.learningRate,
      optimizer: "adam",
      loss: "mse on score/100",
      backend: "cpu",
      tfjs: tf.version.tfjs,
      final_train_mse: lastLoss,
    },
  };
  for (const t of [w1, b1, w2, b2]) t.dispose();
  optimizer.dispose();
  return file;
}
