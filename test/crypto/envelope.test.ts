import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { generateKeyPair, open, openingProof, parseHeader, rewrap, seal } from "../../src/crypto/index.ts";
import { FIXED_PREFIX, RECIPIENT_ENTRY_LENGTH_V2 as RECIPIENT_ENTRY_LENGTH, encodeContext } from "../../src/crypto/format.ts";
import { oneShotChunkSize } from "../../src/crypto/envelope.ts";
import { openReadable } from "../../src/crypto/stream.ts";
import { asRecipient, ctxA, ctxB, errorCode, pattern, readAll, streamOf, text } from "./helpers.ts";

const [alice, bob, carol, mallory] = await Promise.all([1, 2, 3, 4].map(() => generateKeyPair()));
const secret = text("ssh root@10.1.2.3 -i kubeconfig: very secret");

describe("envelope seal/open", () => {
  test("each recipient opens; the plaintext and header come back", async () => {
    const env = await seal(secret, {
      context: ctxA,
      recipients: [asRecipient(alice!), asRecipient(bob!, 7)],
    });
    for (const k of [alice!, bob!]) {
      const r = await open(env, { key: k, context: ctxA });
      assert.ok(r.ok);
      assert.deepEqual(r.value.plaintext, secret);
      assert.equal(r.value.header.recipients.length, 2);
    }
    const h = parseHeader(env);
    assert.ok(h.ok);
    assert.deepEqual(h.value.context, ctxA);
    assert.deepEqual(
      h.value.recipients.map((e) => e.keyVersion),
      [1, 7],
    );
  });

  test("the ciphertext does not contain the plaintext", async () => {
    const env = await seal(secret, { context: ctxA, recipients: [asRecipient(alice!)] });
    assert.ok(!Buffer.from(env).includes(Buffer.from("very secret")));
  });

  test("a wrong recipient cannot open", async () => {
    const env = await seal(secret, { context: ctxA, recipients: [asRecipient(alice!)] });
    assert.equal(errorCode(await open(env, { key: mallory!, context: ctxA })), "not_a_recipient");
  });

  test("a wrong key claiming a listed key id cannot unwrap", async () => {
    const env = await seal(secret, { context: ctxA, recipients: [asRecipient(alice!)] });
    const impostor = { ...mallory!, keyId: alice!.keyId };
    assert.equal(errorCode(await open(env, { key: impostor, context: ctxA })), "unwrap_failed");
  });

  test("empty payloads and exact multiples of the chunk size round-trip", async () => {
    for (const n of [0, 1, 63, 64, 65, 128, 1000]) {
      const pt = pattern(n);
      const env = await seal(pt, { context: ctxA, recipients: [asRecipient(alice!)], chunkSize: 64 });
      const r = await open(env, { key: alice!, context: ctxA });
      assert.ok(r.ok, `n=${n}`);
      assert.deepEqual(r.value.plaintext, pt);
    }
  });

  test("a small-order recipient key (all-zero shared secret) is refused at seal time", async () => {
    await assert.rejects(
      seal(secret, { context: ctxA, recipients: [{ publicKey: new Uint8Array(32), keyVersion: 1 }] }),
    );
    const one = new Uint8Array(32);
    one[0] = 1;
    await assert.rejects(seal(secret, { context: ctxA, recipients: [{ publicKey: one, keyVersion: 1 }] }));
  });

  test("same key twice as a recipient is refused at seal time", async () => {
    await assert.rejects(
      seal(secret, { context: ctxA, recipients: [asRecipient(alice!), asRecipient(alice!, 2)] }),
      RangeError,
    );
  });
});

