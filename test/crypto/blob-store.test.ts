// The R2 blob store inside workerd (Miniflare): envelopes stream into R2 with their hash and size,
// only ciphertext is stored, the header is checked against the record, a tampered object is
// caught, and a member re-wraps for a new member by replacing only the header.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { R2Bucket } from "@cloudflare/workers-types";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import type { BlobRef } from "../../src/crypto/blob-store.ts";
import { generateKeyPair, hex, open, rewrap, seal } from "../../src/crypto/index.ts";
import { asRecipient, ctxA, ctxB, pattern } from "./helpers.ts";

const [alice, provider, carol] = await Promise.all([generateKeyPair(), generateKeyPair(), generateKeyPair()]);
let mf: Miniflare;
let dir = "";
let bucket: R2Bucket;

const q = (c: typeof ctxA) => `kind=${c.kind}&id=${encodeURIComponent(c.recordId)}&version=${c.version}`;
const call = (p: string, init?: RequestInit & { ref?: BlobRef }) =>
  mf.dispatchFetch(`http://blob${p}`, {
    ...init,
    headers: {
      ...(init?.ref ? { "x-ref": JSON.stringify(init.ref) } : {}),
      ...(init?.body instanceof Uint8Array ? { "content-length": String(init.body.length) } : {}),
    },
  } as never) as unknown as Promise<Response>;
const checkCode = async (ref: BlobRef) => {
  const r = (await (await call("/check/x", { ref })).json()) as { ok: boolean; error?: { code: string } };
  return r.ok ? "ok" : r.error!.code;
};
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

async function stored(key: string): Promise<Uint8Array> {
  const o = await bucket.get(key);
  assert.ok(o, `${key} is in R2`);
  return new Uint8Array(await o.arrayBuffer());
}

