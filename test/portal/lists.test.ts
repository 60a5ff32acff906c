// Lists, states and keyboard use in the portal, in a real browser: paging, ordering and filtering go
// to the API as its own parameters (page/page_size, o=, filters) and the table shows what comes
// back; empty and error states; the skip link and tab keys work from the keyboard.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Page, Request } from "playwright-core";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { ensureStaff } from "../../src/seed/staff.ts";
import { createUser } from "../../src/structure/users.ts";
import { dbOf } from "../helpers/api.ts";
import { assertAccessible, type BrowserSession, launch, step } from "./browser.ts";
import { seedDemo } from "../../scripts/lib/demo-seed.ts";

const STAFF = { username: "admin", password: "portal-staff-pass-1" };
let host: WorkerHost;
let browser: BrowserSession;

before(async () => {
  await ensurePortal();
  host = await startWorkerHost({ portal: true });
  await ensureStaff(dbOf(host), STAFF);
  await seedDemo(host.url, STAFF);
  // 23 more users, so the staff user list has three pages of ten.
  for (let i = 0; i < 23; i++) {
    const n = String(i).padStart(2, "0");
    await createUser(dbOf(host), {
      username: `listuser${n}`,
      password: "list-password-1",
      email: `z${String(22 - i).padStart(2, "0")}@list.example`,
    });
  }
  browser = await launch(host.url);
});
after(async () => {
  await browser?.close();
  await host?.dispose();
});

/** The query of the next /api/users/ list request the page makes while `action` runs. */
async function usersQuery(page: Page, action: () => Promise<unknown>): Promise<URLSearchParams> {
  const req = page.waitForRequest(
    (r: Request) => new URL(r.url()).pathname === "/api/users/" && r.method() === "GET",
  );
  await action();
  return new URL((await req).url()).searchParams;
}

const firstCells = (page: Page) => page.locator("tbody tr td:first-child").allTextContents();

