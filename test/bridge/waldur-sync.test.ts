// Import and re-sync against a second instance of our own API: remote changes (prices, new plans,
// pause, archive) propagate, local edits of imported fields are refused, re-syncs ask only for what
// changed, a remote that is down loses nothing and catches up, a token revoked halfway imports
// nothing, 2,000 remote offerings come through paging, and bad input on every bridge endpoint.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Api, type Json, userApi } from "../helpers/api.ts";
import { createProvider } from "../helpers/catalog.ts";
import { useWorker } from "../helpers/worker.ts";
import { connect, connectBody, remoteProvider } from "./helpers.ts";
import { faultyProxy } from "./proxy.ts";
import { seedOfferings } from "./seed.ts";

const local = useWorker();
const remote = useWorker();

const localCount = async (sql: string, ...args: unknown[]) =>
  ((await local.host.db.prepare(sql).bind(...args).first<{ n: number }>())?.n ?? 0);

async function importAll(p: Api, conn: Json, uuids: string[], status = 201): Promise<Json> {
  return p.expect(status, p.post(`/api/waldur-connections/${conn.uuid}/import_offerings/`, { offerings: uuids }));
}

test("remote changes propagate on sync; local edits of imported fields are refused with where to edit", async () => {
  const r = await remoteProvider(remote.host);
  const l = await createProvider(local.host);
  const conn = await connect(l, remote.host, r);
  const ro = r.offerings[0];
  const imp = await importAll(l.provider, conn, [ro.uuid]);
  const uuid = imp.created[0];
  const get = () => l.provider.expect(200, l.provider.get(`/api/marketplace-provider-offerings/${uuid}/`));
  const before = await get();
  assert.equal(before.plans[0].backend_id, ro.plans[0].uuid);
  assert.equal(before.secret_options.waldur_token, "********");

  // Nothing changed remotely: the re-sync writes nothing.
  const idle = await l.provider.expect(200, l.provider.post(`/api/waldur-connections/${conn.uuid}/sync/`, {}));
  assert.equal(idle.ok, true);
  assert.equal(idle.offerings_updated, 0);
  assert.equal((await get()).modified, before.modified);

  // Remote: new prices, a second plan, new description, then a pause.
  await r.provider.expect(200, r.provider.post(`/api/marketplace-plans/${ro.plans[0].uuid}/update_prices/`, { prices: { cpu: "0.75" } }));
  await r.provider.expect(201, r.provider.post("/api/marketplace-plans/", { offering: ro.url, name: "Premium", unit: "month", prices: { cpu: "2.00", storage: "0.30" } }));
  await r.provider.expect(200, r.provider.post(`/api/marketplace-provider-offerings/${ro.uuid}/update_overview/`, { name: ro.name, description: "Now with more cores" }));
  await r.provider.expect(200, r.provider.post(`/api/marketplace-provider-offerings/${ro.uuid}/pause/`, { paused_reason: "maintenance" }));
  const s1 = await l.provider.expect(200, l.provider.post(`/api/waldur-connections/${conn.uuid}/sync/`, {}));
  assert.equal(s1.ok, true, JSON.stringify(s1));
  assert.equal(s1.offerings_updated, 1);
  const after = await get();
  assert.equal(after.state, "Paused");
  assert.equal(after.paused_reason, "maintenance");
  assert.equal(after.description, "Now with more cores");
  const std = after.plans.find((p: Json) => p.name === "Standard");
  const prem = after.plans.find((p: Json) => p.name === "Premium");
  assert.equal(std.uuid, before.plans[0].uuid, "plan keeps its local uuid");
  assert.deepEqual(std.prices, { cpu: "0.75", storage: "0.10" });
  assert.deepEqual(prem.prices, { cpu: "2.00", storage: "0.30" });

  // Local edits of imported fields: refused, saying where to edit.
  const refusals = [
    l.provider.post(`/api/marketplace-provider-offerings/${uuid}/update_overview/`, { name: "Renamed here" }),
    l.provider.post(`/api/marketplace-provider-offerings/${uuid}/update_attributes/`, { a: 1 }),
    l.provider.post(`/api/marketplace-provider-offerings/${uuid}/create_offering_component/`, { type: "gpu", name: "GPU", billing_type: "usage" }),
    l.provider.post(`/api/marketplace-provider-offerings/${uuid}/remove_offering_component/`, { uuid: after.components[0].uuid }),
    l.provider.post(`/api/marketplace-provider-offerings/${uuid}/unpause/`, {}),
    l.provider.post(`/api/marketplace-plans/${std.uuid}/update_prices/`, { prices: { cpu: "0.01" } }),
    l.provider.patch(`/api/marketplace-plans/${std.uuid}/`, { name: "Cheap" }),
    l.provider.post("/api/marketplace-plans/", { offering: `${local.host.url}/api/marketplace-provider-offerings/${uuid}/`, name: "Local plan" }),
  ];
  for (const p of refusals) {
    const res = await p;
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.match(res.body.detail, /imported from a remote Waldur .* edit it there/);
  }
  const still = await get();
  assert.equal(still.name, ro.name);
  assert.deepEqual(still.plans.find((p: Json) => p.name === "Standard").prices, { cpu: "0.75", storage: "0.10" });

  // Archive on the remote.
  await r.provider.expect(200, r.provider.post(`/api/marketplace-provider-offerings/${ro.uuid}/archive/`, {}));
  await (await local.host.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });
  assert.equal((await get()).state, "Archived");
  const cust = await userApi(local.host);
  await cust.expect(404, cust.get(`/api/marketplace-public-offerings/${uuid}/`));
});

