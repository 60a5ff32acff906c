// Face pipeline on real photos from the dev set and face-api's demo pictures, with the real models.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, it } from "node:test";
import sharp from "sharp";
import { CHIP_SIZE, chipTransform, extractChip, fitSimilarity } from "../../src/identity/face/align.ts";
import { compareAnalyses, verifyFaces } from "../../src/identity/face/compare.ts";
import { facePipelineManifest } from "../../src/identity/face/manifest.ts";
import { loadFaceModels, MODEL_DIR } from "../../src/identity/face/models.ts";
import {
  analyzeFace,
  type FaceAnalysis,
  MIN_FACE_WIDTH,
  SECOND_FACE_MIN_RATIO,
  selectFace,
} from "../../src/identity/face/pipeline.ts";
import { FacePool } from "../../src/identity/face/pool.ts";
import { euclideanDistance, MATCH_THRESHOLD } from "../../src/identity/face/verify.ts";
import { renderIdCard } from "../../src/identity/image/card.ts";

// Downscaled copies (longer side 1024) of photos from ../shared/identity/faces-dev, which come from
// the deepface project's unit-test images (MIT licence); img47.jpg is kept a WebP named .jpg.
const DEV = new URL("./fixtures", import.meta.url).pathname;
const dev = (f: string) => new Uint8Array(readFileSync(`${DEV}/${f}`));
const GROUP_PHOTO = new URL("../../node_modules/@vladmandic/face-api/demo/sample1.jpg", import.meta.url);

function rejected(a: FaceAnalysis): { reason: string; message: string } {
  assert.equal(a.ok, false, "expected the image to be rejected");
  if (a.ok) throw new Error("unreachable");
  return a;
}

async function jpeg(img: sharp.Sharp): Promise<Uint8Array> {
  return new Uint8Array(await img.jpeg({ quality: 90 }).toBuffer());
}

before(async () => {
  await loadFaceModels(); // once per file: about 0.4 s
});

describe("face verification on dev photos", () => {
  it("matches two photos of the same person (D00) and rejects a different person (D05)", async () => {
    const same = await verifyFaces(dev("img1.jpg"), dev("img2.jpg"));
    assert.ok(same.ok);
    assert.equal(same.match, true, `same person at distance ${same.distance}`);
    assert.ok(same.distance < MATCH_THRESHOLD);
    const other = await verifyFaces(dev("img1.jpg"), dev("img20.jpg"));
    assert.ok(other.ok);
    assert.equal(other.match, false, `different people at distance ${other.distance}`);
    assert.ok(other.distance >= MATCH_THRESHOLD);
  });

  it("reads a WebP named .jpg and matches it to another photo of the same person (D01)", async () => {
    const v = await verifyFaces(dev("img47.jpg"), dev("img48.jpg"));
    assert.ok(v.ok);
    assert.equal(v.match, true);
  });

  it("matches a composed ID card (small, re-encoded portrait) against a selfie of the same person", async () => {
    const selfie = await analyzeFace(dev("img4.jpg"));
    assert.ok(selfie.ok);
    const source = await analyzeFace(dev("img1.jpg"));
    assert.ok(source.ok);
    const card = await renderIdCard(dev("img1.jpg"), source.box, {
      surname: "SAMPLE",
      givenNames: "D00",
      documentNumber: "X1000001",
      dateOfBirth: "1990-01-31",
      expiry: "2031-12-31",
    });
    const doc = await analyzeFace(card);
    assert.ok(doc.ok, "the card's portrait is found");
    const v = compareAnalyses(doc, selfie);
    assert.ok(v.ok && v.match, `card vs selfie distance ${v.ok ? v.distance : v.reason}`);
    const stranger = compareAnalyses(doc, await analyzeFace(dev("img20.jpg")));
    assert.ok(stranger.ok && !stranger.match);
  });
});

