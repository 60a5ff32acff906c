// Support and provider screens in a real browser against the real worker (portal served as static
// assets, demo data of `npm start`, mail to a real SMTP server on loopback): staff composes a
// broadcast, sees the recipient count before sending, sends it and the message is read back from
// SMTP; staff deactivates a user who then cannot log in; a provider sets an offering's location and
// uploads a screenshot that anonymous visitors see on the public offering page.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { seedDemo } from "../../scripts/lib/demo-seed.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { ensureStaff } from "../../src/seed/staff.ts";
import { png } from "../catalog/screenshots-png.ts";
import { Api, dbOf, type Json } from "../helpers/api.ts";
import { createUser } from "../../src/structure/users.ts";
import { type Mailbox, startMailbox } from "../helpers/mailbox.ts";
import { assertAccessible, type BrowserSession, launch, step } from "./browser.ts";

const STAFF = { username: "admin", password: "portal-staff-pass-1" };
const DEMO_PASSWORD = "virtengine-demo-1";
let host: WorkerHost;
let browser: BrowserSession;
let smtp: Mailbox;
let staff: Api;

before(async () => {
  await ensurePortal();
  smtp = await startMailbox();
  host = await startWorkerHost({ portal: true, vars: smtp.transport });
  await ensureStaff(dbOf(host), STAFF);
  await seedDemo(host.url, STAFF);
  const r = await new Api(host).post<{ token: string }>("/api-auth/password/", STAFF);
  staff = new Api(host, r.body.token);
  browser = await launch(host.url);
});

after(async () => {
  await browser?.close();
  await host?.dispose();
  await smtp?.close();
});