test("re-syncs ask only for what changed; a remote that is down loses nothing and catches up", async () => {
  const r = await remoteProvider(remote.host, 2);
  const l = await createProvider(local.host);
  const proxy = await faultyProxy(remote.host.url);
  try {
    const conn = await l.provider.expect(201, l.provider.post("/api/waldur-connections/", connectBody(remote.host, r, l, { api_url: proxy.url })));
    await importAll(l.provider, conn, r.offerings.map((o) => o.uuid));
    await l.provider.expect(200, l.provider.post(`/api/waldur-connections/${conn.uuid}/sync/`, {}));
    proxy.requests.length = 0;
    await l.provider.expect(200, l.provider.post(`/api/waldur-connections/${conn.uuid}/sync/`, {}));
    const listing = proxy.requests.find((x) => x.includes("/api/marketplace-provider-offerings/"));
    assert.match(listing ?? "", /modified=/, "conditional re-sync by modified");
    assert.ok(proxy.requests.some((x) => /\/api\/marketplace-resources\/\?.*modified=/.test(x)));

    // Down: the change made meanwhile is not lost.
    proxy.down = true;
    await r.provider.expect(200, r.provider.post(`/api/marketplace-plans/${r.offerings[1].plans[0].uuid}/update_prices/`, { prices: { storage: "0.42" } }));
    const failed = await l.provider.expect(200, l.provider.post(`/api/waldur-connections/${conn.uuid}/sync/`, {}));
    assert.equal(failed.ok, false);
    assert.match(failed.errors[0], /cannot reach Waldur/);
    const shown = await l.provider.expect(200, l.provider.get(`/api/waldur-connections/${conn.uuid}/`));
    assert.equal(shown.status, "Erred");
    assert.match(shown.last_error, /listing offerings: cannot reach Waldur/);
    // The listing endpoint says the remote is unavailable rather than failing.
    const unavailable = await l.provider.get(`/api/waldur-connections/${conn.uuid}/remote_offerings/`);
    assert.equal(unavailable.status, 503);

    proxy.down = false;
    const caught = await l.provider.expect(200, l.provider.post(`/api/waldur-connections/${conn.uuid}/sync/`, {}));
    assert.equal(caught.ok, true, JSON.stringify(caught.errors));
    assert.equal(caught.offerings_updated, 1);
    assert.equal(caught.connection.status, "OK");
    assert.equal(caught.connection.last_error, "");
    const price = await localCount(
      "SELECT count(*) AS n FROM plan_components pc JOIN plans p ON p.id = pc.plan_id WHERE p.backend_id = ? AND pc.price = '0.42'",
      r.offerings[1].plans[0].uuid,
    );
    assert.equal(price, 1);
  } finally {
    await proxy.close();
  }
});

test("a token revoked halfway through the listing imports nothing and shows the error", async () => {
  const r = await remoteProvider(remote.host, 0);
  const uuids = await seedOfferings(remote.host.db, r.customer.uuid, r.category.uuid, 250, "Revoked");
  const l = await createProvider(local.host);
  const proxy = await faultyProxy(remote.host.url);
  try {
    const conn = await l.provider.expect(201, l.provider.post("/api/waldur-connections/", connectBody(remote.host, r, l, { api_url: proxy.url })));
    proxy.intercept = (path) => (path.includes("marketplace-provider-offerings") && path.includes("page=2") ? { status: 401, body: { detail: "Invalid token." } } : null);
    const refused = await importAll(l.provider, conn, uuids, 400);
    assert.match(refused.detail, /HTTP 401: Invalid token/);
    assert.equal(await localCount("SELECT count(*) AS n FROM offerings WHERE customer_id = (SELECT id FROM customers WHERE uuid = ?)", l.customer.uuid), 0);
    const shown = await l.provider.expect(200, l.provider.get(`/api/waldur-connections/${conn.uuid}/`));
    assert.equal(shown.status, "Erred");
    assert.match(shown.last_error, /401/);
    assert.equal(shown.imported_offerings_count, 0);
  } finally {
    await proxy.close();
  }
});

