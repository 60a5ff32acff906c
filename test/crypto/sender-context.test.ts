// VEENV v2 sender contexts (src/crypto/sender-context.ts): one encapsulation serves a bounded run of
// envelopes to one recipient key. These tests pin what makes that safe: sequence numbers never
// repeat within a context, contexts end by count and by age, every edit of an entry is refused,
// version-1 envelopes still open, and a key that is not the recipient's gets nothing from the
// opener's cache.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  generateKeyPair,
  hex,
  OpenerContexts,
  open,
  openingProof,
  parseHeader,
  rewrap,
  SenderContexts,
  seal,
} from "../../src/crypto/index.ts";
import { contextHash, encodeContext, encodeHeaderBody, FIXED_PREFIX, RECIPIENT_ENTRY_LENGTH_V2 } from "../../src/crypto/format.ts";
import { aesGcm, chunkAad, chunkNonce, directContentKeys, headerMac, macInputV2 } from "../../src/crypto/primitives.ts";
import { wrapAadV2, wrapV2 } from "../../src/crypto/sender-context.ts";
import { asRecipient, ctxA, ctxB, errorCode, pattern, readAll, streamOf, text } from "./helpers.ts";
import { openReadable, sealReadable } from "../../src/crypto/stream.ts";

const [alice, bob, mallory] = await Promise.all([1, 2, 3].map(() => generateKeyPair()));
const secret = text("root password: correct horse battery staple");

/** The v2 entry of `keyId` in an envelope's header. */
function entryOf(env: Uint8Array, keyId: Uint8Array) {
  const h = parseHeader(env);
  assert.ok(h.ok, "header parses");
  assert.equal(h.value.version, 2);
  const e = h.value.recipients.find((r) => hex(r.keyId) === hex(keyId));
  assert.ok(e, "entry present");
  return e;
}

/** Offset of entry `i` in a header for context `ctx`. */
const entryAt = (ctx = ctxA, i = 0) => FIXED_PREFIX + encodeContext(ctx).length + 2 + i * RECIPIENT_ENTRY_LENGTH_V2;

describe("v2 sender contexts: sequence numbers", () => {
  test("concurrent seals to one key share one context and never repeat a sequence number", async () => {
    const senders = new SenderContexts({ maxMessages: 1000 });
    const envs = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        seal(text(`message ${i}`), { context: { ...ctxA, version: i }, recipients: [asRecipient(alice!)], senders }),
      ),
    );
    const entries = envs.map((e) => entryOf(e, alice!.keyId));
    assert.equal(new Set(entries.map((e) => hex(e.ephemeralPublicKey))).size, 1, "one encapsulation");
    const seqs = entries.map((e) => e.seq!);
    assert.equal(new Set(seqs).size, 60, "no sequence number twice");
    assert.deepEqual([...seqs].sort((a, b) => a - b), Array.from({ length: 60 }, (_, i) => i));
    // And the wrapped keys differ although E and the record kind are the same.
    assert.equal(new Set(entries.map((e) => hex(e.wrappedKey))).size, 60);
    for (let i = 0; i < envs.length; i++) {
      const r = await open(envs[i]!, { key: alice!, context: { ...ctxA, version: i } });
      assert.ok(r.ok, errorCode(r));
      assert.equal(new TextDecoder().decode(r.value.plaintext), `message ${i}`);
    }
  });

  test("each recipient has a context of its own", async () => {
    const senders = new SenderContexts();
    const env = await seal(secret, { context: ctxA, recipients: [asRecipient(alice!), asRecipient(bob!)], senders });
    const a = entryOf(env, alice!.keyId);
    const b = entryOf(env, bob!.keyId);
    assert.notEqual(hex(a.ephemeralPublicKey), hex(b.ephemeralPublicKey));
    assert.equal(senders.size, 2);
    for (const k of [alice!, bob!]) assert.ok((await open(env, { key: k, context: ctxA })).ok);
  });
});

