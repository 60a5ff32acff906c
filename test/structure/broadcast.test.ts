// Broadcast messages (/api/broadcast-messages/): staff write a message, see who its query names
// (recipients/), send it through the Worker's SMTP transport to a real SMTP server on loopback, and
// read it back there. Addresses never sit in the message row; non-staff are refused everywhere.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { broadcastMessages, users } from "../../src/db/schema/index.ts";
import { type Api, dbOf, type Json, staffApi, userApi } from "../helpers/api.ts";
import { type OrderFixture, orderFixture, placeOrder } from "../helpers/orders.ts";
import { type Mailbox, startMailbox } from "../helpers/mailbox.ts";

let host: WorkerHost;
let bare: WorkerHost;
let smtp: Mailbox;
let staff: Api;
let f: OrderFixture;
let member: Api & { uuid: string; username: string };
let outsider: Api & { uuid: string; username: string };
let otherOrg: Json;

before(async () => {
  smtp = await startMailbox();
  host = await startWorkerHost({ vars: smtp.transport });
  bare = await startWorkerHost({});
  staff = await staffApi(host);
  f = await orderFixture(host);
  // A live resource of the offering in f.project, with one plain project member.
  const o = await placeOrder(f);
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {}));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/set_state_done/`));
  member = await userApi(host, "bcmember");
  await f.customerApi.expect(201, f.customerApi.post(`/api/projects/${f.project.uuid}/add_user/`, { role: "PROJECT.MEMBER", user: member.uuid }));
  outsider = await userApi(host, "bcoutsider");
  otherOrg = await outsider.expect(201, outsider.post("/api/customers/", { name: "Elsewhere Ltd" }));
});

after(async () => {
  await host?.dispose();
  await bare?.dispose();
  await smtp?.close();
});

const recipients = async (qs: string) => {
  const r = await staff.call("GET", `/api/broadcast-messages/recipients/?${qs}&page_size=300`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return { count: Number(r.headers.get("x-result-count")), names: (r.body as Json[]).map((u) => u.username).sort() };
};

test("recipients/: owners of given customers, users with resources of given offerings, everyone", async () => {
  const owners = await recipients(`customers=${f.org.uuid}&customer_roles=owner`);
  assert.deepEqual(owners, { count: 1, names: [f.customerApi.username] });
  // Without roles: everyone connected to the customer, project members included.
  assert.deepEqual((await recipients(`customers=${f.org.uuid}`)).names, [member.username, f.customerApi.username].sort());
  // Offering alone: the members of projects holding a live resource of it; with customer_roles also their owners.
  assert.deepEqual((await recipients(`offerings=${f.offering.uuid}`)).names, [member.username]);
  assert.deepEqual((await recipients(`offerings=${f.offering.uuid}&customer_roles=CUSTOMER.OWNER`)).names, [member.username, f.customerApi.username].sort());
  // Offering with customers: only those customers that hold a resource of it.
  assert.deepEqual((await recipients(`offerings=${f.offering.uuid}&customers=${otherOrg.uuid},${f.org.uuid}&customer_roles=owner`)).names, [f.customerApi.username]);
  assert.equal((await recipients(`offerings=${f.offering.uuid}&customers=${otherOrg.uuid}`)).count, 0);
  const everyone = await dbOf(host).select().from(users).all();
  const live = everyone.filter((u) => u.isActive && u.email !== "").length;
  assert.equal((await recipients("all_users=true")).count, live);
  // Page 2 of the same list, and the count stays the total.
  const page = await staff.call("GET", "/api/broadcast-messages/recipients/?all_users=true&page_size=1&page=2&o=username");
  assert.equal(page.status, 200);
  assert.equal((page.body as Json[]).length, 1);
  assert.equal(Number(page.headers.get("x-result-count")), live);
});

test("recipients/: bad queries are 400s naming the key; non-staff refused", async () => {
  const bad = async (qs: string, key: string) => {
    const r = await staff.get(`/api/broadcast-messages/recipients/?${qs}`);
    assert.equal(r.status, 400, `${qs}: ${JSON.stringify(r.body)}`);
    assert.ok(key in r.body, `${qs}: ${JSON.stringify(r.body)}`);
  };
  await bad("", "non_field_errors");
  await bad("customers=not-a-uuid", "customers");
  await bad(`customers=${"0".repeat(32)}`, "customers");
  await bad(`offerings=${"1".repeat(32)}`, "offerings");
  await bad(`customers=${f.org.uuid}&customer_roles=emperor`, "customer_roles");
  await bad(`projects=${f.project.uuid}&project_roles=owner`, "project_roles");
  await bad("all_users=maybe", "all_users");
  for (const u of [f.customerApi, member]) {
    assert.equal((await u.get(`/api/broadcast-messages/recipients/?customers=${f.org.uuid}`)).status, 403);
  }
  assert.equal((await new (staff.constructor as typeof Api)(host).get("/api/broadcast-messages/recipients/?all_users=true")).status, 401);
});

test("create, list, update, send over SMTP, read back; addresses never stored in the row", async () => {
  const subject = `Maintenance window ${Date.now()}`;
  const draft = await staff.expect(
    201,
    staff.post("/api/broadcast-messages/", {
      subject,
      body: "The cluster is down on Saturday.\n.\nThanks.",
      query: { offerings: [f.offering.uuid], customer_roles: ["owner"] },
    }),
  );
  assert.equal(draft.state, "DRAFT");
  assert.deepEqual(draft.emails, []);
  assert.deepEqual(draft.query, { offerings: [f.offering.uuid], customer_roles: ["CUSTOMER.OWNER"] });
  assert.equal(draft.author_full_name, (await staff.expect(200, staff.get("/api/users/me/"))).full_name);
  const edited = await staff.expect(200, staff.patch(`/api/broadcast-messages/${draft.uuid}/`, { body: "The cluster is down on Saturday, 10:00-12:00 UTC.\n.\nThanks." }));
  assert.match(edited.body, /10:00-12:00/);
  const listed = await staff.call("GET", `/api/broadcast-messages/?state=DRAFT&subject=${encodeURIComponent("Maintenance window")}&o=-created`);
  assert.equal(listed.status, 200);
  assert.ok((listed.body as Json[]).some((m) => m.uuid === draft.uuid));
  assert.equal((await staff.get("/api/broadcast-messages/?state=LOST")).status, 400);

  const sent = await staff.expect(200, staff.post(`/api/broadcast-messages/${draft.uuid}/send/`));
  assert.equal(sent.state, "SENT");
  assert.equal(sent.recipient_count, 2);
  assert.equal(sent.sent_count, 2);
  assert.equal(sent.failed_count, 0);
  assert.deepEqual([...sent.emails].sort(), [`${member.username}@example.org`, `${f.customerApi.username}@example.org`].sort());
  for (const who of [member.username, f.customerApi.username]) {
    const m = await smtp.waitFor(`${who}@example.org`, subject);
    assert.deepEqual(smtp.recipientsOf(m), [`${who}@example.org`], "one recipient per message: nobody sees another's address");
    assert.equal(m.text?.trim(), "The cluster is down on Saturday, 10:00-12:00 UTC.\n.\nThanks.");
    assert.equal(m.from?.value[0]?.address, "no-reply@virtengine.test");
  }
  assert.ok(!smtp.messages.some((m) => m.subject === subject && smtp.recipientsOf(m).includes(`${outsider.username}@example.org`)));

  const row = await dbOf(host).select().from(broadcastMessages).where(eq(broadcastMessages.uuid, draft.uuid)).get();
  assert.ok(row);
  assert.ok(!JSON.stringify(row).includes("@"), `the row holds an address: ${JSON.stringify(row)}`);
  assert.equal(row.recipientIds.length, 2);

  const again = await staff.post(`/api/broadcast-messages/${draft.uuid}/send/`);
  assert.equal(again.status, 409);
  assert.equal((await staff.patch(`/api/broadcast-messages/${draft.uuid}/`, { subject: "Changed" })).status, 409);
  assert.equal((await staff.expect(200, staff.get(`/api/broadcast-messages/${draft.uuid}/?field=state&field=sent_count`))).sent_count, 2);
  await staff.expect(204, staff.delete(`/api/broadcast-messages/${draft.uuid}/`));
  assert.equal((await staff.get(`/api/broadcast-messages/${draft.uuid}/`)).status, 404);
});

test("a deactivated user drops out of the recipients and cannot log in; only staff change is_active", async () => {
  const victim = await userApi(host, "bcvictim");
  await f.customerApi.expect(201, f.customerApi.post(`/api/projects/${f.project.uuid}/add_user/`, { role: "PROJECT.MEMBER", user: victim.uuid }));
  assert.ok((await recipients(`offerings=${f.offering.uuid}`)).names.includes(victim.username));
  assert.equal((await victim.patch(`/api/users/${victim.uuid}/`, { is_active: false })).status, 403);
  assert.equal((await f.customerApi.patch(`/api/users/${victim.uuid}/`, { is_active: false })).status, 403);
  await staff.expect(200, staff.patch(`/api/users/${victim.uuid}/`, { is_active: false }));
  assert.ok(!(await recipients(`offerings=${f.offering.uuid}`)).names.includes(victim.username));
  assert.equal((await victim.get("/api/users/me/")).status, 401);
});

test("bad bodies are 400s naming the field, nothing written; non-staff refused on every operation", async () => {
  const count = async () => (await dbOf(host).select().from(broadcastMessages).all()).length;
  const before = await count();
  const empty = await staff.post("/api/broadcast-messages/", {});
  assert.equal(empty.status, 400);
  for (const k of ["subject", "body", "query"]) assert.ok(k in empty.body, JSON.stringify(empty.body));
  const cases: [Json, string][] = [
    [{ subject: "a\r\nBcc: x@evil.test", body: "b", query: { all_users: true } }, "subject"],
    [{ subject: " ", body: "b", query: { all_users: true } }, "subject"],
    [{ subject: "s", body: "", query: { all_users: true } }, "body"],
    [{ subject: "s", body: "b", query: {} }, "query"],
    [{ subject: "s", body: "b", query: "everyone" }, "query"],
    [{ subject: "s", body: "b", query: { customers: ["nope"] } }, "query"],
    [{ subject: "s", body: "b", query: { customers: ["2".repeat(32)] } }, "query"],
    [{ subject: "s", body: "b", query: { all_users: true }, send_at: "next week" }, "send_at"],
    [{ subject: "x".repeat(1001), body: "b", query: { all_users: true } }, "subject"],
  ];
  for (const [b, field] of cases) {
    const r = await staff.post("/api/broadcast-messages/", b);
    assert.equal(r.status, 400, `${JSON.stringify(b).slice(0, 80)}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.ok(field in r.body, `${field} not named: ${JSON.stringify(r.body)}`);
  }
  const nested = await staff.post("/api/broadcast-messages/", { subject: "s", body: "b", query: { customers: ["2".repeat(32)] } });
  assert.ok("customers" in nested.body.query, JSON.stringify(nested.body));
  assert.equal(await count(), before, "no half-written message");

  const scheduled = await staff.expect(201, staff.post("/api/broadcast-messages/", { subject: "Later", body: "b", query: { all_users: true }, send_at: "2030-01-31" }));
  assert.equal(scheduled.state, "SCHEDULED");
  assert.equal(scheduled.send_at, "2030-01-31");
  const put = await staff.expect(200, staff.put(`/api/broadcast-messages/${scheduled.uuid}/`, { subject: "Now", body: "c", query: { projects: [f.project.uuid] }, send_at: null }));
  assert.equal(put.state, "DRAFT");
  assert.equal((await staff.patch(`/api/broadcast-messages/${scheduled.uuid}/`, { query: { projects: ["3".repeat(32)] } })).status, 400);
  for (const u of [f.customerApi, f.provider, member]) {
    assert.equal((await u.get("/api/broadcast-messages/")).status, 403);
    assert.equal((await u.post("/api/broadcast-messages/", { subject: "s", body: "b", query: { all_users: true } })).status, 403);
    assert.equal((await u.get(`/api/broadcast-messages/${scheduled.uuid}/`)).status, 403);
    assert.equal((await u.patch(`/api/broadcast-messages/${scheduled.uuid}/`, { subject: "mine" })).status, 403);
    assert.equal((await u.post(`/api/broadcast-messages/${scheduled.uuid}/send/`)).status, 403);
    assert.equal((await u.delete(`/api/broadcast-messages/${scheduled.uuid}/`)).status, 403);
  }
  assert.equal((await staff.get(`/api/broadcast-messages/${"4".repeat(32)}/`)).status, 404);
});

test("send without a mail transport: 503, the message stays a draft", async () => {
  const s = await staffApi(bare);
  const m = await s.expect(201, s.post("/api/broadcast-messages/", { subject: "Hello", body: "b", query: { all_users: true } }));
  const r = await s.post(`/api/broadcast-messages/${m.uuid}/send/`);
  assert.equal(r.status, 503);
  assert.match(r.body.detail, /mail transport/);
  assert.equal((await s.expect(200, s.get(`/api/broadcast-messages/${m.uuid}/`))).state, "DRAFT");
});
