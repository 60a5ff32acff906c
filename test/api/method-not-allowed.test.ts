// A known path asked with a verb it does not serve answers DRF's 405 with an Allow header (Waldur
// clients tell "wrong verb" from "no such resource" by it); unknown paths stay 404, and HEAD and
// OPTIONS answer as before. Found by the README start QA: DELETE on a list answered 404.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApp } from "../../src/app.ts";
import { allowedMethodsIndex, methodNotAllowedGuard } from "../../src/http/method-not-allowed.ts";
import { Api, staffApi } from "../helpers/api.ts";
import { useWorker } from "../helpers/worker.ts";

const w = useWorker();
const SOME_UUID = "0123456789abcdef0123456789abcdef";

const refusal = (method: string) => ({ detail: `Method "${method}" not allowed.` });

test("unsupported verbs on known paths: 405 with DRF's body and the verbs the path serves", async () => {
  const anon = new Api(w.host);
  const staff = await staffApi(w.host);
  const cases: [Api, string, string, string][] = [
    [anon, "DELETE", "/api/marketplace-public-offerings/", "GET, HEAD"],
    [anon, "POST", "/api/marketplace-public-offerings/", "GET, HEAD"],
    [staff, "PUT", "/api/marketplace-orders/", "GET, POST, HEAD"],
    [staff, "DELETE", "/api/marketplace-orders/", "GET, POST, HEAD"],
    // A detail path: the `:uuid` pattern matches any value, real or not.
    [staff, "PATCH", `/api/marketplace-orders/${SOME_UUID}/`, "GET, DELETE, HEAD"],
    [staff, "PUT", "/api/marketplace-orders/not-a-uuid/", "GET, DELETE, HEAD"],
    // A literal action path shadows the `:uuid/` detail route beside it, as in DRF's router.
    [staff, "POST", "/api/marketplace-orders/sealing_recipients/", "GET, HEAD"],
    // An action served only by POST.
    [staff, "GET", `/api/marketplace-orders/${SOME_UUID}/approve_by_consumer/`, "POST"],
    [anon, "PUT", "/api/version/", "GET, HEAD"],
  ];
  for (const [api, method, path, allow] of cases) {
    const r = await api.call(method, path, method === "GET" || method === "DELETE" ? undefined : {});
    assert.equal(r.status, 405, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.deepEqual(r.body, refusal(method), `${method} ${path}`);
    assert.equal(r.headers.get("allow"), allow, `${method} ${path}`);
    assert.match(r.headers.get("content-type") ?? "", /^application\/json/);
  }
  // The verbs the Allow header names are really served there.
  assert.equal((await anon.get("/api/marketplace-public-offerings/")).status, 200);
  assert.equal((await staff.get("/api/marketplace-orders/")).status, 200);
  // GET reaches the sealing_recipients handler (which wants a query parameter), not the 404/405 fallback.
  const recipients = await staff.get("/api/marketplace-orders/sealing_recipients/");
  assert.ok(![404, 405].includes(recipients.status), `${recipients.status} ${JSON.stringify(recipients.body)}`);
  assert.equal((await anon.get("/api/version/")).status, 200);
});

test("unknown paths stay 404 whatever the verb; HEAD and OPTIONS answer as before", async () => {
  const anon = new Api(w.host);
  const staff = await staffApi(w.host);
  for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) {
    for (const path of ["/api/no-such-thing/", "/api/marketplace-orders/a/b/c/", "/api/marketplace-orders", "/api-auth/nothing/"]) {
      const r = await staff.call(method, path, method === "GET" || method === "DELETE" ? undefined : {});
      assert.equal(r.status, 404, `${method} ${path}: ${r.status}`);
      assert.deepEqual(r.body, { detail: "Not found." });
      assert.equal(r.headers.get("allow"), null);
    }
  }
  // HEAD is served wherever GET is (no body); on a POST-only path it stays the plain 404.
  const head = await w.host.fetch("/api/marketplace-public-offerings/", { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(await head.text(), "");
  const headPostOnly = await w.host.fetch("/api/identity/email/start/", { method: "HEAD" });
  assert.equal(headPostOnly.status, 404);
  assert.equal(headPostOnly.headers.get("allow"), null);
  // OPTIONS has no handler in this app: unchanged 404, not a 405 naming verbs.
  for (const path of ["/api/marketplace-orders/", "/api/no-such-thing/"]) {
    const r = await anon.call("OPTIONS", path);
    assert.equal(r.status, 404, `OPTIONS ${path}`);
    assert.deepEqual(r.body, { detail: "Not found." });
    assert.equal(r.headers.get("allow"), null);
  }
});

test("the index agrees with the route table: every route's own verb is allowed at its path", () => {
  const routes = createApp().routes.filter((r) => r.method !== "ALL");
  assert.ok(routes.length > 100);
  const index = allowedMethodsIndex(routes);
  for (const r of routes) {
    const path = r.path.replace(/:[^/]+/g, SOME_UUID);
    // No literal route is named like a uuid, so no literal sibling can shadow the filled-in pattern.
    const allowed = index(path);
    assert.ok(allowed.includes(r.method), `${r.method} ${r.path}: ${allowed.join(", ")}`);
  }
});

test("the guard: built once, on first use; HEAD/OPTIONS and served verbs pass through; params and wildcards match as Hono matches", () => {
  let builds = 0;
  const guard = methodNotAllowedGuard(() => {
    builds++;
    return [
      { method: "ALL", path: "/api/*" },
      { method: "GET", path: "/api/things/" },
      { method: "post", path: "/api/things/" },
      { method: "GET", path: "/api/things/:uuid/" },
      { method: "DELETE", path: "/api/things/:uuid/" },
      { method: "GET", path: "/api/things/special/" },
      { method: "PUT", path: "/api/keys/:id{[0-9]+}/" },
      { method: "GET", path: "/files/*" },
    ];
  });
  assert.equal(builds, 0);
  const e = guard("DELETE", "/api/things/");
  assert.equal(e?.status, 405);
  assert.deepEqual(e?.body, refusal("DELETE"));
  assert.deepEqual(e?.headers, { Allow: "GET, POST, HEAD" });
  assert.deepEqual(guard("PATCH", "/api/things/x1/")?.headers, { Allow: "GET, DELETE, HEAD" });
  assert.deepEqual(guard("POST", "/api/things/special/")?.headers, { Allow: "GET, HEAD" });
  assert.deepEqual(guard("GET", "/api/keys/42/")?.headers, { Allow: "PUT" });
  assert.equal(guard("GET", "/api/keys/abc/"), null, "the regex constraint is honoured");
  assert.deepEqual(guard("POST", "/files/a/b.txt")?.headers, { Allow: "GET, HEAD" });
  assert.equal(guard("GET", "/api/things/"), null);
  assert.equal(guard("POST", "/api/things/"), null);
  assert.equal(guard("HEAD", "/api/things/"), null);
  assert.equal(guard("OPTIONS", "/api/things/"), null);
  assert.equal(guard("DELETE", "/api/unknown/"), null, "middleware (ALL) serves no verb");
  assert.equal(guard("DELETE", "/api/things"), null);
  assert.equal(builds, 1);
});
