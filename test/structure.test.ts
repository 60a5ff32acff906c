import assert from "node:assert/strict";
import { test } from "node:test";
import { Api, staffApi, userApi } from "./helpers/api.ts";
import { useWorker } from "./helpers/worker.ts";

const w = useWorker();

test("password login issues a token; /users/me shows the caller", async () => {
  const staff = await staffApi(w.host);
  const me = await staff.expect(200, staff.get("/api/users/me/"));
  assert.equal(me.username, "staff");
  assert.equal(me.is_staff, true);
  assert.match(me.uuid, /^[0-9a-f]{32}$/);
  assert.equal(me.token, staff.token);
  assert.ok(me.url.endsWith(`/api/users/${me.uuid}/`));
});

test("bad credentials: 401 with Waldur's messages, lock-out after 4 failures", async () => {
  const anon = new Api(w.host);
  await userApi(w.host, "victim");
  for (let i = 0; i < 4; i++) {
    const r = await anon.post("/api-auth/password/", { username: "victim", password: "wrong" });
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, { detail: "Invalid username/password" });
  }
  const locked = await anon.post("/api-auth/password/", { username: "victim", password: "user-password-1" });
  assert.equal(locked.status, 401);
  assert.match(locked.body.detail, /locked out/);
  const missing = await anon.post("/api-auth/password/", { username: "victim" });
  assert.equal(missing.status, 401);
  assert.deepEqual(missing.body, { password: ["This field is required."] });
});

test("token errors: unknown, malformed, and query-string token", async () => {
  const r1 = await w.host.fetch("/api/users/me/", { headers: { Authorization: "Token deadbeef" } });
  assert.equal(r1.status, 401);
  assert.deepEqual(await r1.json(), { detail: "Invalid token." });
  const r2 = await w.host.fetch("/api/users/me/", { headers: { Authorization: "Token a b" } });
  assert.deepEqual(await r2.json(), { detail: "Invalid token. Token string should not contain spaces." });
  const r3 = await w.host.fetch("/api/users/me/");
  assert.equal(r3.status, 401);
  assert.deepEqual(await r3.json(), { detail: "Authentication credentials were not provided." });
  const staff = await staffApi(w.host);
  const r4 = await w.host.fetch(`/api/users/me/?x-auth-token=${staff.token}`);
  assert.equal(r4.status, 200);
});

test("organization, project and roles: owners manage, strangers see 404", async () => {
  const owner = await userApi(w.host);
  const stranger = await userApi(w.host);
  const member = await userApi(w.host);
  const cust = await owner.expect(201, owner.post("/api/customers/", { name: "Acme Research" }));
  assert.equal(cust.name, "Acme Research");
  assert.ok(cust.slug.length > 0);
  const proj = await owner.expect(201, owner.post("/api/projects/", { name: "Genomics", customer: cust.url }));
  assert.equal(proj.customer_uuid, cust.uuid);
  assert.equal(proj.customer_slug, cust.slug);

  assert.equal((await stranger.get(`/api/projects/${proj.uuid}/`)).status, 404);
  assert.equal((await stranger.get(`/api/customers/${cust.uuid}/`)).status, 404);
  const strangerList = await stranger.expect(200, stranger.get("/api/projects/"));
  assert.equal(strangerList.length, 0);

  await owner.expect(201, owner.post(`/api/projects/${proj.uuid}/add_user/`, { role: "PROJECT.MEMBER", user: member.uuid }));
  const dup = await owner.post(`/api/projects/${proj.uuid}/add_user/`, { role: "PROJECT.MEMBER", user: member.uuid });
  assert.equal(dup.status, 400);
  const bad = await owner.post(`/api/projects/${proj.uuid}/add_user/`, { role: "PROJECT.KING", user: member.uuid });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.body, { role: ['"PROJECT.KING" is not a valid choice.'] });
  const seen = await member.expect(200, member.get(`/api/projects/${proj.uuid}/`));
  assert.equal(seen.uuid, proj.uuid);
  // A member cannot grant roles.
  const denied = await member.post(`/api/projects/${proj.uuid}/add_user/`, { role: "PROJECT.ADMIN", user: stranger.uuid });
  assert.equal(denied.status, 403);
  const users = await owner.expect(200, owner.get(`/api/projects/${proj.uuid}/list_users/`));
  assert.deepEqual(users.map((u: { user_uuid: string; role_name: string }) => [u.user_uuid, u.role_name]), [[member.uuid, "PROJECT.MEMBER"]]);
  const me = await member.expect(200, member.get("/api/users/me/"));
  assert.equal(me.permissions[0].role_name, "PROJECT.MEMBER");
  assert.equal(me.permissions[0].scope_uuid, proj.uuid);
});