describe("R2 blob store (in workerd)", () => {
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "veenv-blob-"));
    const outfile = path.join(dir, "worker.js");
    await build({
      entryPoints: [path.join(import.meta.dirname, "blob-worker.ts")],
      outfile,
      bundle: true,
      format: "esm",
      platform: "browser",
      conditions: ["workerd", "worker", "browser"],
      logLevel: "warning",
    });
    mf = new Miniflare({
      modules: true,
      modulesRoot: dir,
      scriptPath: outfile,
      compatibilityDate: "2025-09-01",
      r2Buckets: ["BLOBS"],
    });
    bucket = (await mf.getR2Bucket("BLOBS")) as unknown as R2Bucket;
  });
  after(async () => {
    await mf?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a client-sealed envelope streams into R2; the ref has key, sha256, size, recipients; only ciphertext is stored", async () => {
    const secret = new TextEncoder().encode("kubeconfig: token=s3cr3t-value-that-must-not-leak ");
    const pt = new Uint8Array(3 * 1024 * 1024 + 5);
    for (let o = 0; o < pt.length; o += secret.length)
      pt.set(secret.subarray(0, Math.min(secret.length, pt.length - o)), o);
    const env = await seal(pt, {
      context: ctxA,
      recipients: [asRecipient(alice!), asRecipient(provider!, 2)],
      chunkSize: 256 * 1024,
    });
    const res = await call(`/put/orders%2Fa.veenv?${q(ctxA)}&require=${hex(provider!.keyId)}`, {
      method: "PUT",
      body: env,
    });
    const r = (await res.json()) as { ok: boolean; value: BlobRef };
    assert.equal(res.status, 201, JSON.stringify(r));
    assert.equal(r.value.key, "orders/a.veenv");
    assert.equal(r.value.size, env.length);
    assert.equal(r.value.sha256, sha(env));
    assert.deepEqual(r.value.recipients, [
      { keyId: hex(alice!.keyId), keyVersion: 1 },
      { keyId: hex(provider!.keyId), keyVersion: 2 },
    ]);
    assert.deepEqual(r.value.context, ctxA);
    const bytes = await stored("orders/a.veenv");
    assert.deepEqual(bytes, env);
    assert.ok(!Buffer.from(bytes).includes(Buffer.from("s3cr3t-value")), "plaintext found in R2");
    // Served back through the store (hash and size checked) and opened by the provider.
    const back = new Uint8Array(await (await call("/get/x", { ref: r.value })).arrayBuffer());
    const o = await open(back, { key: provider!, context: ctxA });
    assert.ok(o.ok);
    assert.equal(sha(o.value.plaintext), sha(pt));
  });

  test("refused before storing: another record, a missing required recipient, a wrong length, not an envelope", async () => {
    const env = await seal(pattern(5000), { context: ctxA, recipients: [asRecipient(alice!)] });
    const codeOf = async (p: string, body: Uint8Array<ArrayBuffer>) => {
      const res = await call(p, { method: "PUT", body });
      assert.equal(res.status, 400);
      return ((await res.json()) as { error: { code: string } }).error.code;
    };
    assert.equal(await codeOf(`/put/r1?${q(ctxB)}`, env), "context_mismatch");
    assert.equal(
      await codeOf(`/put/r2?${q(ctxA)}&require=${hex(provider!.keyId)}`, env),
      "missing_recipient",
    );
    assert.equal(
      await codeOf(`/put/r3?${q(ctxA)}`, new TextEncoder().encode("plaintext order details, not sealed")),
      "malformed",
    );
    assert.equal(await codeOf(`/put/r4?${q(ctxA)}`, env.subarray(0, 100)), "truncated");
    for (const k of ["r1", "r2", "r3", "r4"]) assert.equal(await bucket.head(k), null);
  });

  test("the Worker seals a plaintext stream to a public key (e.g. an executor key) straight into R2", async () => {
    const pt = pattern(2_500_000, 3);
    const res = await call(
      `/seal/creds.veenv?${q(ctxB)}&pub=${hex(provider!.publicKey)}&plen=${pt.length}&chunk=65536`,
      {
        method: "POST",
        body: pt,
      },
    );
    const r = (await res.json()) as { ok: boolean; value: BlobRef };
    assert.equal(res.status, 201, JSON.stringify(r));
    const bytes = await stored("creds.veenv");
    assert.equal(bytes.length, r.value.size);
    assert.equal(sha(bytes), r.value.sha256);
    const o = await open(bytes, { key: provider!, context: ctxB });
    assert.ok(o.ok);
    assert.deepEqual(o.value.plaintext, pt);
  });

  test("an object altered in R2 is caught: hash on the way out, chunk authentication on open", async () => {
    const env = await seal(pattern(100_000), {
      context: ctxA,
      recipients: [asRecipient(alice!)],
      chunkSize: 4096,
    });
    const res = await call(`/put/t.veenv?${q(ctxA)}`, { method: "PUT", body: env });
    const ref = ((await res.json()) as { value: BlobRef }).value;
    assert.equal(await checkCode(ref), "ok");
    const bad = env.slice();
    bad[bad.length - 500]! ^= 1;
    await bucket.put("t.veenv", bad);
    assert.equal(await checkCode(ref), "hash_mismatch");
    assert.equal(
      (
        (await open(await stored("t.veenv"), { key: alice!, context: ctxA })) as {
          ok: false;
          error: { code: string };
        }
      ).error.code,
      "chunk_auth",
    );
    // Swapped for another record's object: the size already differs, and open reports the record.
    const other = await seal(pattern(10), { context: ctxB, recipients: [asRecipient(alice!)] });
    await bucket.put("t.veenv", other);
    assert.equal(
      ((await (await call("/get/x", { ref })).json()) as { error: { code: string } }).error.code,
      "size_mismatch",
    );
    const o = await open(other, { key: alice!, context: ctxA });
    assert.equal(o.ok ? "ok" : o.error.code, "context_mismatch");
  });

  test("adding a member: header by ranged read, re-wrapped on the client, payload copied R2 to R2", async () => {
    const pt = pattern(700_000, 9);
    const env = await seal(pt, { context: ctxA, recipients: [asRecipient(alice!)], chunkSize: 65536 });
    const ref = (
      (await (await call(`/put/m.veenv?${q(ctxA)}`, { method: "PUT", body: env })).json()) as {
        value: BlobRef;
      }
    ).value;
    const header = new Uint8Array(await (await call("/header/x", { ref })).arrayBuffer());
    assert.ok(header.length < 400, "only the header was read");
    const rw = await rewrap(header, { key: alice!, context: ctxA, add: [asRecipient(carol!, 4)] });
    assert.ok(rw.ok);
    const res = await call("/replace/m2.veenv", { method: "POST", body: rw.value.header, ref });
    const next = (await res.json()) as { ok: boolean; value: BlobRef };
    assert.equal(res.status, 201, JSON.stringify(next));
    assert.deepEqual(
      next.value.recipients.map((r) => r.keyVersion),
      [1, 4],
    );
    const bytes = await stored("m2.veenv");
    assert.equal(sha(bytes), next.value.sha256);
    for (const k of [alice!, carol!]) {
      const o = await open(bytes, { key: k, context: ctxA });
      assert.ok(o.ok);
      assert.equal(sha(o.value.plaintext), sha(pt));
    }
    // A header for another record is refused by the store.
    const foreign = await seal(pattern(10), {
      context: ctxB,
      recipients: [asRecipient(alice!)],
      chunkSize: 65536,
    });
    const h = foreign.subarray(0, header.length);
    const refused = await call("/replace/m3.veenv", { method: "POST", body: h, ref });
    assert.equal(refused.status, 400);
  });
});