describe("v2 sender contexts: expiry", () => {
  test("a context ends after maxMessages envelopes; the next one starts at sequence 0 with a new key", async () => {
    const senders = new SenderContexts({ maxMessages: 3 });
    const entries = [];
    for (let i = 0; i < 7; i++) {
      const env = await seal(secret, { context: ctxA, recipients: [asRecipient(alice!)], senders });
      entries.push(entryOf(env, alice!.keyId));
      assert.ok((await open(env, { key: alice!, context: ctxA })).ok);
    }
    assert.deepEqual(
      entries.map((e) => e.seq),
      [0, 1, 2, 0, 1, 2, 0],
    );
    const encs = entries.map((e) => hex(e.ephemeralPublicKey));
    assert.equal(new Set(encs).size, 3);
    assert.equal(encs[0], encs[2]);
    assert.notEqual(encs[2], encs[3]);
    assert.notEqual(encs[5], encs[6]);
  });

  test("a context ends after maxAgeMs, and when the clock goes backwards", async () => {
    let now = 1_000_000;
    const senders = new SenderContexts({ maxAgeMs: 60_000, now: () => now });
    const enc = async () =>
      hex(entryOf(await seal(secret, { context: ctxA, recipients: [asRecipient(alice!)], senders }), alice!.keyId).ephemeralPublicKey);
    const first = await enc();
    now += 59_999;
    assert.equal(await enc(), first, "still live just before its age limit");
    now += 1;
    const second = await enc();
    assert.notEqual(second, first, "replaced at its age limit");
    now -= 10;
    const third = await enc();
    assert.notEqual(third, second, "a clock that went backwards ends the context too");
  });

  test("concurrent seals racing past the count limit still get distinct (key, sequence) pairs", async () => {
    const senders = new SenderContexts({ maxMessages: 4 });
    const envs = await Promise.all(
      Array.from({ length: 25 }, () => seal(secret, { context: ctxA, recipients: [asRecipient(alice!)], senders })),
    );
    const pairs = envs.map((e) => {
      const x = entryOf(e, alice!.keyId);
      assert.ok(x.seq! < 4);
      return `${hex(x.ephemeralPublicKey)}/${x.seq}`;
    });
    assert.equal(new Set(pairs).size, 25);
    for (const e of envs) assert.ok((await open(e, { key: alice!, context: ctxA })).ok);
  });

  test("bad limits are refused", () => {
    assert.throws(() => new SenderContexts({ maxMessages: 0 }), RangeError);
    assert.throws(() => new SenderContexts({ maxMessages: 1.5 }), RangeError);
    assert.throws(() => new SenderContexts({ maxAgeMs: 0 }), RangeError);
    assert.throws(() => new SenderContexts({ capacity: 0 }), RangeError);
  });

  test("the capacity bound drops the least recently used recipient's context", async () => {
    const senders = new SenderContexts({ capacity: 2 });
    const [k1, k2, k3] = await Promise.all([1, 2, 3].map(() => generateKeyPair()));
    const encFor = async (k: typeof k1) =>
      hex(entryOf(await seal(secret, { context: ctxA, recipients: [asRecipient(k!)], senders }), k!.keyId).ephemeralPublicKey);
    const e1 = await encFor(k1);
    await encFor(k2);
    assert.equal(await encFor(k1), e1); // k1 is now the most recent
    await encFor(k3); // evicts k2
    assert.equal(senders.size, 2);
    assert.equal(await encFor(k1), e1);
  });
});

