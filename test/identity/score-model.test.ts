// The identity score model: the committed weights load and score known accounts into the ranges
// their evidence deserves, the score never drops when evidence is added, bad input is refused by
// name, the pipeline hash follows the weights, training is reproducible, and eval:score reports.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { loadFaceModels } from "../../src/identity/face/models.ts";
import {
  extractFeatures,
  FeatureError,
  MODEL_INPUTS,
  modelInputs,
  type RawFeatures,
  type SignalRows,
} from "../../src/identity/scoring/features.ts";
import {
  checkModelFile,
  DEFAULT_MODEL_PATH,
  loadScoreModel,
  ScoreModelError,
  scoreAccount,
  scoreInputs,
  scoreRaw,
} from "../../src/identity/scoring/model.ts";
import { pipelineVersion, SCORE_PIPELINE_VERSION } from "../../src/identity/scoring/pipeline.ts";
import { SYNTHETIC_NOW, syntheticAccounts } from "../../src/identity/scoring/synthetic.ts";
import { DEFAULT_TRAINING, trainScoreModel } from "../../src/identity/scoring/train.ts";

const NOW = new Date("2026-06-01T00:00:00.000Z");
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000).toISOString();
const ACCOUNT = "a".repeat(32);

function rows(p: Partial<SignalRows> = {}): SignalRows {
  return { account: ACCOUNT, scopes: [], totp: null, attestations: [], sessions: [], ...p };
}
const steady = (hits: number): SignalRows["sessions"] => [
  { device: "d0", network: "n0", first_seen: daysAgo(60), last_seen: daysAgo(1), hits },
];
const verified = (kind: SignalRows["scopes"][number]["kind"], age: number) => ({
  kind,
  status: "verified" as const,
  verified_at: daysAgo(age),
});

test("score model: the committed weights load, match the feature code's inputs and keep every kernel weight ≥ 0", async () => {
  const m = await loadScoreModel();
  assert.deepEqual(m.file.inputs, [...MODEL_INPUTS]);
  assert.equal(m.file.hidden.kernel.length, MODEL_INPUTS.length);
  for (const k of [m.file.hidden.kernel, m.file.output.kernel]) assert.ok(k.flat().every((w) => w >= 0));
  assert.equal((m.file.training as { seed: number }).seed, 7);
  assert.equal(await loadScoreModel(), m, "loaded once per path");
});

test("score model: known accounts score into the ranges their evidence deserves", async () => {
  const m = await loadScoreModel();
  const score = (r: SignalRows) => scoreAccount(m, r, NOW).score;
  const full = rows({
    scopes: [
      verified("email", 900),
      verified("sms", 700),
      verified("sso", 500),
      verified("domain", 400),
      verified("id_document", 30),
      verified("selfie", 30),
    ],
    totp: { enabled_at: daysAgo(400) },
    attestations: [{ outcome: "match", distance: 0.3, created: daysAgo(30) }],
    sessions: steady(40),
  });
  const cases: [string, SignalRows, number, number][] = [
    ["no evidence at all", rows(), 0, 8],
    ["a steady device but nothing verified", rows({ sessions: steady(20) }), 3, 18],
    ["an email verified today", rows({ scopes: [verified("email", 0)] }), 5, 22],
    [
      "email and phone verified a year ago",
      rows({ scopes: [verified("email", 365), verified("sms", 365)], sessions: steady(20) }),
      30,
      50,
    ],
    [
      "face match with email, fresh",
      rows({
        scopes: [verified("email", 1)],
        attestations: [{ outcome: "match", distance: 0.35, created: daysAgo(1) }],
        sessions: steady(10),
      }),
      45,
      72,
    ],
    ["everything verified, long ago, one device", full, 88, 100],
    [
      "fresh email, face mismatch, a new device and network every time",
      rows({
        scopes: [verified("email", 0)],
        attestations: [{ outcome: "no_match", distance: 0.82, created: daysAgo(0) }],
        sessions: Array.from({ length: 8 }, (_, i) => ({
          device: `d${i}`,
          network: `n${i}`,
          first_seen: daysAgo(1),
          last_seen: daysAgo(0),
          hits: 1,
        })),
      }),
      0,
      8,
    ],
  ];
  for (const [name, r, lo, hi] of cases) {
    const s = score(r);
    assert.ok(s >= lo && s <= hi, `${name}: ${s} not in [${lo}, ${hi}]`);
  }
  // Reasons name what moved the score, largest first, and stay within the score.
  const r = scoreAccount(m, full, NOW);
  assert.ok(r.reasons.length >= 8);
  assert.ok(r.reasons.every((x, i) => i === 0 || Math.abs(r.reasons[i - 1]!.points) >= Math.abs(x.points)));
  assert.ok(r.reasons.some((x) => x.input === "face_passed" && x.points > 5));
  assert.deepEqual(scoreAccount(m, rows(), NOW).reasons, []);
});

