// Face verification evaluation: npm run eval:face -- <folder> [--document]
//
// <folder> holds images plus identities.csv (file,identity) and pairs.csv (file_x,file_y,same_person
// and optional "<Model>_<metric>" distance columns from other face models), as in
// ../shared/identity/faces-dev/. Prints accuracy on the listed pairs, TAR/FAR over every pair of
// images derivable from identities.csv, the other models' columns at their published default
// thresholds, and ends with `accuracy=… tar=… far=… ms_per_verification=…`.
//
// --document: the first image of each pair is rendered into a synthetic ID card (small, re-encoded
// portrait among printed fields) and matched against the second as a selfie; for TAR/FAR every
// image's card is matched against every other image.

import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { compareAnalyses } from "../src/identity/face/compare.ts";
import { facePipelineManifest } from "../src/identity/face/manifest.ts";
import type { FaceAnalysis } from "../src/identity/face/pipeline.ts";
import { FacePool } from "../src/identity/face/pool.ts";
import { MATCH_THRESHOLD } from "../src/identity/face/verify.ts";
import { renderIdCard } from "../src/identity/image/card.ts";

// deepface's published defaults (deepface/config/threshold.py; a pair matches when distance <= threshold).
const DEEPFACE_THRESHOLDS: Record<string, Record<string, number>> = {
  "VGG-Face": { cosine: 0.68, euclidean: 1.17, euclidean_l2: 1.17 },
  Facenet: { cosine: 0.4, euclidean: 10, euclidean_l2: 0.8 },
  Facenet512: { cosine: 0.3, euclidean: 23.56, euclidean_l2: 1.04 },
  ArcFace: { cosine: 0.68, euclidean: 4.15, euclidean_l2: 1.13 },
  Dlib: { cosine: 0.07, euclidean: 0.6, euclidean_l2: 0.4 },
  SFace: { cosine: 0.593, euclidean: 10.734, euclidean_l2: 1.055 },
  OpenFace: { cosine: 0.1, euclidean: 0.55, euclidean_l2: 0.55 },
  DeepFace: { cosine: 0.23, euclidean: 64, euclidean_l2: 0.64 },
  DeepID: { cosine: 0.015, euclidean: 45, euclidean_l2: 0.17 },
};

type Row = Record<string, string>;

function readCsv(path: string): Row[] {
  const lines = readFileSync(path, "utf8")
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
  const header = (lines[0] ?? "").split(",").map((h) => h.trim());
  return lines.slice(1).map((line) => {
    const cells = line.split(",");
    return Object.fromEntries(header.map((h, i) => [h, (cells[i] ?? "").trim()]));
  });
}

interface Timed {
  analysis: FaceAnalysis;
  ms: number;
}

/**
 * Analyses images through the worker pool, as many at a time as it has workers, timing each from
 * submission to result. With two workers that is how the scorer runs one verification: document and
 * selfie at once, each on its own core.
 */
