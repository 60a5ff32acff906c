// Cross-check with the independent Go decoder (tools/envelope-decoder-go): it must run its own
// vector tests, open every checked-in vector, reject every tampered one with the same code as the
// TypeScript decoder, and open fresh envelopes sealed here with random keys and sizes.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { exportPrivateKey, generateKeyPair, hex, open, seal, sealStream } from "../../src/crypto/index.ts";
import { asRecipient, readAll, streamOf } from "./helpers.ts";
import type { NegativeCase, PositiveCase } from "./vectors/generate.ts";
import { VECTOR_DIR } from "./vectors/write.ts";

const GO_DIR = path.resolve(import.meta.dirname, "../../tools/envelope-decoder-go");
const goEnv = { ...process.env, GOTOOLCHAIN: "local", GOFLAGS: "-buildvcs=false" };
const load = (name: string) => JSON.parse(readFileSync(path.join(VECTOR_DIR, name), "utf8")).cases;

interface Job {
  envelope: string;
  private_key: string;
  context: { kind: string; record_id: string; version: number };
}
type GoResult =
  | { ok: true; plaintext: string; recipients: number }
  | { ok: false; code: string; message: string };

let binDir = "";
let bin = "";
function decode(jobs: Job[]): GoResult[] {
  const out = execFileSync(bin, [], {
    input: JSON.stringify(jobs),
    maxBuffer: 256 * 1024 * 1024,
    encoding: "utf8",
  });
  return JSON.parse(out);
}

describe("independent Go decoder", () => {
  before(() => {
    binDir = mkdtempSync(path.join(tmpdir(), "veenv-go-"));
    bin = path.join(binDir, "veenv-decode");
    execFileSync("go", ["build", "-o", bin, "./cmd/veenv-decode"], {
      cwd: GO_DIR,
      env: goEnv,
      stdio: "pipe",
    });
  });
  after(() => rmSync(binDir, { recursive: true, force: true }));

  test("go test ./... passes (vectors opened, tampered vectors rejected by code)", () => {
    const out = execFileSync("go", ["test", "-count=1", "./..."], {
      cwd: GO_DIR,
      env: goEnv,
      encoding: "utf8",
    });
    assert.match(out, /^ok\s+\S+\/veenv\s/m);
  });

  test("opens every vector (v1 and v2) for every recipient", () => {
    const cases: PositiveCase[] = [...load("envelopes.json"), ...load("envelopes-v2.json")];
    const jobs = cases.flatMap((c) =>
      c.recipients.map((r) => ({ envelope: c.envelope, private_key: r.private_key, context: c.context })),
    );
    const results = decode(jobs);
    let i = 0;
    for (const c of cases)
      for (const _ of c.recipients) {
        const r = results[i++]!;
        assert.ok(r.ok, `${c.name}: ${!r.ok && r.message}`);
        assert.equal(r.plaintext, c.plaintext);
        assert.equal(r.recipients, c.recipients.length);
      }
  });

  test("rejects every tampered vector (v1 and v2) with the documented code", () => {
    const cases: NegativeCase[] = [...load("tampered.json"), ...load("tampered-v2.json")];
    const results = decode(
      cases.map((c) => ({ envelope: c.envelope, private_key: c.opener.private_key, context: c.context })),
    );
    cases.forEach((c, i) => {
      const r = results[i]!;
      assert.equal(r.ok ? "ok" : r.code, c.expect, c.name);
    });
  });

  test("agrees with the TypeScript decoder on fresh random envelopes, v1 and v2 (one-shot and streamed)", async () => {
    const keys = await Promise.all(Array.from({ length: 4 }, () => generateKeyPair()));
    const raw = await Promise.all(keys.map((k) => exportPrivateKey(k.privateKey)));
    const jobs: Job[] = [];
    const expected: string[] = [];
    const sizes = [0, 1, 1023, 4096, 65535, 65536, 65537, 300_000, 1_048_576];
    for (const [i, n] of sizes.entries()) {
      const pt = crypto.getRandomValues(new Uint8Array(Math.min(n, 65536)));
      const full = new Uint8Array(n);
      for (let o = 0; o < n; o += pt.length) full.set(pt.subarray(0, Math.min(pt.length, n - o)), o);
      const nRecipients = 1 + (i % 4);
      const context = { kind: "support.reply", recordId: `r-${i}-ü`, version: i * 1000 };
      const opts = {
        context,
        recipients: keys.slice(0, nRecipients).map((k, j) => asRecipient(k, j + 1)),
        chunkSize: i % 2 ? 65536 : 4096 + i,
        // Both versions: v2 (sender contexts, the default) and v1 (an ephemeral key per entry).
        version: i % 3 === 0 ? (1 as const) : (2 as const),
      };
      const envs = [await seal(full, opts)];
      const s = await sealStream(opts);
      envs.push(await readAll(streamOf(full, 10_000).pipeThrough(s.stream)));
      for (const env of envs) {
        const opener = (i * 7) % nRecipients;
        const mine = await open(env, { key: keys[opener]!, context });
        assert.ok(mine.ok);
        jobs.push({
          envelope: hex(env),
          private_key: hex(raw[opener]!),
          context: { kind: context.kind, record_id: context.recordId, version: context.version },
        });
        expected.push(hex(full));
        // A key that is not listed (when one is left) must be refused by both.
        if (nRecipients < 4) {
          jobs.push({ envelope: hex(env), private_key: hex(raw[3]!), context: jobs.at(-1)!.context });
          expected.push("not_a_recipient");
        }
      }
    }
    const results = decode(jobs);
    assert.equal(results.length, jobs.length);
    for (const [i, r] of results.entries())
      assert.equal(r.ok ? r.plaintext : r.code, expected[i], `job ${i}`);
  });
});
