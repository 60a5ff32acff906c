import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  DEFAULT_CHUNK_SIZE,
  EnvelopeError,
  generateKeyPair,
  open,
  openReadable,
  openStream,
  parseHeader,
  seal,
  sealReadable,
  sealStream,
} from "../../src/crypto/index.ts";
import { asRecipient, ctxA, ctxB, errorCode, pattern, readAll, streamOf } from "./helpers.ts";

const [alice, bob] = await Promise.all([generateKeyPair(), generateKeyPair()]);

async function sealToBytes(pt: Uint8Array, chunkSize: number, piece = 4096) {
  const s = await sealStream({ context: ctxA, recipients: [asRecipient(alice!)], chunkSize });
  return readAll(streamOf(pt, piece).pipeThrough(s.stream));
}

async function openToCode(env: Uint8Array, piece = 1000, key = alice!, context = ctxA): Promise<string> {
  const r = await openReadable(streamOf(env, piece), { key, context });
  if (!r.ok) return r.error.code;
  try {
    await readAll(r.value.plaintext);
    return "ok";
  } catch (e) {
    assert.ok(e instanceof EnvelopeError, String(e));
    return e.code;
  }
}

describe("streaming seal/open", () => {
  test("stream seal = same format as one-shot: each side opens the other's output", async () => {
    for (const [n, cs, piece] of [
      [0, 64, 7],
      [64, 64, 64],
      [1000, 64, 33],
      [200_000, 65536, 4096],
      [200_000, 1000, 65536],
    ] as const) {
      const pt = pattern(n);
      const env = await sealToBytes(pt, cs, piece);
      const one = await open(env, { key: alice!, context: ctxA });
      assert.ok(one.ok, `n=${n}`);
      assert.deepEqual(one.value.plaintext, pt);
      const oneShot = await seal(pt, { context: ctxA, recipients: [asRecipient(alice!)], chunkSize: cs });
      const r = await openReadable(streamOf(oneShot, piece), { key: alice!, context: ctxA });
      assert.ok(r.ok);
      assert.deepEqual(await readAll(r.value.plaintext), pt);
    }
  });

  test("pull form: sealReadable → openReadable round-trips, and opens/is opened by the one-shot form", async () => {
    for (const [n, piece] of [
      [0, 10],
      [70_000, 4096],
      [3 * 1024 * 1024 + 7, 65536],
    ] as const) {
      const pt = pattern(n, 11);
      const s = await sealReadable(streamOf(pt, piece), { context: ctxA, recipients: [asRecipient(alice!)] });
      const env = await readAll(s.stream);
      assert.deepEqual(env.subarray(0, s.header.length), s.header);
      const one = await open(env, { key: alice!, context: ctxA });
      assert.ok(one.ok);
      assert.deepEqual(one.value.plaintext, pt);
      const r = await openReadable(streamOf(env, piece + 3), { key: alice!, context: ctxA });
      assert.ok(r.ok);
      assert.deepEqual(await readAll(r.value.plaintext), pt);
    }
  });

  test("a source that fails mid-payload errors the plaintext stream with an EnvelopeError", async () => {
    const env = await seal(pattern(300_000), {
      context: ctxA,
      recipients: [asRecipient(alice!)],
      chunkSize: 65536,
    });
    let o = 0;
    const flaky = new ReadableStream<Uint8Array>({
      pull(c) {
        if (o > 150_000) return c.error(new Error("connection reset"));
        c.enqueue(env.slice(o, o + 50_000));
        o += 50_000;
      },
    });
    const r = await openReadable(flaky, { key: alice!, context: ctxA });
    assert.ok(r.ok);
    await assert.rejects(
      readAll(r.value.plaintext),
      (e: unknown) => e instanceof EnvelopeError && e.code === "truncated",
    );
  });

  test("a 10 MiB payload streams through with bounded buffering", async () => {
    const n = 10 * 1024 * 1024;
    let produced = 0;
    let maxQueued = 0;
    let consumed = 0;
    const source = new ReadableStream<Uint8Array>({
      pull(c) {
        if (produced >= n) return c.close();
        const piece = pattern(Math.min(65536, n - produced), produced);
        produced += piece.length;
        c.enqueue(piece);
      },
    });
    const s = await sealStream({ context: ctxA, recipients: [asRecipient(alice!)] });
    const o = openStream({ key: alice!, context: ctxA });
    const reader = source.pipeThrough(s.stream).pipeThrough(o.stream).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      consumed += value.length;
      // Producer can run ahead of the consumer only by a few chunks (stream high-water marks).
      maxQueued = Math.max(maxQueued, produced - consumed);
    }
    assert.equal(consumed, n);
    // About one chunk in each stage plus the high-water marks: far below the 10 MiB payload.
    assert.ok(maxQueued <= 4 * DEFAULT_CHUNK_SIZE + 8 * 65536, `producer ran ${maxQueued} bytes ahead`);
    assert.ok((await o.header).ok);
  });

  test("wrong recipient / wrong record: an error value before any plaintext", async () => {
    const env = await sealToBytes(pattern(5000), 1024);
    assert.equal(await openToCode(env, 1000, bob!), "not_a_recipient");
    assert.equal(await openToCode(env, 1000, alice!, ctxB), "context_mismatch");
    assert.equal(await openToCode(env.subarray(0, 50)), "truncated");
    assert.equal(await openToCode(new Uint8Array(0)), "truncated");
    assert.equal(await openToCode(new TextEncoder().encode("not an envelope at all")), "malformed");
  });

  test("tampered, reordered, truncated chunks error the plaintext stream", async () => {
    const env = await sealToBytes(pattern(5000), 1024);
    const h = parseHeader(env);
    assert.ok(h.ok);
    const hl = h.value.bytes.length;
    const full = 1024 + 16;
    assert.equal(await openToCode(env), "ok");
    const flipped = env.slice();
    flipped[hl + full + 3]! ^= 1;
    assert.equal(await openToCode(flipped), "chunk_auth");
    const swapped = env.slice();
    swapped.set(env.subarray(hl + full, hl + 2 * full), hl);
    swapped.set(env.subarray(hl, hl + full), hl + full);
    assert.equal(await openToCode(swapped), "chunk_auth");
    assert.equal(await openToCode(env.subarray(0, hl + 4 * full)), "truncated");
    assert.equal(await openToCode(env.subarray(0, hl + 3 * full + 100)), "chunk_auth");
    const hdrFlip = env.slice();
    hdrFlip[hl - 1]! ^= 1;
    assert.equal(await openToCode(hdrFlip), "header_mac");
  });

  test("a failing source before the header is a value, not a hang", async () => {
    const failing = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("VEENV"));
        c.error(new Error("connection reset"));
      },
    });
    const r = await openReadable(failing, { key: alice!, context: ctxA });
    assert.equal(errorCode(r), "truncated");
  });
});
