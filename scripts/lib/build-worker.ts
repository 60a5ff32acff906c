// Bundles the Worker for workerd. wrangler would do the same with esbuild; doing it here lets the
// start script, the tests and the benchmarks share one Miniflare harness (scripts/lib/worker-host.ts).
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const WORKER_BUNDLE = path.join(ROOT, "dist", "worker.js");

export async function buildWorker(outfile = WORKER_BUNDLE): Promise<string> {
  mkdirSync(path.dirname(outfile), { recursive: true });
  await build({
    entryPoints: [path.join(ROOT, "src", "index.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    external: ["cloudflare:*", "node:*", "crypto"],
    sourcemap: "inline",
    logLevel: "warning",
    loader: { ".wasm": "copy", ".sql": "text" },
  });
  return outfile;
}