test("staff user list pages, sorts and searches through the API's parameters", {
  timeout: 120_000,
}, async () => {
  const { page } = await browser.person();
  await page.goto("/login");
  await page.getByLabel("Username").fill(STAFF.username);
  await page.getByLabel("Password").fill(STAFF.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("button", { name: "Log out" }).waitFor();

  await step(page, "admin users first page ordered by username", async () => {
    const q = await usersQuery(page, () => page.getByRole("link", { name: "Users" }).click());
    assert.equal(q.get("page"), "1");
    assert.equal(q.get("page_size"), "10");
    assert.equal(q.get("o"), "username");
    await page.getByText(/Page 1 of 3 \(2\d in all\)/).waitFor();
    const names = await firstCells(page);
    assert.equal(names.length, 10);
    assert.deepEqual(names, [...names].sort(), "rows in the API's order");
    await assertAccessible(page, "admin users");
  });
  await step(page, "next page asks the API for page 2", async () => {
    const before = await firstCells(page);
    // Every DOM state on the way is watched: none may show page 2's number over page 1's rows.
    await page.evaluate((firstRows) => {
      const w = window as unknown as { staleSeen: boolean };
      w.staleSeen = false;
      new MutationObserver(() => {
        const pager = document.body.textContent?.includes("Page 2 of 3");
        const first = document.querySelector("tbody tr td:first-child")?.textContent ?? "";
        if (pager && firstRows.includes(first)) w.staleSeen = true;
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    }, before);
    const q = await usersQuery(page, () => page.getByRole("button", { name: "Next" }).click());
    assert.equal(q.get("page"), "2");
    await page.getByText(/Page 2 of 3/).waitFor();
    const after = await firstCells(page);
    assert.equal(after.filter((n) => before.includes(n)).length, 0, "a different page of rows");
    assert.equal(await page.evaluate(() => (window as unknown as { staleSeen: boolean }).staleSeen), false, "page 1's rows never shown as page 2");
  });
  await step(page, "sorting by email asks for o=email then o=-email", async () => {
    const asc = await usersQuery(page, () => page.getByRole("button", { name: /^Email/ }).click());
    assert.equal(asc.get("o"), "email");
    assert.equal(asc.get("page"), "1", "a new ordering starts at page one");
    await page.locator('th[aria-sort="ascending"]').getByText("Email").waitFor();
    const desc = await usersQuery(page, () => page.getByRole("button", { name: /^Email/ }).click());
    assert.equal(desc.get("o"), "-email");
    await page.locator('th[aria-sort="descending"]').getByText("Email").waitFor();
    const emails = await page.locator("tbody tr td:nth-child(3)").allTextContents();
    assert.deepEqual(emails, [...emails].sort().reverse());
  });
  await step(page, "search filters through the API and shows the empty state", async () => {
    const q = await usersQuery(page, async () => {
      await page.getByPlaceholder("Search").fill("listuser1");
      await page.getByRole("button", { name: "Search" }).click();
    });
    assert.equal(q.get("query"), "listuser1");
    await page.getByText("Page 1 of 1 (10 in all)").waitFor();
    await usersQuery(page, async () => {
      await page.getByPlaceholder("Search").fill("nobody-matches-this");
      await page.getByRole("button", { name: "Search" }).click();
    });
    await page.getByText("Nothing here yet.").waitFor();
  });
  await step(page, "page size goes to the API", async () => {
    await usersQuery(page, async () => {
      await page.getByPlaceholder("Search").fill("");
      await page.getByRole("button", { name: "Search" }).click();
    });
    const q = await usersQuery(page, () => page.getByLabel("Per page").selectOption("25"));
    assert.equal(q.get("page_size"), "25");
    await page.getByText(/Page 1 of 2/).waitFor();
  });
  await step(page, "an object the API does not find shows the not-found state, not a retry", async () => {
    await page.goto("/resources/0123456789abcdef0123456789abcdef");
    await assertNotFound(page, "This resource does not exist or is not visible to you.", "Back to your resources", "/resources");
  });
  await step(page, "other signed-in detail pages say the same for their objects", async () => {
    await page.goto("/orders/0123456789abcdef0123456789abcdef");
    await assertNotFound(page, "This order does not exist or is not visible to you.", "Back to your orders", "/orders");
    await page.goto("/provider/offerings/0123456789abcdef0123456789abcdef");
    await assertNotFound(page, "This offering does not exist or is not visible to you.", "Back to my offerings", "/provider/offerings");
  });
});

/** The not-found state of a detail page: its heading and sentence, no error or retry, and a working way back. */
async function assertNotFound(page: Page, message: string, back: string, backPath: string) {
  const main = page.getByRole("main");
  await main.getByRole("heading", { level: 1, name: "Not found" }).waitFor();
  await main.getByText(message).waitFor();
  assert.equal(await main.getByRole("alert").count(), 0, "no error box");
  assert.equal(await main.getByRole("button", { name: "Try again" }).count(), 0, "no retry");
  await assertAccessible(page, `not found: ${message}`);
  await main.getByRole("link", { name: back }).click();
  await page.waitForURL((u) => u.pathname === backPath);
  await main.getByRole("heading", { level: 1, name: "Not found" }).waitFor({ state: "detached" });
}

test("public detail pages: unknown or malformed ids are not found; a failed request keeps its retry", {
  timeout: 90_000,
}, async () => {
  const { page } = await browser.person();
  await step(page, "an unknown offering and a malformed offering id", async () => {
    await page.goto("/offerings/0123456789abcdef0123456789abcdef");
    await assertNotFound(page, "This offering does not exist or is not visible to you.", "Back to the marketplace", "/marketplace");
    await page.goto("/offerings/not-an-id");
    await assertNotFound(page, "This offering does not exist or is not visible to you.", "Back to the marketplace", "/marketplace");
  });
  await step(page, "an unknown provider and a malformed provider id", async () => {
    await page.goto("/providers/0123456789abcdef0123456789abcdef");
    await assertNotFound(page, "This provider does not exist or is not visible to you.", "Back to the marketplace", "/marketplace");
    await page.goto("/providers/not-an-id");
    await assertNotFound(page, "This provider does not exist or is not visible to you.", "Back to the marketplace", "/marketplace");
  });
  await step(page, "a provider and an offering that exist still show", async () => {
    await page.getByRole("link", { name: "Kubernetes namespace" }).click();
    await page.getByRole("heading", { level: 1, name: "Kubernetes namespace" }).waitFor();
    await page.getByRole("main").getByRole("link", { name: "Nimbus Compute" }).click();
    await page.getByRole("heading", { level: 1, name: "Nimbus Compute" }).waitFor();
  });
  await step(page, "a request that fails (the network, not a 404) shows the error with a retry that works", async () => {
    await page.goto("/marketplace");
    const href = (await page.getByRole("link", { name: "Kubernetes namespace" }).getAttribute("href")) ?? "";
    assert.match(href, /^\/offerings\/[0-9a-f-]+$/);
    const api = `**/api/marketplace-public-offerings/${href.split("/")[2]}/`;
    await page.route(api, (route) => route.abort("connectionrefused"));
    await page.goto(href);
    const alert = page.getByRole("main").getByRole("alert");
    await alert.getByText("Something went wrong").waitFor();
    assert.equal(await page.getByRole("heading", { name: "Not found" }).count(), 0);
    await page.unroute(api);
    await alert.getByRole("button", { name: "Try again" }).click();
    await page.getByRole("heading", { level: 1, name: "Kubernetes namespace" }).waitFor();
  });
});

test("keyboard: skip link to the content, arrow keys across offering tabs", { timeout: 60_000 }, async () => {
  const { page } = await browser.person();
  await step(page, "skip link and tabs by keyboard", async () => {
    await page.goto("/marketplace");
    await page.getByRole("link", { name: "Kubernetes namespace" }).waitFor();
    await page.keyboard.press("Tab");
    const skip = page.getByRole("link", { name: "Skip to content" });
    assert.equal(await skip.evaluate((el) => el === document.activeElement), true);
    await page.keyboard.press("Enter");
    assert.equal(await page.evaluate(() => document.activeElement?.id), "main");
    await page.getByRole("link", { name: "Kubernetes namespace" }).focus();
    await page.keyboard.press("Enter");
    await page.getByRole("tab", { name: "Overview" }).focus();
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("ArrowRight");
    const pricing = page.getByRole("tab", { name: "Pricing" });
    assert.equal(await pricing.getAttribute("aria-selected"), "true");
    assert.equal(await pricing.evaluate((el) => el === document.activeElement), true);
    await page.getByRole("tabpanel").getByRole("row", { name: /^CPU/ }).waitFor();
  });
});