describe("v2 tampering", () => {
  const sealed = (senders = new SenderContexts()) =>
    seal(pattern(300), { context: ctxA, recipients: [asRecipient(alice!)], chunkSize: 64, senders });
  const headerLength = (env: Uint8Array) => {
    const h = parseHeader(env);
    assert.ok(h.ok);
    return h.value.bytes.length;
  };

  test("an edited sequence number, encapsulated key or wrapped key → unwrap_failed", async () => {
    const env = await sealed();
    const at = entryAt();
    for (const [what, offset] of [
      ["enc", at + 36 + 5],
      ["seq", at + 68 + 7],
      ["wrapped key", at + 76 + 3],
      ["key version", at + 35],
    ] as const) {
      const bad = env.slice();
      bad[offset]! ^= 0x01;
      assert.equal(errorCode(await open(bad, { key: alice!, context: ctxA })), "unwrap_failed", what);
    }
  });

  test("a sequence number beyond 2^53 is malformed", async () => {
    const env = await sealed();
    const bad = env.slice();
    bad[entryAt() + 68] = 0xff;
    assert.equal(errorCode(await open(bad, { key: alice!, context: ctxA })), "malformed");
  });

  test("an entry copied from another envelope of the same context and record → header_mac", async () => {
    const senders = new SenderContexts();
    const one = await sealed(senders);
    const two = await sealed(senders);
    const at = entryAt();
    const spliced = two.slice();
    spliced.set(one.subarray(at, at + RECIPIENT_ENTRY_LENGTH_V2), at);
    // The entry unwraps (to envelope one's content key), but that key does not verify header two.
    assert.equal(errorCode(await open(spliced, { key: alice!, context: ctxA })), "header_mac");
  });

  test("chunks reordered, dropped or truncated are refused", async () => {
    const env = await sealed();
    const h = headerLength(env);
    const full = 64 + 16;
    const swapped = env.slice();
    swapped.set(env.subarray(h + full, h + 2 * full), h);
    swapped.set(env.subarray(h, h + full), h + full);
    assert.equal(errorCode(await open(swapped, { key: alice!, context: ctxA })), "chunk_auth");
    assert.equal(errorCode(await open(env.subarray(0, h + 4 * full), { key: alice!, context: ctxA })), "truncated");
    assert.equal(errorCode(await open(env.subarray(0, h + 2 * full + 30), { key: alice!, context: ctxA })), "chunk_auth");
    const dropped = new Uint8Array([...env.subarray(0, h + full), ...env.subarray(h + 2 * full)]);
    assert.equal(errorCode(await open(dropped, { key: alice!, context: ctxA })), "chunk_auth");
  });

  test("a v2 header relabelled as version 1 (or the reverse) does not parse", async () => {
    const v2 = await sealed();
    const asV1 = v2.slice();
    asV1[5] = 1;
    assert.equal(errorCode(await open(asV1, { key: alice!, context: ctxA })), "malformed");
    const v1 = await seal(secret, { context: ctxA, recipients: [asRecipient(alice!)], version: 1 });
    const asV2 = v1.slice();
    asV2[5] = 2;
    assert.equal(errorCode(await open(asV2, { key: alice!, context: ctxA })), "malformed");
  });

  test("the streaming reader refuses the same damage", async () => {
    const env = await sealed();
    const bad = env.slice();
    bad[entryAt() + 68 + 7]! ^= 0x01;
    assert.equal(errorCode(await openReadable(streamOf(bad, 50), { key: alice!, context: ctxA })), "unwrap_failed");
  });
});

describe("v2 and version 1 side by side", () => {
  test("version-1 envelopes (fresh ephemeral key per entry) still open, one-shot and streamed", async () => {
    const v1 = await seal(pattern(5000), {
      context: ctxA,
      recipients: [asRecipient(alice!), asRecipient(bob!)],
      chunkSize: 1024,
      version: 1,
    });
    const h = parseHeader(v1);
    assert.ok(h.ok);
    assert.equal(h.value.version, 1);
    assert.equal(h.value.recipients[0]!.seq, undefined);
    for (const k of [alice!, bob!]) {
      const r = await open(v1, { key: k, context: ctxA });
      assert.ok(r.ok);
      assert.deepEqual(r.value.plaintext, pattern(5000));
      const s = await openReadable(streamOf(v1, 333), { key: k, context: ctxA });
      assert.ok(s.ok);
      assert.deepEqual(await readAll(s.value.plaintext), pattern(5000));
    }
  });

  test("re-wrapping keeps the envelope's version: v1 gains a v1 entry, v2 a v2 entry", async () => {
    for (const version of [1, 2] as const) {
      const env = await seal(secret, { context: ctxA, recipients: [asRecipient(alice!)], version });
      const r = await rewrap(env, { key: alice!, context: ctxA, add: [asRecipient(bob!, 3)] });
      assert.ok(r.ok);
      const h = parseHeader(r.value.envelope);
      assert.ok(h.ok);
      assert.equal(h.value.version, version);
      assert.equal(h.value.recipients.length, 2);
      assert.equal(h.value.recipients[1]!.seq === undefined, version === 1);
      const o = await open(r.value.envelope, { key: bob!, context: ctxA });
      assert.ok(o.ok);
      assert.deepEqual(o.value.plaintext, secret);
    }
  });

  test("opening proofs agree between recipients of a v2 envelope", async () => {
    const env = await seal(secret, { context: ctxA, recipients: [asRecipient(alice!), asRecipient(bob!)] });
    const a = await openingProof(env, { key: alice!, context: ctxA }, "rec:user");
    const b = await openingProof(env, { key: bob!, context: ctxA }, "rec:user");
    assert.ok(a.ok && b.ok);
    assert.equal(hex(a.value), hex(b.value));
  });

  test("the streamed sealer writes v2 too", async () => {
    const s = await sealReadable(streamOf(pattern(3000), 700), { context: ctxB, recipients: [asRecipient(bob!)], chunkSize: 1024 });
    const env = await readAll(s.stream);
    assert.equal(entryOf(env, bob!.keyId).seq !== undefined, true);
    const r = await open(env, { key: bob!, context: ctxB });
    assert.ok(r.ok);
    assert.deepEqual(r.value.plaintext, pattern(3000));
  });
});

