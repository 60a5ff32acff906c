// The provider workspace in the portal, in a real browser against the demo data: its menu items
// appear only for owners and managers of a service-provider organization (and staff; support staff
// get the provider report), decided once per session and again after log-in, log-out and
// registering a provider; everyone else opening a provider page is told it is for providers.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Page, Request } from "playwright-core";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { DEMO_PASSWORD, seedDemo } from "../../scripts/lib/demo-seed.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { ensureStaff } from "../../src/seed/staff.ts";
import { createUser } from "../../src/structure/users.ts";
import { type Api, dbOf, type Json, login } from "../helpers/api.ts";
import { assertAccessible, type BrowserSession, launch, logIn, step } from "./browser.ts";

const STAFF = { username: "admin", password: "portal-staff-pass-1" };
const PASSWORD = "nav-password-1";
const PROVIDER_ITEMS = [
  "My offerings",
  "Import from Waldur",
  "Pending orders",
  "Customer resources",
  "Provider report",
];
const PROVIDER_PAGES = [
  "/provider/offerings",
  "/provider/import",
  "/provider/orders",
  "/provider/resources",
  "/provider/executor-key",
  "/provider/report",
];
let host: WorkerHost;
let browser: BrowserSession;
let staff: Api;

before(async () => {
  await ensurePortal();
  host = await startWorkerHost({ portal: true });
  await ensureStaff(dbOf(host), STAFF);
  await seedDemo(host.url, STAFF);
  staff = await login(host, STAFF.username, STAFF.password);
  await createUser(dbOf(host), { username: "carol", password: PASSWORD, email: "carol@nav.example" });
  await createUser(dbOf(host), {
    username: "sam",
    password: PASSWORD,
    email: "sam@nav.example",
    isSupport: true,
  });
  await createUser(dbOf(host), { username: "max", password: PASSWORD, email: "max@nav.example" });
  browser = await launch(host.url);
});
after(async () => {
  await browser?.close();
  await host?.dispose();
});

const navLabels = async (page: Page) =>
  (await page.getByRole("navigation", { name: "Main" }).getByRole("link").allTextContents()).map((t) =>
    t.trim(),
  );
const providerItems = async (page: Page) => (await navLabels(page)).filter((l) => PROVIDER_ITEMS.includes(l));

/** A provider-access lookup: the service-provider list filtered to one's organizations, one row. */
const isLookup = (r: { url(): string }) => {
  const u = new URL(r.url());
  return (
    u.pathname === "/api/marketplace-service-providers/" &&
    u.searchParams.has("customer_uuid") &&
    u.searchParams.get("page_size") === "1"
  );
};

function countLookups(page: Page): { n: number } {
  const seen = { n: 0 };
  page.on("request", (r: Request) => {
    if (isLookup(r)) seen.n++;
  });
  return seen;
}

/** Logs in through the header's link and the form, without reloading the app (its state lives on). */
async function logInInApp(page: Page, username: string, password: string) {
  await page.getByRole("banner").getByRole("link", { name: "Log in", exact: true }).click();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await page.getByRole("button", { name: "Log out" }).waitFor();
}

/** A provider page opened directly by someone who is not a provider. */
async function assertForProvidersOnly(page: Page, path: string) {
  await page.goto(path);
  await page.getByRole("heading", { level: 1, name: "For service providers" }).waitFor();
  const register = page.getByRole("main").getByRole("link", { name: "Register a provider organization" });
  assert.equal(await register.getAttribute("href"), "/provider/offerings/new", path);
  assert.equal(await page.getByRole("table").count(), 0, `${path} shows no list`);
  assert.equal(await page.getByText("Nothing here yet.").count(), 0, `${path} shows no empty list`);
}

test("a customer sees no provider workspace; provider pages say they are for providers; registering one opens it", {
  timeout: 180_000,
}, async () => {
  const { page } = await browser.person();
  const lookups = countLookups(page);
  await step(page, "alice (owner of a customer organization) has no provider items", async () => {
    const answered = page.waitForResponse(isLookup);
    await logIn(page, "alice", DEMO_PASSWORD);
    assert.equal((await answered).status(), 200);
    // The nav is drawn from the answer: wait for the re-render after it.
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Wallet" }).waitFor();
    const labels = await navLabels(page);
    for (const l of ["Marketplace", "Dashboard", "Orders", "Resources", "Organization"])
      assert.ok(labels.includes(l), `${l} in ${labels}`);
    assert.deepEqual(await providerItems(page), []);
  });
  await step(page, "the answer is kept for the session: moving around asks no more", async () => {
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Orders" }).click();
    await page.getByRole("heading", { level: 1, name: "Orders" }).waitFor();
    await nav.getByRole("link", { name: "Resources" }).click();
    await nav.getByRole("link", { name: "Dashboard" }).click();
    await page.getByRole("heading", { level: 1, name: /Welcome/ }).waitFor();
    assert.equal(lookups.n, 1, "one lookup for alice's one organization");
    assert.deepEqual(await providerItems(page), []);
  });
  await step(page, "every provider page opened directly says it is for providers", async () => {
    for (const path of PROVIDER_PAGES) await assertForProvidersOnly(page, path);
    const nimbusOffering = (
      await staff.expect<Json[]>(200, staff.get("/api/marketplace-provider-offerings/?name=Expert%20support"))
    )[0];
    await assertForProvidersOnly(page, `/provider/offerings/${nimbusOffering.uuid}`);
    await assertAccessible(page, "for providers only");
  });

  const carol = (await browser.person()).page;
  const carolLookups = countLookups(carol);
  await step(carol, "a user without any organization: no provider items and no lookup at all", async () => {
    await logIn(carol, "carol", PASSWORD);
    await carol.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Wallet" }).waitFor();
    assert.deepEqual(await providerItems(carol), []);
    await assertForProvidersOnly(carol, "/provider/orders");
    assert.equal(carolLookups.n, 0);
  });
  await step(
    carol,
    "registering a provider organization from there opens the workspace in the same session",
    async () => {
      await carol.getByRole("link", { name: "Register a provider organization" }).click();
      await carol.getByLabel("Organization name").fill("Carol Compute");
      await carol.getByRole("button", { name: "Register as provider" }).click();
      await carol.getByRole("heading", { name: "1. Overview" }).waitFor();
      const nav = carol.getByRole("navigation", { name: "Main" });
      await nav.getByRole("link", { name: "My offerings" }).waitFor();
      assert.deepEqual(await providerItems(carol), PROVIDER_ITEMS);
      await nav.getByRole("link", { name: "Pending orders" }).click();
      await carol.getByRole("heading", { level: 1, name: "Orders waiting for you" }).waitFor();
      assert.equal(await carol.getByRole("heading", { name: "For service providers" }).count(), 0);
    },
  );
});