describe("tampering is rejected", () => {
  const sealed = () =>
    seal(pattern(300), {
      context: ctxA,
      recipients: [asRecipient(alice!), asRecipient(bob!)],
      chunkSize: 64,
    });
  const headerLength = (env: Uint8Array) => {
    const h = parseHeader(env);
    assert.ok(h.ok);
    return h.value.bytes.length;
  };

  test("every single flipped byte of the envelope is detected", async () => {
    const env = await sealed();
    const codes = new Set<string>();
    for (let i = 0; i < env.length; i++) {
      const bad = env.slice();
      bad[i]! ^= 0x01;
      const code = errorCode(await open(bad, { key: alice!, context: ctxA }));
      assert.notEqual(code, "ok", `byte ${i} flipped went unnoticed`);
      codes.add(code);
    }
    // Header fields, wraps, MAC and chunks each fail in their own way.
    for (const c of ["malformed", "unsupported", "context_mismatch", "header_mac", "chunk_auth"])
      assert.ok(codes.has(c), c);
  });

  test("ciphertext edited → chunk_auth", async () => {
    const env = await sealed();
    env[env.length - 20]! ^= 0x80;
    assert.equal(errorCode(await open(env, { key: alice!, context: ctxA })), "chunk_auth");
  });

  test("chunks swapped → chunk_auth", async () => {
    const env = await sealed();
    const h = headerLength(env);
    const full = 64 + 16;
    const swapped = env.slice();
    swapped.set(env.subarray(h + full, h + 2 * full), h);
    swapped.set(env.subarray(h, h + full), h + full);
    assert.equal(errorCode(await open(swapped, { key: alice!, context: ctxA })), "chunk_auth");
  });

  test("truncation at a chunk boundary → truncated; inside a chunk → chunk_auth", async () => {
    const env = await sealed();
    const h = headerLength(env);
    const full = 64 + 16;
    // 300 bytes = 4 full chunks + a final of 44: cut the final chunk off entirely.
    assert.equal(
      errorCode(await open(env.subarray(0, h + 4 * full), { key: alice!, context: ctxA })),
      "truncated",
    );
    assert.equal(
      errorCode(await open(env.subarray(0, h + 4 * full + 5), { key: alice!, context: ctxA })),
      "truncated",
    );
    // Cut after 2 full chunks: the second (a non-final chunk) would have to pass as final.
    assert.equal(
      errorCode(await open(env.subarray(0, h + 2 * full), { key: alice!, context: ctxA })),
      "truncated",
    );
    assert.equal(
      errorCode(await open(env.subarray(0, h + 2 * full + 30), { key: alice!, context: ctxA })),
      "chunk_auth",
    );
    assert.equal(errorCode(await open(env.subarray(0, h - 1), { key: alice!, context: ctxA })), "truncated");
  });

  test("bytes appended after the final chunk → chunk_auth", async () => {
    const env = await sealed();
    const longer = new Uint8Array(env.length + 16);
    longer.set(env);
    assert.equal(errorCode(await open(longer, { key: alice!, context: ctxA })), "chunk_auth");
  });

  test("a blob swapped between two records is detected", async () => {
    const forA = await seal(text("A's details"), { context: ctxA, recipients: [asRecipient(alice!)] });
    const forB = await seal(text("B's details"), { context: ctxB, recipients: [asRecipient(alice!)] });
    // Served as record B's blob: the caller expects B.
    assert.equal(errorCode(await open(forA, { key: alice!, context: ctxB })), "context_mismatch");
    // Header of B's envelope spliced onto A's payload (the attacker edits the context field too).
    const hA = headerLength(forA);
    const hB = headerLength(forB);
    const spliced = new Uint8Array([...forB.subarray(0, hB), ...forA.subarray(hA)]);
    assert.equal(errorCode(await open(spliced, { key: alice!, context: ctxB })), "chunk_auth");
    // A's header rewritten to claim record B (same length ids): the wrapped key is bound to the
    // context hash too, so the unwrap fails even before the header MAC is checked.
    const relabelled = forA.slice();
    const at = Buffer.from(relabelled).indexOf(Buffer.from(ctxA.recordId));
    relabelled.set(text(ctxB.recordId), at);
    assert.equal(errorCode(await open(relabelled, { key: alice!, context: ctxB })), "unwrap_failed");
    // A newer version of the same record is another context as well.
    assert.equal(
      errorCode(await open(forA, { key: alice!, context: { ...ctxA, version: 2 } })),
      "context_mismatch",
    );
  });

  test("a recipient removed from the header is detected by the others", async () => {
    const env = await seal(secret, { context: ctxA, recipients: [asRecipient(alice!), asRecipient(bob!)] });
    const ctxLen = encodeContext(ctxA).length;
    const countAt = FIXED_PREFIX + ctxLen;
    const firstEntry = countAt + 2;
    // Drop bob's entry (the second) and fix up header_len and the count so the header still parses.
    const cut = new Uint8Array(env.length - RECIPIENT_ENTRY_LENGTH);
    cut.set(env.subarray(0, firstEntry + RECIPIENT_ENTRY_LENGTH));
    cut.set(env.subarray(firstEntry + 2 * RECIPIENT_ENTRY_LENGTH), firstEntry + RECIPIENT_ENTRY_LENGTH);
    const dv = new DataView(cut.buffer);
    dv.setUint32(8, dv.getUint32(8) - RECIPIENT_ENTRY_LENGTH);
    dv.setUint16(countAt, 1);
    assert.ok(parseHeader(cut).ok);
    assert.equal(errorCode(await open(cut, { key: alice!, context: ctxA })), "header_mac");
    assert.equal(errorCode(await open(cut, { key: bob!, context: ctxA })), "not_a_recipient");
  });
});