test("2,000 remote offerings: listed and imported through every page, plans and prices included", async () => {
  const r = await remoteProvider(remote.host, 0);
  const uuids = await seedOfferings(remote.host.db, r.customer.uuid, r.category.uuid, 2000);
  const l = await createProvider(local.host);
  const conn = await connect(l, remote.host, r);
  const page = await l.provider.get(`/api/waldur-connections/${conn.uuid}/remote_offerings/?page_size=300&page=7`);
  assert.equal(page.status, 200);
  assert.equal(page.headers.get("x-result-count"), "2000");
  assert.equal(page.body.length, 200);
  const t0 = Date.now();
  const imp = await importAll(l.provider, conn, uuids);
  console.log(`# imported 2000 offerings in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  assert.equal(imp.created.length, 2000);
  const cid = "(SELECT id FROM customers WHERE uuid = ?)";
  assert.equal(await localCount(`SELECT count(*) AS n FROM offerings WHERE customer_id = ${cid} AND type = 'Waldur.RemoteOffering' AND state = 'Active'`, l.customer.uuid), 2000);
  assert.equal(await localCount(`SELECT count(*) AS n FROM plans WHERE offering_id IN (SELECT id FROM offerings WHERE customer_id = ${cid})`, l.customer.uuid), 2000);
  assert.equal(await localCount(`SELECT count(*) AS n FROM offering_components WHERE offering_id IN (SELECT id FROM offerings WHERE customer_id = ${cid})`, l.customer.uuid), 4000);
  assert.equal(
    await localCount(
      `SELECT count(DISTINCT o.remote_uuid) AS n FROM offerings o JOIN plans p ON p.offering_id = o.id JOIN plan_components pc ON pc.plan_id = p.id WHERE o.customer_id = ${cid} AND pc.price LIKE '0.%'`,
      l.customer.uuid,
    ),
    2000,
  );
  // A second import of the same offerings changes nothing.
  const again = await importAll(l.provider, conn, uuids.slice(0, 300), 200);
  assert.equal(again.unchanged, 300);
  // A full re-sync goes through every page and finds nothing to write.
  const full = await l.provider.expect(200, l.provider.post(`/api/waldur-connections/${conn.uuid}/sync/`, { full: true }));
  assert.equal(full.ok, true);
  assert.equal(full.offerings_unchanged, 2000);
  assert.equal(full.offerings_archived, 0);
});

test("bad input on the import, listing and sync endpoints names the field", async () => {
  const r = await remoteProvider(remote.host);
  const other = await remoteProvider(remote.host);
  const l = await createProvider(local.host);
  const conn = await connect(l, remote.host, r);
  const url = `/api/waldur-connections/${conn.uuid}/import_offerings/`;
  const cases: [unknown, string][] = [
    [{}, "offerings"],
    [{ offerings: [] }, "offerings"],
    [{ offerings: "abc" }, "offerings"],
    [{ offerings: ["not-a-uuid"] }, "offerings"],
    [{ offerings: [42] }, "offerings"],
    [{ offerings: [other.offerings[0].uuid] }, "offerings"],
    [{ offerings: [r.offerings[0].uuid], category: "http://x/api/projects/1/" }, "category"],
    [{ offerings: [r.offerings[0].uuid], category: `${local.host.url}/api/marketplace-categories/${"b".repeat(32)}/` }, "category"],
    [{ offerings: [r.offerings[0].uuid], auto_approve_remote_orders: "maybe" }, "auto_approve_remote_orders"],
  ];
  for (const [b, field] of cases) {
    const res = await l.provider.post(url, b);
    assert.equal(res.status, 400, `${JSON.stringify(b)} → ${res.status} ${JSON.stringify(res.body)}`);
    assert.ok(res.body[field], `${JSON.stringify(b)}: ${JSON.stringify(res.body)}`);
  }
  const foreign = await l.provider.post(url, { offerings: [r.offerings[0].uuid, other.offerings[0].uuid] });
  assert.match(JSON.stringify(foreign.body.offerings["1"]), /is not an offering of/);
  assert.equal(await localCount("SELECT count(*) AS n FROM waldur_imported_offerings WHERE connection_id = (SELECT id FROM waldur_connections WHERE uuid = ?)", conn.uuid), 0);
  assert.equal((await l.provider.call("POST", url, "[]")).status, 400);
  const sync = await l.provider.post(`/api/waldur-connections/${conn.uuid}/sync/`, { full: "sometimes" });
  assert.equal(sync.status, 400);
  assert.ok(sync.body.full);
  const scope = await l.provider.post(`/api/waldur-connections/${conn.uuid}/sync/`, { scope: "everything" });
  assert.equal(scope.status, 400);
  assert.ok(scope.body.scope);
  await l.provider.expect(404, l.provider.get(`/api/waldur-connections/${conn.uuid}/remote_offerings/?page=99`));
  // Without a category on the connection nor in the request.
  const l2 = await createProvider(local.host);
  const bare = await l2.provider.expect(201, l2.provider.post("/api/waldur-connections/", connectBody(remote.host, r, l2, { category: null })));
  const noCat = await l2.provider.post(`/api/waldur-connections/${bare.uuid}/import_offerings/`, { offerings: [r.offerings[0].uuid] });
  assert.equal(noCat.status, 400);
  assert.ok(noCat.body.category);
  // Strangers see nothing.
  const stranger = await userApi(local.host);
  for (const [m, p] of [["POST", url], ["GET", `/api/waldur-connections/${conn.uuid}/remote_offerings/`], ["POST", `/api/waldur-connections/${conn.uuid}/sync/`], ["POST", `/api/waldur-connections/${conn.uuid}/check/`], ["DELETE", `/api/waldur-connections/${conn.uuid}/`]] as const) {
    assert.equal((await stranger.call(m, p, m === "POST" ? { offerings: [r.offerings[0].uuid] } : undefined)).status, 404, `${m} ${p}`);
  }
});

test("remote answers are validated: invalid offerings are shown as not importable and refused by name, nothing written", async () => {
  const r = await remoteProvider(remote.host);
  const l = await createProvider(local.host);
  const proxy = await faultyProxy(remote.host.url);
  try {
    const conn = await l.provider.expect(201, l.provider.post("/api/waldur-connections/", connectBody(remote.host, r, l, { api_url: proxy.url })));
    const good = r.offerings[0];
    const dupComponents = { ...good, uuid: "a".repeat(32), components: [good.components[0], good.components[0]] };
    const negativePrice = { ...good, uuid: "b".repeat(32), plans: [{ ...good.plans[0], prices: { cpu: -1 } }] };
    const badState = { ...good, uuid: "c".repeat(32), state: "Exploded" };
    proxy.intercept = (path) =>
      path.startsWith("/api/marketplace-provider-offerings/") ? { status: 200, body: [good, dupComponents, negativePrice, badState] } : null;
    const listed = await l.provider.expect(200, l.provider.get(`/api/waldur-connections/${conn.uuid}/remote_offerings/`));
    const byUuid = new Map(listed.map((x: Json) => [x.uuid, x]));
    assert.equal((byUuid.get(good.uuid) as Json).importable, true);
    assert.match((byUuid.get("a".repeat(32)) as Json).problem, /component type is given twice/);
    assert.match((byUuid.get("b".repeat(32)) as Json).problem, /plans\.0\.prices\.cpu/);
    assert.match((byUuid.get("c".repeat(32)) as Json).problem, /state/);
    const refused = await l.provider.expect(400, l.provider.post(`/api/waldur-connections/${conn.uuid}/import_offerings/`, { offerings: [good.uuid, "a".repeat(32)] }));
    assert.match(JSON.stringify(refused.offerings["1"]), /given twice/);
    assert.equal(await localCount("SELECT count(*) AS n FROM offerings WHERE customer_id = (SELECT id FROM customers WHERE uuid = ?)", l.customer.uuid), 0);
    // A remote answering a list with something else is an error, not a crash.
    proxy.intercept = (path) => (path.startsWith("/api/marketplace-provider-offerings/") ? { status: 200, body: { not: "a list" } } : null);
    const odd = await l.provider.get(`/api/waldur-connections/${conn.uuid}/remote_offerings/`);
    assert.equal(odd.status, 400);
    assert.match(odd.body.detail, /not a JSON array/);
  } finally {
    await proxy.close();
  }
});