test("providers, staff and support: the menu follows who is signed in, across log-out and log-in", {
  timeout: 180_000,
}, async () => {
  const { page } = await browser.person();
  const nav = page.getByRole("navigation", { name: "Main" });
  await step(page, "the demo provider (owner of Nimbus Compute) sees every provider item", async () => {
    await logIn(page, "provider", DEMO_PASSWORD);
    await nav.getByRole("link", { name: "My offerings" }).waitFor();
    assert.deepEqual(await providerItems(page), PROVIDER_ITEMS);
    await nav.getByRole("link", { name: "Customer resources" }).click();
    await page.getByRole("heading", { level: 1, name: "Resources of customers" }).waitFor();
    await assertAccessible(page, "provider nav");
  });
  await step(page, "log out, alice logs in in the same tab: the provider items are gone", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("banner").getByRole("link", { name: "Log in", exact: true }).waitFor();
    assert.deepEqual(await providerItems(page), []);
    const answered = page.waitForResponse(isLookup);
    await logInInApp(page, "alice", DEMO_PASSWORD);
    await nav.getByRole("link", { name: "Wallet" }).waitFor();
    // alice's own lookup (her organization is no provider) answers, and the menu still has no provider items.
    assert.deepEqual(await (await answered).json(), []);
    await page.waitForLoadState("networkidle");
    assert.deepEqual(await providerItems(page), []);
    await page.getByRole("link", { name: "Pending orders" }).waitFor({ state: "detached" });
  });
  await step(page, "and back to the provider: the items return", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await logInInApp(page, "provider", DEMO_PASSWORD);
    await nav.getByRole("link", { name: "Pending orders" }).waitFor();
    assert.deepEqual(await providerItems(page), PROVIDER_ITEMS);
  });

  const st = (await browser.person()).page;
  await step(st, "staff see the provider workspace", async () => {
    await logIn(st, STAFF.username, STAFF.password);
    await st.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My offerings" }).waitFor();
    assert.deepEqual(await providerItems(st), PROVIDER_ITEMS);
    await st.goto("/provider/orders");
    await st.getByRole("heading", { level: 1, name: "Orders waiting for you" }).waitFor();
  });

  const sup = (await browser.person()).page;
  await step(sup, "support staff get the provider report only", async () => {
    await logIn(sup, "sam", PASSWORD);
    await sup
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Provider report" })
      .waitFor();
    await sup.waitForLoadState("networkidle");
    assert.deepEqual(await providerItems(sup), ["Provider report"]);
    await sup
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Provider report" })
      .click();
    await sup.getByRole("heading", { level: 1, name: "Provider report" }).waitFor();
    await assertForProvidersOnly(sup, "/provider/orders");
  });
});

test("roles decide, not membership: a project member or an expired manager of the provider is not a provider", {
  timeout: 120_000,
}, async () => {
  const nimbus = (
    await staff.expect<Json[]>(200, staff.get("/api/customers/?name_exact=Nimbus%20Compute"))
  )[0];
  const max = (await staff.expect<Json[]>(200, staff.get("/api/users/?username=max")))[0];
  const { page } = await browser.person();
  const expires = Date.now() + 12_000;
  await step(page, "a manager of the provider organization is a provider", async () => {
    await staff.expect(
      201,
      staff.post(`/api/customers/${nimbus.uuid}/add_user/`, {
        user: max.uuid,
        role: "CUSTOMER.MANAGER",
        expiration_time: new Date(expires).toISOString(),
      }),
    );
    await logIn(page, "max", PASSWORD);
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Pending orders" })
      .waitFor();
  });
  await step(page, "once the manager role has expired, a new session has no provider items", async () => {
    await page.waitForTimeout(Math.max(0, expires - Date.now()) + 500);
    await page.getByRole("button", { name: "Log out" }).click();
    await logInInApp(page, "max", PASSWORD);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Wallet" }).waitFor();
    await page.waitForLoadState("networkidle");
    assert.deepEqual(await providerItems(page), []);
    await assertForProvidersOnly(page, "/provider/offerings");
  });
  const bob = (await browser.person()).page;
  await step(bob, "bob (admin of a project of a customer) is not a provider", async () => {
    await logIn(bob, "bob", DEMO_PASSWORD);
    await bob.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Wallet" }).waitFor();
    await bob.waitForLoadState("networkidle");
    assert.deepEqual(await providerItems(bob), []);
  });
});