test("pagination: bare arrays, X-Result-Count, Link with next, HEAD count", async () => {
  const owner = await userApi(w.host);
  const cust = await owner.expect(201, owner.post("/api/customers/", { name: "Paging Org" }));
  for (let i = 0; i < 12; i++) await owner.expect(201, owner.post("/api/projects/", { name: `P${String(i).padStart(2, "0")}`, customer: cust.url }));
  const r = await owner.get(`/api/projects/?customer=${cust.uuid}&page_size=5&o=name`);
  assert.equal(r.status, 200);
  assert.ok(Array.isArray(r.body));
  assert.equal(r.body.length, 5);
  assert.equal(r.headers.get("x-result-count"), "12");
  const link = r.headers.get("link") ?? "";
  assert.match(link, /rel="next"/);
  assert.match(link, /page=2/);
  assert.match(link, /rel="last"/);
  const p3 = await owner.expect(200, owner.get(`/api/projects/?customer=${cust.uuid}&page_size=5&page=3&o=name`));
  assert.deepEqual(p3.map((p: { name: string }) => p.name), ["P10", "P11"]);
  const head = await w.host.fetch(`/api/projects/?customer=${cust.uuid}`, { method: "HEAD", headers: { Authorization: `Token ${owner.token}` } });
  assert.equal(head.headers.get("x-result-count"), "12");
  const fields = await owner.expect(200, owner.get(`/api/projects/?customer=${cust.uuid}&field=uuid&field=name&page_size=1`));
  assert.deepEqual(Object.keys(fields[0]).sort(), ["name", "uuid"]);
  assert.equal((await owner.get(`/api/projects/?page=99`)).status, 404);
});

test("bad input: malformed JSON, wrong types, invalid hyperlinks, oversized bodies", async () => {
  const owner = await userApi(w.host);
  const raw = await owner.call("POST", "/api/customers/", "{not json");
  assert.equal(raw.status, 400);
  assert.match(raw.body.detail, /JSON parse error/);
  const wrongType = await owner.post("/api/customers/", { name: 42 });
  assert.equal(wrongType.status, 400);
  assert.ok(wrongType.body.name);
  const badLink = await owner.post("/api/projects/", { name: "x", customer: "http://h/api/users/0123456789abcdef0123456789abcdef/" });
  assert.deepEqual(badLink.body, { customer: ["Invalid hyperlink - Incorrect URL match."] });
  const noObj = await owner.post("/api/projects/", { name: "x", customer: "http://h/api/customers/0123456789abcdef0123456789abcdef/" });
  assert.deepEqual(noObj.body, { customer: ["Invalid hyperlink - Object does not exist."] });
  const huge = await owner.post("/api/customers/", { name: "x".repeat(2_000_000) });
  assert.equal(huge.status, 413);
  const long = await owner.post("/api/customers/", { name: "x".repeat(151) });
  assert.deepEqual(long.body, { name: ["Ensure this field has no more than 150 characters."] });
  const list = await owner.post("/api/customers/", [1, 2]);
  assert.equal(list.status, 400);
  assert.equal((await owner.get("/api/projects/not-a-uuid/")).status, 404);
});

test("audit trail: changes leave events naming the action and objects, without request bodies", async () => {
  const owner = await userApi(w.host);
  const cust = await owner.expect(201, owner.post("/api/customers/", { name: "Audited Org", email: "secret-contact@example.org" }));
  const proj = await owner.expect(201, owner.post("/api/projects/", { name: "Audited", customer: cust.url }));
  await owner.expect(200, owner.patch(`/api/projects/${proj.uuid}/`, { description: "changed" }));
  await owner.post("/api/projects/", { name: "" }); // refused: leaves no event
  const evs = await owner.expect(200, owner.get("/api/events/?page_size=50"));
  const types = evs.map((e: { event_type: string }) => e.event_type);
  assert.deepEqual(types.slice(0, 3).sort(), ["customers_create", "projects_create", "projects_update"].sort());
  const upd = evs.find((e: { event_type: string }) => e.event_type === "projects_update");
  assert.equal(upd.context.projects_uuid, proj.uuid);
  assert.equal(upd.context.user_username, owner.username);
  const created = evs.find((e: { event_type: string }) => e.event_type === "customers_create");
  assert.equal(created.context.object_uuid, cust.uuid);
  assert.ok(!JSON.stringify(evs).includes("secret-contact"));
  const stranger = await userApi(w.host);
  assert.equal((await stranger.expect(200, stranger.get("/api/events/"))).length, 0);
  assert.equal((await stranger.get(`/api/events/${upd.uuid}/`)).status, 404);
});