async function analyzeAll(pool: FacePool, images: Uint8Array[]): Promise<Timed[]> {
  const out: Timed[] = [];
  for (let i = 0; i < images.length; i += pool.size) {
    const batch = images.slice(i, i + pool.size).map(async (bytes) => {
      const t = performance.now();
      const analysis = await pool.analyze(bytes);
      return { analysis, ms: performance.now() - t };
    });
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

function pct(x: number): string {
  return `${(100 * x).toFixed(2)}%`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const documentMode = args.includes("--document");
  const folderArg = args.find((a) => !a.startsWith("--"));
  if (!folderArg) {
    console.error("usage: npm run eval:face -- <folder> [--document]");
    process.exit(2);
  }
  const folder = resolve(folderArg);
  const identities = readCsv(join(folder, "identities.csv"));
  const pairs = readCsv(join(folder, "pairs.csv"));
  const idOf = new Map(identities.map((r) => [r.file!, r.identity!]));
  const files = [...idOf.keys()];
  for (const p of pairs) {
    for (const f of [p.file_x!, p.file_y!])
      if (!idOf.has(f)) throw new Error(`pairs.csv names ${f}, absent from identities.csv`);
  }

  const pool = new FacePool();
  await pool.ready();
  // The scorer is a long-running service, so one untimed analysis per worker first lets the wasm
  // kernels warm up, as they are in service.
  if (files[0]) await analyzeAll(pool, Array(pool.size).fill(readFileSync(join(folder, files[0]))));
  // Each image is analysed once as a selfie; in document mode each also gets an ID card.
  const photos = await analyzeAll(
    pool,
    files.map((f) => readFileSync(join(folder, f))),
  );
  const selfies = new Map(files.map((f, i) => [f, photos[i]!]));
  const cards = new Map<string, Timed>();
  if (documentMode) {
    let n = 0;
    const cardFiles: string[] = [];
    const cardBytes: Uint8Array[] = [];
    for (const f of files) {
      const s = selfies.get(f)!.analysis;
      if (!s.ok) {
        cards.set(f, { analysis: { ok: false, reason: s.reason, message: `no card: ${s.message}` }, ms: 0 });
        continue;
      }
      n++;
      const card = await renderIdCard(readFileSync(join(folder, f)), s.box, {
        surname: "SAMPLE",
        givenNames: idOf.get(f)!,
        documentNumber: `X${String(1000000 + n)}`,
        dateOfBirth: "1990-01-31",
        expiry: "2031-12-31",
      });
      cardFiles.push(f);
      cardBytes.push(card);
    }
    const analysed = await analyzeAll(pool, cardBytes);
    for (const [i, f] of cardFiles.entries()) cards.set(f, analysed[i]!);
  }
  await pool.close();
  const first = documentMode ? cards : selfies;

  console.log(`folder: ${folder}`);
  console.log(`mode: ${documentMode ? "document (ID card of file_x) vs selfie (file_y)" : "photo vs photo"}`);
  console.log(
    `model: face-api SSD MobileNet v1 + 68 landmarks + dlib ResNet 128-d; threshold: euclidean < ${MATCH_THRESHOLD}`,
  );
  console.log(`pipeline hash (models, feature code, parameters): ${(await facePipelineManifest()).hash}`);
  const failed = [...first.entries(), ...(documentMode ? selfies.entries() : [])].filter(
    ([, t]) => !t.analysis.ok,
  );
  if (failed.length > 0) {
    console.log(`images without a usable face (counted as non-matches):`);
    for (const [f, t] of failed) {
      if (!t.analysis.ok)
        console.log(
          `  ${documentMode && first.get(f) === t ? `card(${f})` : f}: ${t.analysis.reason} (${t.analysis.message})`,
        );
    }
  }

  // Listed pairs: ours and every comparison column.
  const columns = Object.keys(pairs[0] ?? {}).filter((c) => !["file_x", "file_y", "same_person"].includes(c));
  const stats = new Map<
    string,
    { correct: number; n: number; ta: number; genuine: number; fa: number; impostor: number }
  >();
  const tally = (name: string, same: boolean, accepted: boolean) => {
    const s = stats.get(name) ?? { correct: 0, n: 0, ta: 0, genuine: 0, fa: 0, impostor: 0 };
    s.n++;
    if (same === accepted) s.correct++;
    if (same) {
      s.genuine++;
      if (accepted) s.ta++;
    } else {
      s.impostor++;
      if (accepted) s.fa++;
    }
    stats.set(name, s);
  };
  const ours = `ours (euclidean < ${MATCH_THRESHOLD})`;
  let msSum = 0;
  const errors: string[] = [];
  for (const p of pairs) {
    const same = p.same_person!.toLowerCase() === "yes";
    const a = first.get(p.file_x!)!;
    const b = selfies.get(p.file_y!)!;
    // Both images are analysed at once on separate workers, so a verification takes the longer of the two.
    msSum += Math.max(a.ms, b.ms);
    const v = compareAnalyses(a.analysis, b.analysis);
    const accepted = v.ok && v.match;
    tally(ours, same, accepted);
    if (accepted !== same) {
      errors.push(
        `  ${p.file_x} ${p.file_y} same=${same} ${v.ok ? `distance=${v.distance.toFixed(3)}` : `${v.image}: ${v.reason}`}`,
      );
    }
    for (const c of columns) {
      const cut = c.lastIndexOf("_") > 0 ? splitColumn(c) : null;
      const thr = cut ? DEEPFACE_THRESHOLDS[cut.model]?.[cut.metric] : undefined;
      const d = Number(p[c]);
      if (thr === undefined || !Number.isFinite(d)) continue;
      tally(`${cut!.model} ${cut!.metric} (<= ${thr})`, same, d <= thr);
    }
  }
  console.log(`\nlisted pairs (${pairs.length}):`);
  if (documentMode)
    console.log("  (the other models' columns are their published photo-vs-photo distances from pairs.csv)");
  console.log(
    `  ${"model / metric (threshold)".padEnd(36)} ${"accuracy".padStart(9)} ${"TAR".padStart(8)} ${"FAR".padStart(8)}`,
  );
  for (const [name, s] of stats) {
    const tar = s.genuine ? s.ta / s.genuine : 0;
    const far = s.impostor ? s.fa / s.impostor : 0;
    console.log(
      `  ${name.padEnd(36)} ${pct(s.correct / s.n).padStart(9)} ${pct(tar).padStart(8)} ${pct(far).padStart(8)}`,
    );
  }
  if (errors.length > 0) console.log(`our errors on listed pairs:\n${errors.join("\n")}`);

  // Every pair derivable from identities.csv (ordered in document mode: card of one, selfie of the other).
  let genuine = 0;
  let impostor = 0;
  let ta = 0;
  let fa = 0;
  const genuineD: number[] = [];
  const impostorD: number[] = [];
  for (let i = 0; i < files.length; i++) {
    for (let j = documentMode ? 0 : i + 1; j < files.length; j++) {
      if (i === j) continue;
      const same = idOf.get(files[i]!) === idOf.get(files[j]!);
      const v = compareAnalyses(first.get(files[i]!)!.analysis, selfies.get(files[j]!)!.analysis);
      const accepted = v.ok && v.match;
      if (same) {
        genuine++;
        if (accepted) ta++;
        if (v.ok) genuineD.push(v.distance);
      } else {
        impostor++;
        if (accepted) fa++;
        if (v.ok) impostorD.push(v.distance);
      }
    }
  }
  const tar = genuine ? ta / genuine : 0;
  const far = impostor ? fa / impostor : 0;
  genuineD.sort((x, y) => x - y);
  impostorD.sort((x, y) => x - y);
  console.log(`\nall pairs from identities.csv: ${genuine} genuine, ${impostor} impostor`);
  console.log(`  TAR ${pct(tar)} (${ta}/${genuine})  FAR ${pct(far)} (${fa}/${impostor})`);
  if (genuineD.length && impostorD.length) {
    console.log(
      `  genuine distance max ${genuineD.at(-1)!.toFixed(3)} median ${genuineD[genuineD.length >> 1]!.toFixed(3)}; ` +
        `impostor distance min ${impostorD[0]!.toFixed(3)} median ${impostorD[impostorD.length >> 1]!.toFixed(3)}`,
    );
  }
  const s = stats.get(ours)!;
  const msPerVerification = pairs.length ? msSum / pairs.length : 0;
  console.log(
    `accuracy=${(s.correct / s.n).toFixed(4)} tar=${tar.toFixed(4)} far=${far.toFixed(4)} ms_per_verification=${msPerVerification.toFixed(0)}`,
  );
}

/** "VGG-Face_euclidean_l2" → {model: "VGG-Face", metric: "euclidean_l2"}. */
function splitColumn(c: string): { model: string; metric: string } | null {
  for (const metric of ["euclidean_l2", "euclidean", "cosine"]) {
    if (c.endsWith(`_${metric}`)) return { model: c.slice(0, -metric.length - 1), metric };
  }
  return null;
}

await main();