describe("v2 opener cache and foreign keys", () => {
  test("a foreign key cannot open, whether or not the recipient's derived key is cached", async () => {
    const openers = new OpenerContexts();
    const env = await seal(secret, { context: ctxA, recipients: [asRecipient(alice!)] });
    assert.equal(errorCode(await open(env, { key: mallory!, context: ctxA, openers })), "not_a_recipient");
    assert.ok((await open(env, { key: alice!, context: ctxA, openers })).ok); // now cached for alice
    // Mallory claims alice's key id and public key but holds only her own private key.
    const impostor = { privateKey: mallory!.privateKey, publicKey: alice!.publicKey, keyId: alice!.keyId };
    assert.equal(errorCode(await open(env, { key: impostor, context: ctxA, openers })), "unwrap_failed");
    assert.equal(errorCode(await open(env, { key: { ...mallory!, keyId: alice!.keyId }, context: ctxA, openers })), "unwrap_failed");
  });

  test("a cold cache and a warm cache open the same envelopes alike", async () => {
    const senders = new SenderContexts();
    const envs = await Promise.all(
      [0, 1, 2].map((v) => seal(pattern(100, v), { context: { ...ctxB, version: v }, recipients: [asRecipient(bob!)], senders })),
    );
    const warm = new OpenerContexts();
    for (let v = 0; v < 3; v++) {
      for (const openers of [warm, new OpenerContexts()]) {
        const r = await open(envs[v]!, { key: bob!, context: { ...ctxB, version: v }, openers });
        assert.ok(r.ok);
        assert.deepEqual(r.value.plaintext, pattern(100, v));
      }
    }
  });

  test("a small-order encapsulated key is refused, and not remembered", async () => {
    const openers = new OpenerContexts();
    const env = await seal(secret, { context: ctxA, recipients: [asRecipient(alice!)] });
    const bad = env.slice();
    bad.fill(0, entryAt() + 36, entryAt() + 68);
    for (let i = 0; i < 2; i++)
      assert.equal(errorCode(await open(bad, { key: alice!, context: ctxA, openers })), "unwrap_failed");
    assert.ok((await open(env, { key: alice!, context: ctxA, openers })).ok);
  });

  test("an envelope moved to another record fails to unwrap (the record is in the wrap's AAD)", async () => {
    const env = await seal(secret, { context: ctxA, recipients: [asRecipient(alice!)] });
    const relabelled = env.slice();
    relabelled.set(text(ctxB.recordId), Buffer.from(env).indexOf(Buffer.from(ctxA.recordId)));
    assert.equal(errorCode(await open(relabelled, { key: alice!, context: ctxB })), "unwrap_failed");
  });
});

describe("v2 content keys are committed by the header MAC", () => {
  test("a sender who wraps a different payload key for one recipient is caught by that recipient (header_mac)", async () => {
    // A dishonest sender builds one header in which alice's entry holds p ‖ m and bob's holds p′ ‖ m,
    // with the MAC computed for alice. Same mac_key, different payload key: without the payload key
    // under the MAC, both would verify and decrypt the same chunks to different plaintexts.
    const senders = new SenderContexts();
    const cek = pattern(64, 11);
    const forged = cek.slice();
    forged[3]! ^= 0x40;
    const ctxHash = await contextHash(ctxA);
    const entryFor = async (k: typeof alice, content: Uint8Array) => {
      const { context, seq } = await senders.acquire(k!.publicKey);
      const wrappedKey = await wrapV2(context.key, seq, wrapAadV2(context.keyId, 1, seq, ctxHash), content);
      return { keyId: context.keyId, keyVersion: 1, ephemeralPublicKey: context.enc, seq, wrappedKey };
    };
    const baseNonce = pattern(12, 5);
    const body = encodeHeaderBody({
      version: 2,
      chunkSize: 1024,
      baseNonce,
      context: ctxA,
      recipients: [await entryFor(alice, cek), await entryFor(bob, forged)],
    });
    const keys = await directContentKeys(cek);
    const header = new Uint8Array([...body, ...(await headerMac(keys.mac, macInputV2(body, cek)))]);
    const chunk = await aesGcm(keys.payload, "encrypt", chunkNonce(baseNonce, 0), chunkAad(ctxHash, 0, true), secret);
    const env = new Uint8Array([...header, ...chunk]);
    const a = await open(env, { key: alice!, context: ctxA });
    assert.ok(a.ok, errorCode(a));
    assert.deepEqual(a.value.plaintext, secret);
    assert.equal(errorCode(await open(env, { key: bob!, context: ctxA })), "header_mac");
  });
});
