// Bundles the Worker for workerd. wrangler would do the same with esbuild; doing it here lets the
// start script, the tests and the benchmarks share one Miniflare harness (scripts/lib/worker-host.ts).
import { build } from "esbuild";
import { mkdirSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const WORKER_BUNDLE = path.join(ROOT, "dist", "worker.js");
/** The portal's static build (portal/vite.config.ts writes it), served by the Worker as assets. */
export const PORTAL_DIR = path.join(ROOT, "dist", "portal");

/** Type-checks and builds the portal with Vite; prints the first-load JS size. */
export async function buildPortal(): Promise<string> {
  const { spawnSync } = await import("node:child_process");
  for (const [cmd, args] of [
    ["tsc", ["--noEmit", "-p", "portal"]],
    ["vite", ["build", "--config", "portal/vite.config.ts", "--logLevel", "warn"]],
  ] as const) {
    const r = spawnSync(path.join(ROOT, "node_modules", ".bin", cmd), args, { cwd: ROOT, stdio: "inherit" });
    if (r.status !== 0) throw new Error(`portal build failed: ${cmd} exited with ${r.status}`);
  }
  return PORTAL_DIR;
}

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
