// The library inside workerd: the checked-in vectors seal to the same bytes, open (one-shot and
// streamed), and the tampered ones fail with the same codes as under Node.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { build } from "esbuild";
import { Miniflare } from "miniflare";

test("vectors inside workerd", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "veenv-workerd-"));
  const outfile = path.join(dir, "worker.js");
  await build({
    entryPoints: [path.join(import.meta.dirname, "vectors-worker.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    logLevel: "warning",
  });
  const mf = new Miniflare({
    modules: true,
    modulesRoot: dir,
    scriptPath: outfile,
    compatibilityDate: "2025-09-01",
  });
  try {
    const res = await mf.dispatchFetch("http://vectors/");
    const r = (await res.json()) as { checks: number; failures: string[]; userAgent: string };
    assert.equal(r.userAgent, "Cloudflare-Workers");
    assert.deepEqual(r.failures, []);
    assert.ok(r.checks >= 30, `${r.checks} checks`);
  } finally {
    await mf.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
