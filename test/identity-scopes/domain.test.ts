import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { identityChallenges } from "../../src/db/schema/index.ts";
import { normalizeDomain } from "../../src/identity/scopes/domain.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { Api, dbOf, userApi } from "../helpers/api.ts";
import { type DohResolver, startDohResolver, startWellKnownServer, type WellKnownServer } from "../helpers/domain.ts";

// A DNS-over-HTTPS JSON resolver and a web server for the well-known file, both on loopback
// (test/helpers/domain.ts; the catalog fixtures prove providers' domains with the same servers).
let doh: DohResolver;
let web: WellKnownServer;
let host: WorkerHost;
let txt: Map<string, string[]>;
let wellKnown: Map<string, string>;
let dohQueries: string[];

before(async () => {
  doh = await startDohResolver();
  web = await startWellKnownServer();
  ({ txt, queries: dohQueries } = doh);
  wellKnown = web.files;
  host = await startWorkerHost({ vars: { VE_DOH_URL: doh.url, VE_DOMAIN_CHECK_INSECURE: "local" } });
});
after(async () => {
  await host?.dispose();
  await doh?.close();
  await web?.close();
});

async function provider(name: string) {
  const api = await userApi(host, name);
  const cust = await api.expect(201, api.post("/api/customers/", { name: `${name} Cloud` }));
  return Object.assign(api, { customer: cust.url as string, customerUuid: cust.uuid as string });
}

test("domain: DNS TXT through the DoH resolver proves the domain; token only hashed in D1", async () => {
  const p = await provider("dnsprov");
  const s = await p.expect(200, p.post("/api/identity/domain/start/", { domain: "Provider.Example.", customer: p.customer }));
  assert.equal(s.domain, "provider.example");
  assert.equal(s.customer_uuid, p.customerUuid);
  assert.match(s.token, /^virtengine-domain-verification=[0-9a-f]{40}$/);
  assert.deepEqual(s.dns_record, { name: "_virtengine-challenge.provider.example", type: "TXT", value: s.token });
  const rows = await dbOf(host).select().from(identityChallenges).all();
  assert.ok(!JSON.stringify(rows).includes(s.token.split("=")[1]));

  const missing = await p.post("/api/identity/domain/verify/", { domain: "provider.example", customer: p.customer, method: "dns" });
  assert.equal(missing.status, 400);
  assert.match(missing.body.domain[0], /_virtengine-challenge\.provider\.example/);
  // A wrong token, then the right one split into two TXT strings as resolvers render long records.
  txt.set("_virtengine-challenge.provider.example", ['"virtengine-domain-verification=wrong"', `"${s.token.slice(0, 20)}" "${s.token.slice(20)}"`]);
  const ok = await p.expect(200, p.post("/api/identity/domain/verify/", { domain: "provider.example", customer: p.customer }));
  assert.equal(ok.scope, "domain");
  assert.equal(ok.status, "verified");
  assert.equal(ok.method, "dns");
  assert.equal(ok.customer_uuid, p.customerUuid);
  assert.ok(dohQueries.some((q) => q === "application/dns-json /dns-query _virtengine-challenge.provider.example TXT"));
  // Used: a second verify needs a new token.
  assert.equal((await p.post("/api/identity/domain/verify/", { domain: "provider.example", customer: p.customer })).status, 400);
  const list = await p.expect(200, p.get("/api/identity/scopes/"));
  assert.deepEqual(
    list.map((x: Record<string, unknown>) => [x.scope, x.subject, x.customer_uuid, x.status, x.method]),
    [["domain", "provider.example", p.customerUuid, "verified", "dns"]],
  );
});

test("domain: the well-known file proves the domain (http and port only in insecure local mode)", async () => {
  const p = await provider("webprov");
  const domain = web.domain;
  const s = await p.expect(200, p.post("/api/identity/domain/start/", { domain, customer: p.customer }));
  assert.equal(s.well_known_url, `http://${domain}/.well-known/virtengine-challenge`);
  const nothing = await p.post("/api/identity/domain/verify/", { domain, customer: p.customer, method: "http" });
  assert.equal(nothing.status, 400);
  assert.ok(nothing.body.domain);
  wellKnown.set(domain, s.token);
  const ok = await p.expect(200, p.post("/api/identity/domain/verify/", { domain, customer: p.customer, method: "http" }));
  assert.equal(ok.method, "http");
  assert.equal(ok.status, "verified");
  // Outside local insecure mode neither ports nor IPs nor single labels are domains.
  assert.equal(normalizeDomain(domain, false), null);
  assert.equal(normalizeDomain("localhost", false), null);
  assert.equal(normalizeDomain("10.0.0.1", false), null);
  assert.equal(normalizeDomain("Sub.Example.COM.", false), "sub.example.com");
});

test("domain: expired token refused; a foreign customer is 404; malformed input names the field", async () => {
  const p = await provider("expprov");
  const s = await p.expect(200, p.post("/api/identity/domain/start/", { domain: "late.example", customer: p.customer }));
  txt.set("_virtengine-challenge.late.example", [`"${s.token}"`]);
  const db = dbOf(host);
  await db.update(identityChallenges).set({ expiresAt: new Date(Date.now() - 1000).toISOString() });
  const late = await p.post("/api/identity/domain/verify/", { domain: "late.example", customer: p.customer });
  assert.equal(late.status, 400);
  assert.match(late.body.domain[0], /start again/);

  const other = await provider("otherprov");
  const foreign = await other.post("/api/identity/domain/start/", { domain: "late.example", customer: p.customer });
  assert.equal(foreign.status, 404);
  assert.equal((await other.post("/api/identity/domain/verify/", { domain: "late.example", customer: p.customer })).status, 404);
  const unknown = await p.post("/api/identity/domain/start/", { domain: "x.example", customer: `http://h/api/customers/${"0".repeat(32)}/` });
  assert.equal(unknown.status, 404);

  for (const bad of ["", "not a domain", "-bad.example", "a..example", "example", "x".repeat(64) + ".example", "1.2.3.4", "exa_mple.com"]) {
    const r = await p.post("/api/identity/domain/start/", { domain: bad, customer: p.customer });
    assert.equal(r.status, 400, bad);
    assert.ok(r.body.domain, `${bad}: ${JSON.stringify(r.body)}`);
  }
  assert.deepEqual((await p.post("/api/identity/domain/start/", { domain: "ok.example" })).body, { customer: ["This field is required."] });
  assert.ok((await p.post("/api/identity/domain/start/", { domain: "ok.example", customer: "http://h/api/projects/x/" })).body.customer);
  assert.ok((await p.post("/api/identity/domain/verify/", { domain: "ok.example", customer: p.customer, method: "smtp" })).body.method);
  assert.equal((await new Api(host).post("/api/identity/domain/start/", { domain: "ok.example", customer: p.customer })).status, 401);
});