describe("one face required", () => {
  it('reports "several_faces" for two people side by side', async () => {
    const two = sharp({ create: { width: 1200, height: 700, channels: 3, background: "#888888" } }).composite(
      [
        {
          input: await sharp(dev("img1.jpg")).resize(560, 680, { fit: "cover" }).toBuffer(),
          left: 10,
          top: 10,
        },
        {
          input: await sharp(dev("img20.jpg")).resize(560, 680, { fit: "cover" }).toBuffer(),
          left: 620,
          top: 10,
        },
      ],
    );
    const r = rejected(await analyzeFace(await jpeg(two)));
    assert.equal(r.reason, "several_faces");
    assert.match(r.message, /2 faces found/);
  });

  it('reports "several_faces" for a group photo (face-api demo sample1.jpg)', async () => {
    const r = rejected(await analyzeFace(new Uint8Array(readFileSync(GROUP_PHOTO))));
    assert.equal(r.reason, "several_faces");
    assert.match(r.message, /3 faces found/);
  });

  it("counts a second face as a person only when it is not much smaller than the subject", () => {
    const widths = [300, 200, 100, 60];
    const { main, others } = selectFace(widths, (w) => w);
    assert.equal(main, 300);
    assert.deepEqual(others, [200]); // 100 and 60 are under SECOND_FACE_MIN_RATIO × 300
    assert.ok(100 < SECOND_FACE_MIN_RATIO * 300 && 200 >= SECOND_FACE_MIN_RATIO * 300);
    assert.deepEqual(selectFace([120], (w) => w).others, []);
  });

  it('reports "no_face" for a flat colour image', async () => {
    const flat = sharp({ create: { width: 640, height: 480, channels: 3, background: "#c08040" } }).png();
    const r = rejected(await analyzeFace(new Uint8Array(await flat.toBuffer())));
    assert.equal(r.reason, "no_face");
  });

  it('reports "face_too_small" when the face is under the minimum width', async () => {
    const r = rejected(await analyzeFace(await jpeg(sharp(dev("img1.jpg")).resize(110))));
    assert.equal(r.reason, "face_too_small");
    assert.match(r.message, new RegExp(`at least ${MIN_FACE_WIDTH} px`));
  });

  it('reports "too_blurred" for a strongly blurred face that is still detected', async () => {
    const r = rejected(
      await analyzeFace(await jpeg(sharp(dev("img1.jpg")).resize(800, 800, { fit: "inside" }).blur(6))),
    );
    assert.equal(r.reason, "too_blurred");
    // The same photo unblurred passes, so it is the blur that is rejected.
    assert.equal(
      (await analyzeFace(await jpeg(sharp(dev("img1.jpg")).resize(800, 800, { fit: "inside" })))).ok,
      true,
    );
  });
});

describe("bad input gives a clear reason, never an exception", () => {
  it("non-image, truncated and oversized uploads", async () => {
    const text = rejected(await analyzeFace(new TextEncoder().encode("hello, I am not a selfie")));
    assert.equal(text.reason, "unsupported_format");
    const cut = dev("img1.jpg");
    assert.equal(rejected(await analyzeFace(cut.subarray(0, cut.length >> 1))).reason, "truncated");
    const big = rejected(await analyzeFace(cut, { limits: { maxBytes: 50_000, maxPixels: 50_000_000 } }));
    assert.equal(big.reason, "too_large");
    const manyPixels = rejected(
      await analyzeFace(cut, { limits: { maxBytes: 15_000_000, maxPixels: 500_000 } }),
    );
    assert.equal(manyPixels.reason, "too_large");
  });

  it("verifyFaces names the image that failed", async () => {
    const v = await verifyFaces(dev("img1.jpg"), new Uint8Array([1, 2, 3]));
    assert.deepEqual(v.ok ? null : [v.image, v.reason], ["selfie", "unsupported_format"]);
  });
});