test("score model: adding a verified scope, enabling TOTP or passing the face check never lowers the score", async () => {
  const m = await loadScoreModel();
  const accounts = syntheticAccounts(99, 400);
  let checks = 0;
  for (const a of accounts) {
    const base = scoreAccount(m, a.rows, SYNTHETIC_NOW).score;
    const additions: SignalRows[] = [
      ...(["email", "sms", "sso", "domain"] as const).map((kind) => ({
        ...a.rows,
        scopes: [
          ...a.rows.scopes,
          { kind, status: "verified" as const, verified_at: SYNTHETIC_NOW.toISOString() },
        ],
      })),
      { ...a.rows, totp: { enabled_at: SYNTHETIC_NOW.toISOString() } },
    ];
    if (a.rows.attestations.length === 0)
      additions.push({
        ...a.rows,
        attestations: [{ outcome: "match", distance: 0.4, created: SYNTHETIC_NOW.toISOString() }],
      });
    for (const more of additions) {
      const s = scoreAccount(m, more, SYNTHETIC_NOW).score;
      assert.ok(
        s >= base,
        `${a.archetype} account: ${base} → ${s} after ${JSON.stringify(more).slice(0, 120)}`,
      );
      checks++;
    }
    // And at the input level, unrounded: raising any one input never lowers it.
    const raised = MODEL_INPUTS.map((_, j) => a.inputs.map((x, k) => (k === j ? Math.min(1, x + 0.25) : x)));
    const [s0, ...up] = scoreInputs(m, [a.inputs, ...raised]);
    for (const s of up) assert.ok(s >= s0! - 1e-4);
  }
  assert.ok(checks > 2000);
  // Older verifications weigh more, a closer face match more than a borderline one.
  const at = (r: SignalRows) => scoreAccount(m, r, NOW).score;
  assert.ok(at(rows({ scopes: [verified("email", 300)] })) > at(rows({ scopes: [verified("email", 0)] })));
  const face = (d: number) =>
    rows({
      scopes: [verified("email", 10)],
      attestations: [{ outcome: "match", distance: d, created: daysAgo(1) }],
    });
  assert.ok(at(face(0.2)) >= at(face(0.45)));
});

const rawOf = (r: SignalRows) => extractFeatures(r, NOW);

test("features: bad input (NaN, missing, wrong type, out of range, unknown, bad rows) is a clear error naming the field", async () => {
  const m = await loadScoreModel();
  const good: RawFeatures = rawOf(rows({ scopes: [verified("email", 3)], sessions: steady(4) }));
  assert.equal(scoreRaw(m, [good]).length, 1);
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ ...good, email_age_days: Number.NaN }, /^email_age_days: Must be a finite number, got NaN/],
    [{ ...good, ip_consistency: Number.POSITIVE_INFINITY }, /^ip_consistency: Must be a finite number/],
    [{ ...good, face_distance: undefined }, /^face_distance: Missing/],
    [
      Object.fromEntries(Object.entries(good).filter(([k]) => k !== "totp_enabled")),
      /^totp_enabled: Missing/,
    ],
    [{ ...good, phone_verified: "1" }, /^phone_verified: Must be a number, got string/],
    [{ ...good, phone_verified: 2 }, /^phone_verified: Must be 0 or 1/],
    [{ ...good, device_consistency: 1.5 }, /^device_consistency: Must be within \[0, 1\]/],
    [{ ...good, devices: 1.5 }, /^devices: Must be an integer/],
    [{ ...good, sso_age_days: -1 }, /^sso_age_days: Must be within/],
    [{ ...good, favourite_colour: 1 }, /^favourite_colour: Unknown feature/],
    [{ ...good, face_passed: 1, face_checked: 0 }, /^face_passed: A passed face needs face_checked/],
  ];
  for (const [x, re] of bad) {
    assert.throws(
      () => scoreRaw(m, [x]),
      (e: unknown) => e instanceof FeatureError && re.test(e.message),
      `${re}`,
    );
  }
  assert.throws(() => modelInputs(null), /features: Must be an object/);
  assert.throws(() => modelInputs([1, 2, 3]), /features: Must be an object/);
  // Input vectors straight to the model.
  const x = modelInputs(good);
  assert.throws(
    () => scoreInputs(m, [x.map((v, i) => (i === 3 ? Number.NaN : v))]),
    (e: unknown) =>
      e instanceof ScoreModelError &&
      /inputs\[0\]\.phone_age: must be a number in \[0, 1\], got NaN/.test(e.message),
  );
  assert.throws(() => scoreInputs(m, [x.slice(1)]), /inputs\[0\]: expected 13 numbers/);
  assert.throws(
    () => scoreInputs(m, [x.map((v, i) => (i === 0 ? 2 : v))]),
    /email_verified: must be a number in \[0, 1\], got 2/,
  );
  // Rows from the edge: each problem named by its path.
  const badRows: [unknown, RegExp][] = [
    [
      { ...rows(), scopes: [{ kind: "email", status: "verified", verified_at: "yesterday" }] },
      /^scopes\.0\.verified_at: An ISO-8601 timestamp/,
    ],
    [
      { ...rows(), attestations: [{ outcome: "match", distance: Number.NaN, created: daysAgo(1) }] },
      /^attestations\.0\.distance:/,
    ],
    [
      {
        ...rows(),
        sessions: [{ device: "d0", network: "n0", first_seen: daysAgo(1), last_seen: daysAgo(1), hits: 0 }],
      },
      /^sessions\.0\.hits:/,
    ],
    [
      { ...rows(), scopes: [{ kind: "passport", status: "verified", verified_at: null }] },
      /^scopes\.0\.kind:/,
    ],
    [{ scopes: [], totp: null, attestations: [], sessions: [] }, /^account:/],
    [{ ...rows(), totp: undefined }, /^totp:/],
  ];
  for (const [r, re] of badRows)
    assert.throws(
      () => extractFeatures(r, NOW),
      (e: unknown) => e instanceof FeatureError && re.test(e.message),
      `${re}`,
    );
  assert.throws(() => extractFeatures(rows(), new Date(Number.NaN)), /now: Not a valid date/);
});

