// Scheduled broadcasts: a message with send_at today or earlier is mailed by the Worker's cron
// (Miniflare's scheduled handler) through a real SMTP server on loopback, exactly once even when
// cron runs overlap; future ones wait, and without a mail transport nothing is claimed.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { broadcastMessages } from "../../src/db/schema/index.ts";
import { type Api, dbOf, staffApi, userApi } from "../helpers/api.ts";
import { type Mailbox, startMailbox } from "../helpers/mailbox.ts";

let host: WorkerHost;
let bare: WorkerHost;
let smtp: Mailbox;
let staff: Api;
let owner: Api & { uuid: string; username: string };
let org: { uuid: string };

const today = () => new Date().toISOString().slice(0, 10);
const cron = async (h: WorkerHost) => (await h.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });
const stateOf = async (h: WorkerHost, uuid: string) =>
  (await dbOf(h).select().from(broadcastMessages).where(eq(broadcastMessages.uuid, uuid)).get())?.state;

before(async () => {
  smtp = await startMailbox();
  host = await startWorkerHost({ vars: smtp.transport });
  bare = await startWorkerHost({});
  staff = await staffApi(host);
  owner = await userApi(host, "schedowner");
  org = await owner.expect(201, owner.post("/api/customers/", { name: "Scheduled Ltd" }));
});

after(async () => {
  await host?.dispose();
  await bare?.dispose();
  await smtp?.close();
});

const schedule = (api: Api, subject: string, sendAt: string, query: object) =>
  api.expect(201, api.post("/api/broadcast-messages/", { subject, body: `Body of ${subject}`, query, send_at: sendAt }));

test("due messages go out once under overlapping cron runs; future ones stay scheduled", async () => {
  const stamp = Date.now();
  const dueToday = await schedule(staff, `Due today ${stamp}`, today(), { customers: [org.uuid], customer_roles: ["owner"] });
  const overdue = await schedule(staff, `Overdue ${stamp}`, "2020-01-01", { customers: [org.uuid] });
  const future = await schedule(staff, `Future ${stamp}`, "2999-12-31", { customers: [org.uuid] });
  assert.equal(dueToday.state, "SCHEDULED");

  // Three runs at once: each due message is claimed by exactly one of them.
  await Promise.all([cron(host), cron(host), cron(host)]);
  const addr = `${owner.username}@example.org`;
  for (const m of [dueToday, overdue]) {
    const mail = await smtp.waitFor(addr, m.subject);
    assert.equal(mail.text?.trim(), `Body of ${m.subject}`);
    const got = await staff.expect(200, staff.get(`/api/broadcast-messages/${m.uuid}/`));
    assert.equal(got.state, "SENT");
    assert.equal(got.sent_count, 1);
    assert.equal(got.failed_count, 0);
    assert.deepEqual(got.emails, [addr]);
  }
  // A later run sends nothing again.
  await cron(host);
  await new Promise((r) => setTimeout(r, 300));
  for (const m of [dueToday, overdue]) {
    assert.equal(smtp.messages.filter((x) => x.subject === m.subject).length, 1, `${m.subject} mailed more than once`);
  }
  assert.equal(await stateOf(host, future.uuid), "SCHEDULED");
  assert.equal(smtp.messages.filter((x) => x.subject === future.subject).length, 0);
});

test("a draft is never sent by the cron; clearing send_at unschedules", async () => {
  const stamp = Date.now();
  const draft = await staff.expect(201, staff.post("/api/broadcast-messages/", { subject: `Draft ${stamp}`, body: "b", query: { customers: [org.uuid] } }));
  assert.equal(draft.state, "DRAFT");
  const unscheduled = await schedule(staff, `Unscheduled ${stamp}`, "2020-06-01", { customers: [org.uuid] });
  const patched = await staff.expect(200, staff.patch(`/api/broadcast-messages/${unscheduled.uuid}/`, { send_at: null }));
  assert.equal(patched.state, "DRAFT");
  await cron(host);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await stateOf(host, draft.uuid), "DRAFT");
  assert.equal(await stateOf(host, unscheduled.uuid), "DRAFT");
  assert.ok(!smtp.messages.some((m) => m.subject === draft.subject || m.subject === unscheduled.subject));
});

test("a due message whose query no longer resolves goes back to DRAFT; the others behind it still go out", async () => {
  const stamp = Date.now();
  const broken = await schedule(staff, `Broken ${stamp}`, "2019-01-01", { customers: [org.uuid] });
  const fine = await schedule(staff, `Fine ${stamp}`, "2019-01-02", { customers: [org.uuid], customer_roles: ["owner"] });
  // As if the organization it names had gone since it was scheduled.
  await dbOf(host).update(broadcastMessages).set({ query: { customers: ["f".repeat(32)] } }).where(eq(broadcastMessages.uuid, broken.uuid));
  await cron(host);
  await smtp.waitFor(`${owner.username}@example.org`, fine.subject);
  assert.equal(await stateOf(host, fine.uuid), "SENT");
  const row = await dbOf(host).select().from(broadcastMessages).where(eq(broadcastMessages.uuid, broken.uuid)).get();
  assert.equal(row?.state, "DRAFT");
  assert.equal(row?.sentAt, null);
  assert.deepEqual(row?.recipientIds, []);
  // Fixed and scheduled again, it goes out on the next run.
  await staff.expect(200, staff.patch(`/api/broadcast-messages/${broken.uuid}/`, { query: { customers: [org.uuid], customer_roles: ["owner"] }, send_at: "2019-01-01" }));
  await cron(host);
  await smtp.waitFor(`${owner.username}@example.org`, broken.subject);
  assert.equal(await stateOf(host, broken.uuid), "SENT");
});

test("without a mail transport the cron claims nothing: the message stays SCHEDULED", async () => {
  const bareStaff = await staffApi(bare);
  const m = await schedule(bareStaff, `No transport ${Date.now()}`, "2020-01-01", { all_users: true });
  await cron(bare);
  assert.equal(await stateOf(bare, m.uuid), "SCHEDULED");
  const row = await dbOf(bare).select().from(broadcastMessages).where(eq(broadcastMessages.uuid, m.uuid)).get();
  assert.equal(row?.sentAt, null);
  assert.deepEqual(row?.recipientIds, []);
});

test("send_at must be a date: bad values are 400s naming send_at", async () => {
  for (const bad of ["tomorrow", "2026-02-30T10:00", "2026-02-30", "2025-02-29", 20260101, "2026-1-1"]) {
    const r = await staff.post("/api/broadcast-messages/", { subject: "s", body: "b", query: { all_users: true }, send_at: bad });
    assert.equal(r.status, 400, `${bad}: ${JSON.stringify(r.body)}`);
    assert.ok("send_at" in (r.body as object), `${bad}: ${JSON.stringify(r.body)}`);
  }
});
