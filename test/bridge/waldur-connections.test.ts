// Connecting a provider organization to a remote Waldur (a second instance of our own API): the
// checks (/api/version/, /api/users/me/, role on the remote organization), the sealed token, the
// connection's status and last error, and bad input on every field.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { dbOf, login, userApi } from "../helpers/api.ts";
import { openJson } from "../../src/secrets/sealed-json.ts";
import { createProvider } from "../helpers/catalog.ts";
import { useWorker } from "../helpers/worker.ts";
import { connect, connectBody, remoteProvider } from "./helpers.ts";

const local = useWorker();
const remote = useWorker();

test("a provider connects its organization; the token is sealed and never shown", async () => {
  const l = await createProvider(local.host);
  const r = await remoteProvider(remote.host);
  const conn = await connect(l, remote.host, r);
  assert.equal(conn.status, "OK");
  assert.equal(conn.last_error, "");
  assert.equal(conn.remote_customer_uuid, r.customer.uuid);
  assert.equal(conn.remote_customer_name, r.customer.name);
  assert.equal(conn.remote_username, r.provider.username);
  assert.equal(conn.remote_version, "0.1.0");
  assert.equal(conn.api_url, remote.host.url);
  assert.ok(!JSON.stringify(conn).includes(r.provider.token!));
  const rows = await local.host.db.prepare("SELECT * FROM waldur_connections").all();
  assert.equal(rows.results.length, 1);
  assert.ok(!JSON.stringify(rows.results).includes(r.provider.token!), "token stored in clear");
  assert.match(String((rows.results[0] as { token_sealed: string }).token_sealed), /^v2\./);
  const list = await l.provider.expect(200, l.provider.get("/api/waldur-connections/"));
  assert.deepEqual(list.map((x: { uuid: string }) => x.uuid), [conn.uuid]);
  // Another user sees neither the list entry nor the object.
  const other = await userApi(local.host);
  assert.deepEqual(await other.expect(200, other.get("/api/waldur-connections/")), []);
  await other.expect(404, other.get(`/api/waldur-connections/${conn.uuid}/`));
  // A second connection to the same remote organization is refused.
  const dup = await l.provider.expect(400, l.provider.post("/api/waldur-connections/", connectBody(remote.host, r, l)));
  assert.ok(dup.remote_customer_uuid);
});

test("refused with the reason when it cannot work", async () => {
  const l = await createProvider(local.host);
  const r = await remoteProvider(remote.host);
  const bad = async (extra: object, field: string, pattern: RegExp) => {
    const body = await l.provider.expect(400, l.provider.post("/api/waldur-connections/", connectBody(remote.host, r, l, extra)));
    assert.ok(body[field], `${field} not named: ${JSON.stringify(body)}`);
    assert.match(String(body[field][0]), pattern);
  };
  await bad({ token: "0".repeat(40) }, "token", /token was refused/);
  // A user without a role on the remote organization does not even see it; a support user sees it but may not sell.
  const stranger = await userApi(remote.host);
  await bad({ token: stranger.token }, "remote_customer_uuid", /cannot see it/);
  await r.provider.expect(201, r.provider.post(`/api/customers/${r.customer.uuid}/add_user/`, { user: stranger.uuid, role: "CUSTOMER.SUPPORT" }));
  await bad({ token: stranger.token }, "remote_customer_uuid", /neither owner nor manager/);
  await bad({ remote_customer_uuid: "f".repeat(32) }, "remote_customer_uuid", /does not exist/);
  // A server that is not Waldur at all.
  const notWaldur = http.createServer((_q, s) => {
    s.writeHead(200, { "Content-Type": "application/json" });
    s.end(JSON.stringify({ hello: "world" }));
  });
  await new Promise<void>((res) => notWaldur.listen(0, "127.0.0.1", res));
  try {
    await bad({ api_url: `http://127.0.0.1:${(notWaldur.address() as AddressInfo).port}/` }, "api_url", /invalid version/);
  } finally {
    notWaldur.close();
  }
  // Nothing listens there.
  const dead = http.createServer();
  await new Promise<void>((res) => dead.listen(0, "127.0.0.1", res));
  const port = (dead.address() as AddressInfo).port;
  await new Promise<void>((res) => dead.close(() => res()));
  await bad({ api_url: `http://127.0.0.1:${port}` }, "api_url", /cannot reach Waldur/);
  const n = await local.host.db.prepare("SELECT count(*) AS n FROM waldur_connections WHERE customer_id = (SELECT id FROM customers WHERE uuid = ?)").bind(l.customer.uuid).first<{ n: number }>();
  assert.equal(n?.n, 0);
});