test("features: rules over rows (oldest verification, latest face verdict, pending scopes ignored, consistency by hits)", () => {
  const f = rawOf(
    rows({
      scopes: [
        verified("email", 10),
        verified("email", 40),
        { kind: "sms", status: "pending", verified_at: null },
        verified("domain", 2),
      ],
      totp: { enabled_at: null },
      attestations: [
        { outcome: "no_match", distance: 0.9, created: daysAgo(20) },
        { outcome: "match", distance: 0.32, created: daysAgo(5) },
      ],
      sessions: [
        { device: "d0", network: "n0", first_seen: daysAgo(30), last_seen: daysAgo(1), hits: 6 },
        { device: "d0", network: "n1", first_seen: daysAgo(9), last_seen: daysAgo(2), hits: 2 },
        { device: "d1", network: "n1", first_seen: daysAgo(3), last_seen: daysAgo(3), hits: 2 },
      ],
    }),
  );
  assert.equal(f.email_verified, 1);
  assert.ok(Math.abs(f.email_age_days - 40) < 1e-9);
  assert.equal(f.phone_verified, 0);
  assert.equal(f.phone_age_days, 0);
  assert.equal(f.domain_verified, 1);
  assert.equal(f.totp_enabled, 0, "set up but not confirmed");
  assert.deepEqual([f.face_checked, f.face_passed, f.face_distance, f.face_mismatch], [1, 1, 0.32, 0]);
  assert.deepEqual(
    [f.sightings, f.devices, f.networks, f.device_consistency, f.ip_consistency],
    [10, 2, 2, 0.8, 0.6],
  );
  const x = modelInputs(f);
  assert.equal(x[MODEL_INPUTS.indexOf("face_margin")]!.toFixed(2), "0.36");
  assert.equal(x[MODEL_INPUTS.indexOf("face_clean")], 1);
  const rejected = rawOf(
    rows({ attestations: [{ outcome: "rejected", distance: null, created: daysAgo(1) }] }),
  );
  assert.deepEqual(
    [rejected.face_checked, rejected.face_passed, rejected.face_distance, rejected.face_mismatch],
    [1, 0, 1, 0],
  );
});

test("pipeline: version and hash cover the weights (same bytes → same hash, one weight changed → new hash)", async () => {
  const p = await pipelineVersion();
  assert.equal(p.version, SCORE_PIPELINE_VERSION);
  assert.match(p.hash, /^[0-9a-f]{64}$/);
  assert.deepEqual(Object.keys(p.parts.code).sort(), ["features.ts", "model.ts"]);
  assert.equal(p.parts.thresholds.matchThreshold, 0.5);
  const dir = mkdtempSync(join(tmpdir(), "score-model-"));
  const text = readFileSync(DEFAULT_MODEL_PATH, "utf8");
  writeFileSync(join(dir, "same.json"), text);
  assert.equal((await pipelineVersion({ modelPath: join(dir, "same.json") })).hash, p.hash);
  const json = JSON.parse(text);
  json.output.kernel[0][0] += 0.001;
  writeFileSync(join(dir, "changed.json"), JSON.stringify(json));
  const changed = await pipelineVersion({ modelPath: join(dir, "changed.json") });
  assert.notEqual(changed.hash, p.hash);
  assert.notEqual(changed.parts.model, p.parts.model);
  assert.deepEqual(changed.parts.code, p.parts.code);
  // The changed file is still a valid model and scores differently.
  const m2 = await loadScoreModel(join(dir, "changed.json"));
  const m1 = await loadScoreModel();
  const x = modelInputs(rawOf(rows({ scopes: [verified("email", 30)], sessions: steady(5) })));
  assert.notEqual(scoreInputs(m1, [x])[0], scoreInputs(m2, [x])[0]);
});