async function logIn(page: Page, username: string, password: string) {
  await page.goto("/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("button", { name: "Log out" }).waitFor();
}

test("support and provider screens: broadcast with count and SMTP delivery, deactivation, location and screenshot", { timeout: 240_000 }, async () => {
  const admin = await browser.person();
  const p = admin.page;
  const subject = `Planned maintenance ${Date.now()}`;
  const helix = (await staff.expect(200, staff.get("/api/customers/?name=Helix%20Labs")))[0] as Json;
  const expected = await staff.call("GET", `/api/broadcast-messages/recipients/?customers=${helix.uuid}&customer_roles=owner`);
  const expectedCount = Number(expected.headers.get("x-result-count"));
  assert.ok(expectedCount >= 1);

  await step(p, "staff opens the broadcast composer", async () => {
    await logIn(p, STAFF.username, STAFF.password);
    await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Broadcast" }).click();
    await p.getByRole("heading", { level: 1, name: "Broadcast message" }).waitFor();
    // All users is the default audience: the count is the API's.
    const all = Number((await staff.call("GET", "/api/broadcast-messages/recipients/?all_users=true")).headers.get("x-result-count"));
    await p.getByRole("status").filter({ hasText: `${all} recipients` }).waitFor();
    await assertAccessible(p, "broadcast composer");
  });
  await step(p, "an empty subject is refused by the API, shown beside the field", async () => {
    await p.getByLabel("Message", { exact: true }).fill("Body without a subject");
    await p.getByRole("button", { name: "Save as draft" }).click();
    await p.locator(".field.invalid").filter({ hasText: "Subject" }).getByRole("alert").waitFor();
    assert.equal(await p.getByLabel("Subject", { exact: true }).getAttribute("aria-invalid"), "true");
  });
  await step(p, "staff chooses the owners of Helix Labs and sees the count before sending", async () => {
    await p.getByLabel("Subject", { exact: true }).fill(subject);
    await p.getByLabel("Message", { exact: true }).fill("The Genome pipeline cluster is down on Saturday 10:00-12:00 UTC.");
    await p.getByLabel("Owners of organizations").check();
    await p.getByLabel("Organizations", { exact: true }).selectOption({ label: "Helix Labs" });
    await p.getByRole("status").filter({ hasText: expectedCount === 1 ? "1 recipient" : `${expectedCount} recipients` }).waitFor();
  });
  await step(p, "staff sends; the message arrives over SMTP", async () => {
    await p.getByRole("button", { name: "Send", exact: true }).click();
    await p.getByText(`Sent to ${expectedCount} ${expectedCount === 1 ? "recipient" : "recipients"}.`).waitFor();
    const m = await smtp.waitFor("alice@demo.virtengine.local", subject);
    assert.equal(m.text?.trim(), "The Genome pipeline cluster is down on Saturday 10:00-12:00 UTC.");
    assert.deepEqual(smtp.recipientsOf(m), ["alice@demo.virtengine.local"]);
    await p.getByRole("row", { name: new RegExp(subject) }).getByText("SENT").waitFor();
  });

  await step(p, "staff schedules a message for a later day: created SCHEDULED with that date, not sent", async () => {
    const later = `${subject} (scheduled)`;
    const day = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await p.getByLabel("Subject", { exact: true }).fill(later);
    await p.getByLabel("Message", { exact: true }).fill("Reminder: maintenance window next month.");
    await p.getByLabel("Send on").fill(day);
    // A dated message is scheduled, so there is no draft to save.
    assert.equal(await p.getByRole("button", { name: "Save as draft" }).count(), 0);
    await p.getByRole("button", { name: "Schedule", exact: true }).click();
    await p.getByText(`Scheduled for ${day} (UTC).`).waitFor();
    const row = p.getByRole("row", { name: new RegExp(later.replace(/[()]/g, "\\$&")) });
    await row.getByText("SCHEDULED", { exact: true }).waitFor();
    await row.getByText(day).waitFor();
    const [m] = await staff.expect(200, staff.get(`/api/broadcast-messages/?subject=${encodeURIComponent(later)}`));
    assert.deepEqual([m.state, m.send_at, m.sent_count], ["SCHEDULED", day, 0]);
    // The field is cleared and the composer sends at once again.
    assert.equal(await p.getByLabel("Send on").inputValue(), "");
    await p.getByRole("button", { name: "Send", exact: true }).waitFor();
  });

  // ---- deactivation
  const victim = `dana${Math.random().toString(36).slice(2, 7)}`;
  await createUser(dbOf(host), { username: victim, password: DEMO_PASSWORD, email: `${victim}@example.org` });
  await step(p, "staff finds a user, opens the details and deactivates the account", async () => {
    await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
    await p.getByRole("searchbox").fill(victim);
    await p.getByRole("button", { name: "Search" }).click();
    await p.getByRole("link", { name: victim }).click();
    await p.getByRole("heading", { level: 1, name: victim }).waitFor();
    await p.getByRole("button", { name: "Deactivate" }).click();
    await p.getByText("The account is deactivated: it can no longer log in.").waitFor();
    await p.getByRole("button", { name: "Activate" }).waitFor();
    await assertAccessible(p, "user details");
  });
  const dana = await browser.person();
  await step(dana.page, "the deactivated user cannot log in", async () => {
    const d = dana.page;
    await d.goto("/login");
    await d.getByLabel("Username").fill(victim);
    await d.getByLabel("Password").fill(DEMO_PASSWORD);
    await d.getByRole("button", { name: "Log in" }).click();
    await d.getByText("User account is disabled.").waitFor();
    assert.equal(await d.getByRole("button", { name: "Log out" }).count(), 0);
  });
  await step(p, "orders, resources and the audit log list with filters; the audit log names the deactivation", async () => {
    await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "All resources" }).click();
    await p.getByRole("heading", { level: 1, name: "All resources" }).waitFor();
    await p.getByRole("button", { name: "Export CSV" }).waitFor();
    await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit logs" }).click();
    await p.getByLabel("Event type").fill("users_update");
    await p.getByRole("button", { name: "Filter" }).click();
    await p.getByRole("cell", { name: "users_update" }).first().waitFor();
    await assertAccessible(p, "audit logs");
  });

  // ---- provider: location and screenshot
  const offering = (await staff.expect(200, staff.get("/api/marketplace-public-offerings/?name_exact=Cloud%20VM%20(OpenStack)")))[0] as Json;
  const prov = await browser.person();
  const v = prov.page;
  await step(v, "provider sets the offering's location", async () => {
    await logIn(v, "provider", DEMO_PASSWORD);
    await v.goto(`/provider/offerings/${offering.uuid}`);
    await v.locator("summary", { hasText: "Location" }).click();
    await v.getByLabel("Latitude").fill("95");
    await v.getByLabel("Longitude").fill("24.75");
    await v.getByRole("button", { name: "Save", exact: true }).click();
    await v.locator(".field.invalid").filter({ hasText: "Latitude" }).getByRole("alert").waitFor();
    await v.getByLabel("Latitude").fill("59.437");
    await v.getByRole("button", { name: "Save", exact: true }).click();
    await v.getByText("Location saved.").waitFor();
  });
  await step(v, "a file that is not an image is named beside the field", async () => {
    await v.locator("summary", { hasText: "Screenshots" }).click();
    await v.getByLabel("Title", { exact: true }).fill("Console");
    await v.getByLabel(/^Image/).setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
    await v.getByRole("button", { name: "Upload" }).click();
    await v.getByText("Choose a PNG, JPEG, WebP or GIF image.").waitFor();
  });
  await step(v, "provider uploads a screenshot", async () => {
    await v.getByLabel(/^Image/).setInputFiles({ name: "console.png", mimeType: "image/png", buffer: png(160, 90, [30, 120, 200]) });
    await v.getByLabel("Description").last().fill("The VM console");
    await v.getByRole("button", { name: "Upload" }).click();
    await v.getByText("Screenshot uploaded.").waitFor();
    await v.getByRole("img", { name: "Console" }).waitFor();
    await assertAccessible(v, "provider offering page");
  });
  const anon = await browser.person();
  const a = anon.page;
  await step(a, "anonymous visitors see the screenshot and the location on the public page", async () => {
    await a.goto(`/offerings/${offering.uuid}`);
    await a.getByRole("heading", { level: 2, name: "Screenshots" }).waitFor();
    const img = a.getByRole("img", { name: "Console" });
    await img.waitFor();
    await a.waitForFunction(() => {
      const el = document.querySelector('img[alt="Console"]') as HTMLImageElement | null;
      return !!el && el.complete && el.naturalWidth === 160;
    });
    await a.getByText("The VM console").waitFor();
    await a.getByRole("tab", { name: "Location" }).click();
    await a.getByText("59.437, 24.75").waitFor();
    await assertAccessible(a, "public offering page with screenshots");
  });
  // A customer's HPC allocation with reported usage, through the API, for the report to show.
  const login = async (username: string) => new Api(host, (await new Api(host).post<{ token: string }>("/api-auth/password/", { username, password: DEMO_PASSWORD })).body.token);
  const alice = await login("alice");
  const provider = await login("provider");
  const hpc = (await alice.expect(200, alice.get("/api/marketplace-public-offerings/?name_exact=HPC%20allocation%20(SLURM)")))[0] as Json;
  const project = (await alice.expect(200, alice.get("/api/projects/?name_exact=Genome%20pipeline")))[0] as Json;
  const plan = (await alice.expect(200, alice.get(`/api/marketplace-public-offerings/${hpc.uuid}/plans/`)))[0] as Json;
  const order = await alice.expect(201, alice.post("/api/marketplace-orders/", { offering: hpc.url, project: project.url, plan: plan.url, attributes: { name: "report-run" } }));
  await provider.expect(200, provider.post(`/api/marketplace-orders/${order.uuid}/approve_by_provider/`, {}));
  await provider.expect(200, provider.post(`/api/marketplace-orders/${order.uuid}/set_state_done/`));
  await provider.expect(201, provider.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "cpu", amount: "2" }], resource: order.marketplace_resource_uuid }));
  const nimbus = (await staff.expect(200, staff.get("/api/customers/?name=Nimbus%20Compute")))[0] as Json;
  const rows = await provider.expect(200, provider.get(`/api/marketplace-provider-reports/?customer_uuid=${nimbus.uuid}&offering_uuid=${hpc.uuid}`));
  assert.equal(rows.length, 1);
  const month = new Date().toISOString().slice(0, 7);
  assert.equal(rows[0].month, month);
  const ve = (uve: string) => {
    const frac = (BigInt(uve) % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
    return `${(BigInt(uve) / 1_000_000n).toLocaleString("en-US")}${frac ? `.${frac}` : ""} VE`;
  };
  await step(v, "provider report lists revenue per offering and month", async () => {
    await v.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Provider report" }).click();
    await v.getByRole("heading", { level: 1, name: "Provider report" }).waitFor();
    const row = v.getByRole("row", { name: new RegExp(`${month}.*HPC allocation`) });
    await row.waitFor();
    assert.equal((await row.getByRole("cell").nth(3).textContent())?.trim(), ve(rows[0].usage_uve));
    assert.notEqual(rows[0].usage_uve, "0");
  });
  await step(v, "a malformed month is named beside its field", async () => {
    await v.getByLabel("From month").fill("2026-13");
    await v.getByRole("button", { name: "Show" }).click();
    await v.getByText("Enter a month as YYYY-MM.").waitFor();
    await assertAccessible(v, "provider report");
  });
});