test("bad input names the field", async () => {
  const l = await createProvider(local.host);
  const r = await remoteProvider(remote.host);
  const base = connectBody(remote.host, r, l);
  const cases: [object, string][] = [
    [{ api_url: "ftp://x" }, "api_url"],
    [{ api_url: "not a url" }, "api_url"],
    [{ api_url: 5 }, "api_url"],
    [{ token: "" }, "token"],
    [{ token: "has space" }, "token"],
    [{ token: "x".repeat(501) }, "token"],
    [{ remote_customer_uuid: "nope" }, "remote_customer_uuid"],
    [{ customer: "http://x/api/projects/1/" }, "customer"],
    [{ customer: `${local.host.url}/api/customers/${"a".repeat(32)}/` }, "customer"],
    [{ category: `${local.host.url}/api/marketplace-categories/${"a".repeat(32)}/` }, "category"],
    [{ name: "n".repeat(151) }, "name"],
  ];
  for (const [extra, field] of cases) {
    const res = await l.provider.post("/api/waldur-connections/", { ...base, ...extra });
    assert.equal(res.status, 400, `${JSON.stringify(extra)} → ${res.status} ${JSON.stringify(res.body)}`);
    assert.ok(res.body[field], `${JSON.stringify(extra)}: ${JSON.stringify(res.body)}`);
  }
  for (const missing of ["api_url", "token", "customer", "remote_customer_uuid"]) {
    const { [missing]: _drop, ...rest } = base;
    const res = await l.provider.post("/api/waldur-connections/", rest);
    assert.equal(res.status, 400);
    assert.ok(res.body[missing], JSON.stringify(res.body));
  }
  assert.equal((await l.provider.call("POST", "/api/waldur-connections/", "[1,2]")).status, 400);
  assert.equal((await l.provider.call("POST", "/api/waldur-connections/", "{bad json")).status, 400);
  // Not an owner/manager of the local organization; not a service provider.
  const other = await userApi(local.host);
  assert.equal((await other.post("/api/waldur-connections/", base)).status, 403);
  const plainOrg = await l.provider.expect(201, l.provider.post("/api/customers/", { name: "Not a provider" }));
  const np = await l.provider.expect(400, l.provider.post("/api/waldur-connections/", { ...base, customer: plainOrg.url }));
  assert.match(np.customer[0], /service provider/);
  assert.equal((await local.host.fetch("/api/waldur-connections/", { method: "POST", body: "{}" })).status, 401);
  await l.provider.expect(404, l.provider.get("/api/waldur-connections/not-a-uuid/"));
  await l.provider.expect(404, l.provider.post(`/api/waldur-connections/${"0".repeat(32)}/check/`));
});

test("check records a revoked token on the connection, and clears it when it works again", async () => {
  const l = await createProvider(local.host);
  const r = await remoteProvider(remote.host);
  const conn = await connect(l, remote.host, r);
  // Revoke: the remote user's token is deleted on the remote.
  const db = dbOf(remote.host);
  const saved = await remote.host.db.prepare("SELECT * FROM auth_tokens WHERE user_id = (SELECT id FROM users WHERE uuid = ?)").bind(r.provider.uuid).all();
  await remote.host.db.prepare("DELETE FROM auth_tokens WHERE user_id = (SELECT id FROM users WHERE uuid = ?)").bind(r.provider.uuid).run();
  const checked = await l.provider.expect(200, l.provider.post(`/api/waldur-connections/${conn.uuid}/check/`));
  assert.equal(checked.status, "Erred");
  assert.match(checked.last_error, /token was refused/);
  assert.ok(checked.last_error_at);
  void db;
  for (const row of saved.results as Record<string, unknown>[]) {
    const cols = Object.keys(row);
    await remote.host.db
      .prepare(`INSERT INTO auth_tokens (${cols.join(",")}) VALUES (${cols.map(() => "?").join(",")})`)
      .bind(...cols.map((k) => row[k]))
      .run();
  }
  const again = await l.provider.expect(200, l.provider.post(`/api/waldur-connections/${conn.uuid}/check/`));
  assert.equal(again.status, "OK");
  assert.equal(again.last_error, "");
});

test("delete removes the connection and archives what it imported", async () => {
  const l = await createProvider(local.host);
  const r = await remoteProvider(remote.host);
  const conn = await connect(l, remote.host, r);
  await l.provider.expect(204, l.provider.delete(`/api/waldur-connections/${conn.uuid}/`));
  await l.provider.expect(404, l.provider.get(`/api/waldur-connections/${conn.uuid}/`));
});

