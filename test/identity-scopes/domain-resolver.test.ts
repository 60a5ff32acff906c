// Domain verify when the DNS-over-HTTPS resolver fails: a resolver that is down, answers 500,
// garbage or SERVFAIL says nothing about the TXT record, so the answer is 503 "try again later" with
// the token left live, not a 400 telling the user their record is wrong (README start QA). A real
// NXDOMAIN or a record without the token stays the 400.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { identityChallenges, identityScopes } from "../../src/db/schema/index.ts";
import { dbOf, userApi } from "../helpers/api.ts";
import { type DohResolver, startDohResolver, startWellKnownServer, type WellKnownServer } from "../helpers/domain.ts";

const DNS_DOWN = { detail: "The DNS resolver could not be reached; try again later." };

let doh: DohResolver;
let web: WellKnownServer;
let host: WorkerHost;
before(async () => {
  [doh, web] = await Promise.all([startDohResolver(), startWellKnownServer()]);
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
  return Object.assign(api, { customer: cust.url as string });
}

/** The challenge is still live and the scope still pending: nothing was recorded as failed. */
async function stillPending(domain: string) {
  const db = dbOf(host);
  const chs = await db.select().from(identityChallenges).where(eq(identityChallenges.subject, domain)).all();
  assert.equal(chs.length, 1);
  assert.equal(chs[0]!.usedAt, null, `${domain}: token used up`);
  const scope = await db.select().from(identityScopes).where(eq(identityScopes.subject, domain)).get();
  assert.equal(scope?.status, "pending");
}

test("resolver failures (500, non-JSON, no Status, SERVFAIL, Answer not a list) are 503; NXDOMAIN and a wrong record stay 400; the token survives", async () => {
  const p = await provider("resolverprov");
  const domain = "flaky.example";
  const name = `_virtengine-challenge.${domain}`;
  const s = await p.expect(200, p.post("/api/identity/domain/start/", { domain, customer: p.customer }));
  const verify = (method?: "dns" | "http") => p.post("/api/identity/domain/verify/", { domain, customer: p.customer, ...(method ? { method } : {}) });

  // The record is published, but the resolver cannot tell us.
  doh.txt.set(name, [`"${s.token}"`]);
  const faults: [string, { status: number; body: string }][] = [
    ["HTTP 500", { status: 500, body: "upstream exploded" }],
    ["HTTP 502 JSON", { status: 502, body: '{"Status":0}' }],
    ["not JSON", { status: 200, body: "<html>captive portal</html>" }],
    ["JSON without Status", { status: 200, body: '{"Answer":[]}' }],
    ["JSON not an object", { status: 200, body: "[0]" }],
    ["SERVFAIL", { status: 200, body: '{"Status":2}' }],
    ["REFUSED", { status: 200, body: '{"Status":5}' }],
    ["Answer not a list", { status: 200, body: '{"Status":0,"Answer":"v=1"}' }],
  ];
  for (const [label, fault] of faults) {
    doh.setFault(fault);
    for (const method of ["dns", undefined] as const) {
      const r = await verify(method);
      assert.equal(r.status, 503, `${label} (${method ?? "any"}): ${r.status} ${JSON.stringify(r.body)}`);
      assert.deepEqual(r.body, DNS_DOWN, label);
    }
    await stillPending(domain);
  }
  // method=http never asks the resolver: the missing file is the user's to fix.
  const http = await verify("http");
  assert.equal(http.status, 400);
  assert.ok(http.body.domain);

  // The resolver answers again: a wrong record and a name that does not exist are the user's 400s.
  doh.setFault(null);
  doh.txt.set(name, ['"virtengine-domain-verification=wrong"']);
  const wrong = await verify("dns");
  assert.equal(wrong.status, 400);
  assert.match(wrong.body.domain[0], /_virtengine-challenge\.flaky\.example/);
  doh.txt.delete(name);
  const nx = await verify("dns");
  assert.equal(nx.status, 400);
  assert.ok(nx.body.domain);
  // NOERROR with no Answer (the name exists, no TXT) is an answer too.
  doh.setFault({ status: 200, body: '{"Status":0}' });
  assert.equal((await verify("dns")).status, 400);
  doh.setFault(null);
  await stillPending(domain);

  // The same token proves the domain once the record is readable.
  doh.txt.set(name, [`"${s.token}"`]);
  const ok = await p.expect(200, verify("dns"));
  assert.equal(ok.status, "verified");
  assert.equal(ok.method, "dns");
});

test("with the resolver down, the well-known file still proves the domain; without it the answer is 503 (and 503 for dns)", async () => {
  const p = await provider("webfallback");
  const s = await p.expect(200, p.post("/api/identity/domain/start/", { domain: web.domain, customer: p.customer }));
  const verify = (method?: "dns" | "http") => p.post("/api/identity/domain/verify/", { domain: web.domain, customer: p.customer, ...(method ? { method } : {}) });
  await doh.close();
  for (const method of ["dns", undefined] as const) {
    const r = await verify(method);
    assert.equal(r.status, 503, `${method ?? "any"}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.deepEqual(r.body, DNS_DOWN);
  }
  await stillPending(web.domain);
  web.files.set(web.domain, s.token);
  const ok = await p.expect(200, verify());
  assert.equal(ok.method, "http");
  assert.equal(ok.status, "verified");
});
