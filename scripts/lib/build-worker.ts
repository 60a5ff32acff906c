// Bundles the Worker for workerd. wrangler would do the same with esbuild; doing it here lets the
// start script, the tests and the benchmarks share one Miniflare harness (scripts/lib/worker-host.ts).
import { build } from "esbuild";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const WORKER_BUNDLE = path.join(ROOT, "dist", "worker.js");
/** The portal's static build (portal/vite.config.ts writes it), served by the Worker as assets. */
export const PORTAL_DIR = path.join(ROOT, "dist", "portal");

/** Newest modification time under a path (files only), 0 when it does not exist. */
function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((f) => newestMtime(path.join(p, f))));
}

/**
 * Builds the portal unless dist/portal is newer than its sources. Test files run in parallel and
 * each wants the build: a lock directory makes one build while the others wait and then find it
 * fresh (a build empties dist/portal, which must not happen under a running test).
 */
export async function ensurePortal(): Promise<string> {
  // The portal's own tree plus the shared modules it imports from src/.
  const sources = Math.max(
    ...["portal", "src/crypto", "src/wallet", "src/http/decimal.ts", "src/marketplace/catalog/types.ts"].map(
      (p) => newestMtime(path.join(ROOT, p)),
    ),
  );
  const fresh = () => newestMtime(path.join(PORTAL_DIR, "index.html")) > sources;
  if (fresh()) return PORTAL_DIR;
  const lock = path.join(ROOT, "dist", ".portal-build.lock");
  mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another process builds; a lock older than five minutes is from a build that died.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000)
        rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    if (!fresh()) await buildPortal();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return PORTAL_DIR;
}

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