test("model file: a negative weight, a wrong shape, other inputs or junk are refused with the reason", async () => {
  const good = JSON.parse(readFileSync(DEFAULT_MODEL_PATH, "utf8"));
  const copy = () => JSON.parse(JSON.stringify(good));
  const neg = copy();
  neg.hidden.kernel[2][1] = -0.1;
  assert.throws(() => checkModelFile(neg), /hidden\.kernel has a negative weight/);
  const shape = copy();
  shape.hidden.kernel.pop();
  assert.throws(() => checkModelFile(shape), /hidden\.kernel must be 13×8/);
  const inputs = copy();
  inputs.inputs.reverse();
  assert.throws(() => checkModelFile(inputs), /inputs differ from the feature code's/);
  const nan = copy();
  nan.output.bias = [null];
  assert.throws(() => checkModelFile(nan), /output\.bias\.0:/);
  assert.throws(() => checkModelFile({ format: "keras" }), /format:/);
  const dir = mkdtempSync(join(tmpdir(), "score-model-"));
  writeFileSync(join(dir, "junk.json"), "{not json");
  await assert.rejects(
    loadScoreModel(join(dir, "junk.json")),
    (e: unknown) => e instanceof ScoreModelError && /not JSON/.test(e.message),
  );
  await assert.rejects(loadScoreModel(join(dir, "missing.json")), /cannot read the score model/);
});

test("training: the same seed gives identical weights (the committed file included), another seed different ones", async () => {
  const small = { samples: 600, epochs: 3, batch: 100, hidden: 8, learningRate: 0.02 };
  const a = await trainScoreModel({ seed: 11, ...small });
  const b = await trainScoreModel({ seed: 11, ...small });
  const c = await trainScoreModel({ seed: 12, ...small });
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  assert.notEqual(JSON.stringify(a.hidden), JSON.stringify(c.hidden));
  assert.ok(a.hidden.kernel.flat().every((w) => w >= 0) && a.output.kernel.flat().every((w) => w >= 0));
  assert.deepEqual(checkModelFile(a).inputs, [...MODEL_INPUTS]);
  // The committed weights are what the recorded training run produces, bit for bit.
  const committed = JSON.parse(readFileSync(DEFAULT_MODEL_PATH, "utf8"));
  const again = await trainScoreModel({ ...DEFAULT_TRAINING, seed: committed.training.seed });
  assert.equal(JSON.stringify(again.hidden), JSON.stringify(committed.hidden));
  assert.equal(JSON.stringify(again.output), JSON.stringify(committed.output));
  // The synthetic set itself is a pure function of its seed.
  assert.deepEqual(syntheticAccounts(5, 50), syntheticAccounts(5, 50));
});

test("npm run eval:score: held-out figures and calibration, ending with one key=value line", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "scripts/eval-score.ts"],
    { timeout: 120_000 },
  );
  assert.match(stdout, /calibration by predicted score bucket/);
  assert.match(stdout, /held-out synthetic accounts: 1600 \(seed 7/);
  const last = stdout.trim().split("\n").at(-1)!;
  const kv = Object.fromEntries(last.split(" ").map((p) => p.split("=")));
  assert.deepEqual(Object.keys(kv), [
    "mae",
    "rmse",
    "accuracy",
    "band_accuracy",
    "max_calibration_gap",
    "monotone_violations",
    "n",
    "ms",
  ]);
  assert.ok(Number(kv.mae) < 4, last);
  assert.ok(Number(kv.accuracy) > 0.95, last);
  assert.equal(kv.monotone_violations, "0");
  const bad = await promisify(execFile)(process.execPath, [
    "--import",
    "tsx",
    "scripts/eval-score.ts",
    "--model",
    "/nonexistent/model.json",
  ]).catch((e) => e);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /cannot read the score model/);
});

// Last: it switches the process to the wasm backend, as the scorer does when it loads the face models.
test("backends: scores on the wasm backend (the scorer's, for the face models) agree with the cpu backend's", async () => {
  await tf.setBackend("cpu");
  const m = await loadScoreModel();
  const xs = syntheticAccounts(3, 1000).map((a) => a.inputs);
  const cpu = scoreInputs(m, xs);
  await loadFaceModels();
  assert.equal(tf.getBackend(), "wasm");
  const wasm = scoreInputs(m, xs);
  const worst = Math.max(...cpu.map((s, i) => Math.abs(s - wasm[i]!)));
  assert.ok(worst < 1e-3, `largest difference ${worst}`);
});