describe("re-wrap for an added member", () => {
  test("a holder adds carol; carol opens; the payload bytes are unchanged", async () => {
    const env = await seal(pattern(5000), {
      context: ctxA,
      recipients: [asRecipient(alice!)],
      chunkSize: 1024,
    });
    assert.equal(errorCode(await open(env, { key: carol!, context: ctxA })), "not_a_recipient");
    const r = await rewrap(env, {
      key: alice!,
      context: ctxA,
      add: [asRecipient(carol!, 3), asRecipient(alice!)],
    });
    assert.ok(r.ok);
    const oldH = parseHeader(env);
    const newH = parseHeader(r.value.envelope);
    assert.ok(oldH.ok && newH.ok);
    assert.deepEqual(
      r.value.envelope.subarray(newH.value.bytes.length),
      env.subarray(oldH.value.bytes.length),
    );
    assert.deepEqual(
      newH.value.recipients.map((e) => e.keyVersion),
      [1, 3],
    );
    for (const k of [alice!, carol!]) {
      const o = await open(r.value.envelope, { key: k, context: ctxA });
      assert.ok(o.ok);
      assert.deepEqual(o.value.plaintext, pattern(5000));
    }
  });

  test("re-wrap works from the header bytes alone (e.g. a ranged R2 read)", async () => {
    const env = await seal(pattern(5000), { context: ctxA, recipients: [asRecipient(alice!)] });
    const h = parseHeader(env);
    assert.ok(h.ok);
    const r = await rewrap(h.value.bytes, { key: alice!, context: ctxA, add: [asRecipient(bob!)] });
    assert.ok(r.ok);
    const joined = new Uint8Array([...r.value.header, ...env.subarray(h.value.bytes.length)]);
    assert.ok((await open(joined, { key: bob!, context: ctxA })).ok);
  });

  test("only a holder can re-wrap, and only for the right record", async () => {
    const env = await seal(secret, { context: ctxA, recipients: [asRecipient(alice!)] });
    assert.equal(
      errorCode(await rewrap(env, { key: mallory!, context: ctxA, add: [asRecipient(mallory!)] })),
      "not_a_recipient",
    );
    assert.equal(
      errorCode(await rewrap(env, { key: alice!, context: ctxB, add: [asRecipient(bob!)] })),
      "context_mismatch",
    );
  });

  test("removing an entry drops it from the list (and the MAC stays valid for the rest)", async () => {
    const env = await seal(secret, { context: ctxA, recipients: [asRecipient(alice!), asRecipient(bob!)] });
    const r = await rewrap(env, { key: alice!, context: ctxA, remove: [bob!.keyId] });
    assert.ok(r.ok);
    assert.ok((await open(r.value.envelope, { key: alice!, context: ctxA })).ok);
    assert.equal(errorCode(await open(r.value.envelope, { key: bob!, context: ctxA })), "not_a_recipient");
  });
});

test("a Node Buffer (a pooled view whose slice() shares memory) parses and opens like a Uint8Array", async () => {
  const alice = await generateKeyPair();
  const sealed = await seal(text("buffered"), { context: ctxA, recipients: [asRecipient(alice)] });
  // Buffer.from(string) lands in the shared pool: a non-zero byteOffset into a larger ArrayBuffer.
  const pooled = Buffer.from(Buffer.from(sealed).toString("base64"), "base64");
  const h = parseHeader(pooled);
  assert.ok(h.ok, !h.ok ? h.error.message : "");
  assert.deepEqual(h.value.context, ctxA);
  const o = await open(pooled, { key: alice, context: ctxA });
  assert.ok(o.ok);
  assert.equal(new TextDecoder().decode(o.value.plaintext), "buffered");
});