test("a rotated token is checked, sealed, and re-sealed into every imported offering", async () => {
  const l = await createProvider(local.host);
  const r = await remoteProvider(remote.host);
  const conn = await connect(l, remote.host, r);
  const imp = await l.provider.expect(201, l.provider.post(`/api/waldur-connections/${conn.uuid}/import_offerings/`, { offerings: [r.offerings[0].uuid] }));
  const sealedOf = async () =>
    (await local.host.db.prepare("SELECT secret_options_sealed AS s FROM offerings WHERE uuid = ?").bind(imp.created[0]).first<{ s: string }>())!.s;
  const before = await sealedOf();
  // The remote user's token is replaced on the remote.
  await remote.host.db.prepare("DELETE FROM auth_tokens WHERE user_id = (SELECT id FROM users WHERE uuid = ?)").bind(r.provider.uuid).run();
  const fresh = await login(remote.host, r.provider.username, "user-password-1");
  assert.notEqual(fresh.token, r.provider.token);
  const bad = await l.provider.expect(400, l.provider.patch(`/api/waldur-connections/${conn.uuid}/`, { token: "0".repeat(40) }));
  assert.match(bad.token[0], /token was refused/);
  for (const [b, field] of [[{ name: "" }, "name"], [{ name: "n".repeat(151) }, "name"], [{ token: "a b" }, "token"], [{ category: "nope" }, "category"]] as const) {
    const res = await l.provider.patch(`/api/waldur-connections/${conn.uuid}/`, b);
    assert.equal(res.status, 400);
    assert.ok(res.body[field], JSON.stringify(res.body));
  }
  const rotated = await l.provider.expect(200, l.provider.patch(`/api/waldur-connections/${conn.uuid}/`, { token: fresh.token, name: "Rotated" }));
  assert.equal(rotated.status, "OK");
  assert.equal(rotated.name, "Rotated");
  const after = await sealedOf();
  assert.notEqual(after, before);
  const opened = await openJson({ VE_MODE: "local" }, { kind: "offering-secret-options", recordId: imp.created[0]! }, after);
  assert.equal(opened.waldur_token, fresh.token);
  assert.ok(!after.includes(fresh.token!));
});

test("the wizard's organization step lists the remote organizations the credentials may import from", async () => {
  const l = await createProvider(local.host);
  const r = await remoteProvider(remote.host);
  const other = await remoteProvider(remote.host);
  const ask = (token: string, extra: object = {}) =>
    l.provider.post("/api/waldur-connections/remote_organizations/", { api_url: `${remote.host.url}/api/`, token, customer: l.customer.url, ...extra });

  // The remote provider's owner sees its own organization only, not another provider's.
  const mine = await l.provider.expect(200, ask(r.provider.token!));
  assert.deepEqual(mine.organizations, [{ uuid: r.customer.uuid, name: r.customer.name }]);
  assert.equal(mine.remote_username.length > 0, true);
  // Made manager of the second one too, it sees both, sorted by name.
  await other.provider.expect(201, other.provider.post(`/api/customers/${other.customer.uuid}/add_user/`, { user: r.provider.uuid, role: "CUSTOMER.MANAGER" }));
  const both = await l.provider.expect(200, ask(r.provider.token!));
  assert.deepEqual(
    both.organizations.map((o: { uuid: string }) => o.uuid).sort(),
    [r.customer.uuid, other.customer.uuid].sort(),
  );
  const names = both.organizations.map((o: { name: string }) => o.name);
  assert.deepEqual(names, [...names].sort((a: string, b: string) => a.localeCompare(b)));
  // Support role only: nothing to import from.
  const helper = await userApi(remote.host);
  await r.provider.expect(201, r.provider.post(`/api/customers/${r.customer.uuid}/add_user/`, { user: helper.uuid, role: "CUSTOMER.SUPPORT" }));
  assert.deepEqual((await l.provider.expect(200, ask(helper.token!))).organizations, []);

  // Refusals name the field; nothing is stored.
  const refused = await l.provider.expect(400, ask("0".repeat(40)));
  assert.match(String(refused.token[0]), /token was refused/);
  const noUrl = await l.provider.expect(400, ask(r.provider.token!, { api_url: "not a url" }));
  assert.ok(noUrl.api_url, JSON.stringify(noUrl));
  const noCustomer = await l.provider.expect(400, l.provider.post("/api/waldur-connections/remote_organizations/", { api_url: `${remote.host.url}/api/`, token: r.provider.token }));
  assert.ok(noCustomer.customer, JSON.stringify(noCustomer));
  // Only an owner or manager of a local service provider may use the remote check.
  const outsider = await userApi(local.host);
  const denied = await outsider.post("/api/waldur-connections/remote_organizations/", { api_url: `${remote.host.url}/api/`, token: r.provider.token, customer: l.customer.url });
  assert.equal(denied.status, 403, JSON.stringify(denied.body));
  // Listing stored nothing: this provider still has no connection.
  assert.deepEqual(await l.provider.expect(200, l.provider.get("/api/waldur-connections/")), []);
});