describe("alignment", () => {
  it("fitSimilarity recovers a known rotation, scale and shift", () => {
    const t = { a: 1.5 * Math.cos(0.3), b: 1.5 * Math.sin(0.3), tx: 40, ty: -7 };
    const from = [
      { x: 0, y: 0 },
      { x: 10, y: 3 },
      { x: -4, y: 8 },
      { x: 6, y: -5 },
    ];
    const to = from.map((p) => ({ x: t.a * p.x - t.b * p.y + t.tx, y: t.b * p.x + t.a * p.y + t.ty }));
    const f = fitSimilarity(from, to);
    for (const k of ["a", "b", "tx", "ty"] as const) assert.ok(Math.abs(f[k] - t[k]) < 1e-9, k);
  });

  it("a mirrored chip is the left-right flip of the chip, and its descriptor stays close", async () => {
    // Landmarks of an upright face occupying the middle of a 300×300 image.
    const img = { width: 300, height: 300, data: new Uint8Array(300 * 300 * 3) };
    for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 7) % 251;
    const landmarks = Array.from({ length: 68 }, (_, i) => ({
      x: 100 + (i % 10) * 10,
      y: 100 + Math.floor(i / 10) * 15,
    }));
    const t = chipTransform(landmarks);
    const chip = extractChip(img, t);
    const mirror = extractChip(img, t, CHIP_SIZE, true);
    for (const [y, x] of [
      [0, 0],
      [75, 20],
      [149, 149],
    ] as const) {
      for (let c = 0; c < 3; c++) {
        assert.equal(
          chip[(y * CHIP_SIZE + x) * 3 + c],
          mirror[(y * CHIP_SIZE + (CHIP_SIZE - 1 - x)) * 3 + c],
        );
      }
    }
    // On a real face, mirror-averaging leaves the descriptor near the single-chip one.
    const plain = await analyzeFace(dev("img2.jpg"), { mirror: false });
    const averaged = await analyzeFace(dev("img2.jpg"));
    assert.ok(plain.ok && averaged.ok);
    assert.ok(euclideanDistance(plain.descriptor, averaged.descriptor) < 0.3);
  });
});

describe("FacePool (worker threads)", () => {
  it("analyses document and selfie in parallel workers with the same results as in-process", async () => {
    const pool = new FacePool(2);
    try {
      await pool.ready();
      const v = await pool.verify(dev("img1.jpg"), dev("img2.jpg"));
      const local = await verifyFaces(dev("img1.jpg"), dev("img2.jpg"));
      assert.ok(v.ok && local.ok);
      assert.equal(v.match, true);
      assert.ok(Math.abs(v.distance - local.distance) < 1e-6);
      const bad = await pool.verify(new TextEncoder().encode("not an image"), dev("img2.jpg"));
      assert.deepEqual(bad.ok ? null : [bad.image, bad.reason], ["document", "unsupported_format"]);
    } finally {
      await pool.close();
    }
    await assert.rejects(pool.analyze(dev("img2.jpg")), /face pool is closed/);
  });
});

describe("pipeline manifest for attestations", () => {
  it("hashes the shipped model files, the feature code and the parameters", async () => {
    const m = await facePipelineManifest();
    assert.equal(m.params.matchThreshold, MATCH_THRESHOLD);
    const weights = readFileSync(join(MODEL_DIR, "face_recognition_model.bin"));
    assert.equal(m.models["face_recognition_model.bin"], createHash("sha256").update(weights).digest("hex"));
    assert.equal(Object.keys(m.models).length, 6);
    const code = readFileSync(new URL("../../src/identity/face/verify.ts", import.meta.url));
    assert.equal(m.code["face/verify.ts"], createHash("sha256").update(code).digest("hex"));
    assert.match(m.hash, /^[0-9a-f]{64}$/);
    const again = await facePipelineManifest();
    assert.equal(again.hash, m.hash);
    const tampered = { ...m.params, matchThreshold: 0.6 };
    const rehash = createHash("sha256")
      .update(JSON.stringify({ params: tampered, models: m.models, code: m.code }))
      .digest("hex");
    assert.notEqual(rehash, m.hash);
  });
});