test("opening proof: the same for every recipient and the header alone, bound to the audience, impossible for others", async () => {
  const [alice, bob, eve] = await Promise.all([generateKeyPair(), generateKeyPair(), generateKeyPair()]);
  const sealed = await seal(text("proof"), { context: ctxA, recipients: [asRecipient(alice), asRecipient(bob)] });
  const h = parseHeader(sealed);
  assert.ok(h.ok);
  const a = await openingProof(sealed, { key: alice, context: ctxA }, "order:alice");
  const b = await openingProof(h.value.bytes, { key: bob, context: ctxA }, "order:alice");
  assert.ok(a.ok && b.ok);
  assert.deepEqual(a.value, b.value);
  const other = await openingProof(sealed, { key: alice, context: ctxA }, "order:bob");
  assert.ok(other.ok);
  assert.notDeepEqual(other.value, a.value);
  assert.equal(errorCode(await openingProof(sealed, { key: eve, context: ctxA }, "order:alice")), "not_a_recipient");
  assert.equal(errorCode(await openingProof(sealed, { key: alice, context: ctxB }, "order:alice")), "context_mismatch");
  // A different envelope for the same record and recipients gives a different proof (fresh content key).
  const again = await seal(text("proof"), { context: ctxA, recipients: [asRecipient(alice), asRecipient(bob)] });
  const c = await openingProof(again, { key: alice, context: ctxA }, "order:alice");
  assert.ok(c.ok);
  assert.notDeepEqual(c.value, a.value);
});

describe("one-shot chunk size", () => {
  test("seal() keeps 1 MiB chunks below 1 MiB and puts larger payloads in one chunk, up to 16 MiB", async () => {
    const MiB = 1024 * 1024;
    assert.equal(oneShotChunkSize(0), MiB);
    assert.equal(oneShotChunkSize(MiB - 1), MiB);
    assert.equal(oneShotChunkSize(MiB), 2 * MiB); // the final chunk must be shorter than chunk_size
    assert.equal(oneShotChunkSize(10 * MiB), 16 * MiB);
    assert.equal(oneShotChunkSize(16 * MiB - 1), 16 * MiB);
    assert.equal(oneShotChunkSize(40 * MiB), 16 * MiB);
  });

  test("a 3 MiB payload is sealed as one chunk and opens one-shot and streamed", async () => {
    const pt = pattern(3 * 1024 * 1024 + 5);
    const env = await seal(pt, { context: ctxA, recipients: [asRecipient(alice!)] });
    const h = parseHeader(env);
    assert.ok(h.ok);
    assert.equal(h.value.chunkSize, 4 * 1024 * 1024);
    assert.equal(env.length, h.value.bytes.length + pt.length + 16);
    const r = await open(env, { key: alice!, context: ctxA });
    assert.ok(r.ok);
    assert.deepEqual(r.value.plaintext, pt);
    const s = await openReadable(streamOf(env, 65536), { key: alice!, context: ctxA });
    assert.ok(s.ok);
    assert.deepEqual(await readAll(s.value.plaintext), pt);
    // The single chunk is the final one: without its last 16 bytes, or edited, it fails its tag.
    assert.equal(errorCode(await open(env.subarray(0, env.length - 16), { key: alice!, context: ctxA })), "chunk_auth");
    const bad = env.slice();
    bad[bad.length - 100]! ^= 1;
    assert.equal(errorCode(await open(bad, { key: alice!, context: ctxA })), "chunk_auth");
  });
});

const many = await Promise.all(Array.from({ length: 40 }, () => generateKeyPair()));

describe("duplicate recipients", () => {
  const entryAt = (i: number) => FIXED_PREFIX + encodeContext(ctxA).length + 2 + i * RECIPIENT_ENTRY_LENGTH;

  for (const n of [3, 40]) {
    test(`${n} recipients: a key listed twice is refused when sealing and when parsing`, async () => {
      const keys = many.slice(0, n);
      await assert.rejects(
        seal(secret, { context: ctxA, recipients: [...keys.map((k) => asRecipient(k)), asRecipient(keys[1]!, 9)] }),
        RangeError,
      );
      const env = await seal(secret, { context: ctxA, recipients: keys.map((k) => asRecipient(k)) });
      assert.ok(parseHeader(env).ok);
      // The last entry's key id rewritten to the first one's.
      const dup = env.slice();
      dup.set(env.subarray(entryAt(0), entryAt(0) + 32), entryAt(n - 1));
      const h = parseHeader(dup);
      assert.equal(errorCode(h), "malformed");
      // Ids that differ only in their last byte are not duplicates.
      const near = env.slice();
      near.set(env.subarray(entryAt(0), entryAt(0) + 31), entryAt(n - 1));
      near[entryAt(n - 1) + 31] = env[entryAt(0) + 31]! ^ 1;
      assert.ok(parseHeader(near).ok);
    });
  }
});
