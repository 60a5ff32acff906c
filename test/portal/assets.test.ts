// The portal served by the Worker: files with their types and caching, the single-page fallback for
// client routes, and the API paths never shadowed by it.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { ensurePortal, PORTAL_DIR } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";

let host: WorkerHost;
before(async () => {
  await ensurePortal();
  host = await startWorkerHost({ portal: true });
});
after(() => host?.dispose());

const NAVIGATE = { Accept: "text/html", "Sec-Fetch-Mode": "navigate" };

test("client routes get index.html; built files keep their type and immutable caching", async () => {
  for (const p of ["/", "/marketplace", "/offerings/0123456789abcdef0123456789abcdef/order", "/api"]) {
    const r = await host.fetch(p, { headers: NAVIGATE });
    assert.equal(r.status, 200, p);
    assert.match(r.headers.get("content-type") ?? "", /^text\/html/, p);
    assert.equal(r.headers.get("cache-control"), "no-cache");
    assert.match(await r.text(), /<div id="app"><\/div>/);
  }
  const js = readdirSync(path.join(PORTAL_DIR, "assets")).find((f) => f.endsWith(".js"))!;
  const r = await host.fetch(`/assets/${js}`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type") ?? "", /^text\/javascript/);
  assert.equal(r.headers.get("cache-control"), "public, max-age=31536000, immutable");
  assert.equal((await r.arrayBuffer()).byteLength > 1000, true);
  assert.equal(
    (await host.fetch("/assets/missing-file.js")).status,
    404,
    "a missing file is not answered with the app",
  );
});

test("the API and auth paths are never shadowed by the fallback", async () => {
  for (const p of [
    "/api/no-such-thing/",
    "/api-auth/nothing/",
    "/api/marketplace-resources/0123456789abcdef0123456789abcdef/",
  ]) {
    const r = await host.fetch(p, { headers: NAVIGATE });
    assert.ok(r.status === 404 || r.status === 401, `${p}: ${r.status}`);
    assert.match(r.headers.get("content-type") ?? "", /^application\/json/, p);
  }
  const list = await host.fetch("/api/marketplace-public-offerings/", { headers: NAVIGATE });
  assert.equal(list.status, 200);
  assert.ok(Array.isArray(await list.json()));
  const post = await host.fetch("/marketplace", { method: "POST" });
  assert.equal(post.status, 404);
  assert.deepEqual(await post.json(), { detail: "Not found." });
});

test("a host started without the portal answers only the API", async () => {
  const bare = await startWorkerHost({ prebuilt: true });
  try {
    const r = await bare.fetch("/", { headers: NAVIGATE });
    assert.equal(r.status, 404);
    assert.deepEqual(await r.json(), { detail: "Not found." });
  } finally {
    await bare.dispose();
  }
});
