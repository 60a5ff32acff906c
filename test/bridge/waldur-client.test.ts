// The bridge's Waldur client against a second instance of our own API (which speaks Waldur):
// Link-header paging, retries with backoff through a fault-injecting loopback proxy, and errors
// as values when the remote is down or the token is revoked.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { WaldurClient } from "../../src/bridge/waldur/client.ts";
import { userApi } from "../helpers/api.ts";
import { useWorker } from "../helpers/worker.ts";

const remote = useWorker();
const noSleep = async () => {};

test("listAll follows rel=next through every page", async () => {
  const owner = await userApi(remote.host);
  const cust = await owner.expect(201, owner.post("/api/customers/", { name: "Remote Org" }));
  for (let i = 0; i < 230; i++) await owner.expect(201, owner.post("/api/projects/", { name: `R${i}`, customer: cust.url }));
  const client = new WaldurClient({ baseUrl: `${remote.host.url}/api/`, token: owner.token!, sleep: noSleep });
  const r = await client.listAll<{ uuid: string }>("/api/projects/", { customer: cust.uuid });
  assert.ok(r.ok);
  assert.equal(r.value.length, 230);
  assert.equal(new Set(r.value.map((p) => p.uuid)).size, 230);
  const me = await client.call(client.api.GET("/api/users/me/"));
  assert.ok(me.ok && me.value.username === owner.username);
});

test("429 and 5xx are retried with backoff (Retry-After honoured); 4xx is returned as is", async () => {
  const owner = await userApi(remote.host);
  let failures = 2;
  const seen: string[] = [];
  const proxy = http.createServer(async (req, res) => {
    seen.push(req.url ?? "");
    if (failures > 0) {
      failures--;
      res.writeHead(failures === 1 ? 429 : 503, { "Retry-After": "1", "Content-Type": "application/json" });
      res.end(JSON.stringify({ detail: "Request was throttled." }));
      return;
    }
    const upstream = await fetch(remote.host.url + req.url, { headers: { Authorization: String(req.headers.authorization) } });
    res.writeHead(upstream.status, { "Content-Type": "application/json", Link: upstream.headers.get("link") ?? "" });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  const sleeps: number[] = [];
  try {
    const client = new WaldurClient({
      baseUrl: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
      token: owner.token!,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      minIntervalMs: 0,
    });
    const r = await client.call(client.api.GET("/api/version/"));
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(seen.length, 3);
    assert.deepEqual(sleeps, [1000, 1000]);
    const missing = await client.call(client.api.GET("/api/customers/{uuid}/", { params: { path: { uuid: "0".repeat(32) } } }));
    assert.deepEqual(missing, { ok: false, status: 404, message: "Not found.", transient: false });
  } finally {
    proxy.close();
  }
});

test("a remote that is down or a revoked token gives a readable error value, never a throw", async () => {
  const dead = http.createServer();
  await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
  const port = (dead.address() as AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  const down = new WaldurClient({ baseUrl: `http://127.0.0.1:${port}`, token: "x", sleep: noSleep, retries: 2 });
  const r1 = await down.call(down.api.GET("/api/version/"));
  assert.equal(r1.ok, false);
  assert.ok(!r1.ok && r1.transient && /cannot reach Waldur/.test(r1.message));
  const r2 = await down.listAll("/api/projects/");
  assert.ok(!r2.ok && r2.transient);
  const revoked = new WaldurClient({ baseUrl: remote.host.url, token: "0".repeat(40), sleep: noSleep });
  const r3 = await revoked.call(revoked.api.GET("/api/users/me/"));
  assert.deepEqual(r3, { ok: false, status: 401, message: "Invalid token.", transient: false });
});
