// Runs the edge Worker on workerd through Miniflare, with D1, R2 and the order queue bound as in
// wrangler.toml. Used by `npm start` (persisted under .wrangler/state/v3, like `wrangler dev`),
// by the tests (in memory, one instance per test file) and by the benchmarks.
import { Miniflare } from "miniflare";
import path from "node:path";
import type { D1Database, R2Bucket } from "@cloudflare/workers-types";
import { buildWorker, PORTAL_DIR, ROOT, WORKER_BUNDLE } from "./build-worker.ts";
import { applyMigrations } from "./migrations.ts";

export interface WorkerHostOptions {
  port?: number;
  host?: string;
  /** Directory for persisted D1/R2 state; omitted = in memory. */
  persistDir?: string;
  vars?: Record<string, string>;
  /** Skip the esbuild step (the bundle is already fresh). */
  prebuilt?: boolean;
  /** Serve HTTPS with a self-signed certificate Miniflare generates (TLS outside loopback). */
  https?: boolean;
  /** Serve the portal's build (dist/portal) as static assets, as wrangler.toml [assets] does. */
  portal?: boolean;
}

export interface WorkerHost {
  url: string;
  mf: Miniflare;
  db: D1Database;
  blobs: R2Bucket;
  fetch(pathOrUrl: string, init?: RequestInit): Promise<Response>;
  dispose(): Promise<void>;
}

// The portal's files as the ASSETS binding wrangler.toml [assets] declares; workerd serves them
// from disk and the Worker adds the single-page fallback (src/app.ts). The Worker stays the entry,
// so API traffic takes no extra hop.
const PORTAL_BINDING = { ASSETS: { disk: { path: PORTAL_DIR, writable: false } } };

let bundleBuilt: Promise<string> | undefined;
export function ensureBundle(): Promise<string> {
  bundleBuilt ??= buildWorker();
  return bundleBuilt;
}

export async function startWorkerHost(opts: WorkerHostOptions = {}): Promise<WorkerHost> {
  const scriptPath = opts.prebuilt ? WORKER_BUNDLE : await ensureBundle();
  const persist = opts.persistDir;
  const mf = new Miniflare({
    modules: true,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    scriptPath,
    compatibilityDate: "2025-09-01",
    host: opts.host ?? "127.0.0.1",
    https: opts.https ?? false,
    port: opts.port ?? 0,
    d1Databases: { DB: "virtengine" },
    r2Buckets: { BLOBS: "virtengine-blobs" },
    queueProducers: { ORDER_QUEUE: "virtengine-orders" },
    queueConsumers: { "virtengine-orders": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 8 } },
    // Domain proofs over http to a loopback port (honoured only with VE_MODE=local): what lets the
    // tests and the demo seed verify a provider's domain through the real flow (scripts/lib/domain-proof.ts).
    bindings: { VE_MODE: "local", VE_VERSION: "0.1.0", VE_DOMAIN_CHECK_INSECURE: "local", ...(opts.vars ?? {}) },
    ...(opts.portal ? { serviceBindings: PORTAL_BINDING } : {}),
    ...(persist
      ? {
          d1Persist: path.join(persist, "d1"),
          r2Persist: path.join(persist, "r2"),
          cachePersist: path.join(persist, "cache"),
        }
      : {}),
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const db = (await mf.getD1Database("DB")) as unknown as D1Database;
  const blobs = (await mf.getR2Bucket("BLOBS")) as unknown as R2Bucket;
  await applyMigrations(db);
  return {
    url,
    mf,
    db,
    blobs,
    fetch: (p, init) => fetch(p.startsWith("http") ? p : url + p, init),
    dispose: () => mf.dispose(),
  };
}

export { ROOT };
