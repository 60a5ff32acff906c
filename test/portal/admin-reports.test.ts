// The support reports page (/admin/reports) in a real browser against the real Worker: empty states
// before anything happened, then the figures of real orders, resources and usage as the
// marketplace-stats API gives them (cost as exact VE), range errors from the API beside their
// field, a CSV download of a table, and the page refused to a non-staff user.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { type Json, staffApi, userApi } from "../helpers/api.ts";
import { orderFixture, placeOrder } from "../helpers/orders.ts";
import { assertAccessible, type BrowserSession, launch, logIn, step } from "./browser.ts";

let host: WorkerHost;
let browser: BrowserSession;

before(async () => {
  await ensurePortal();
  host = await startWorkerHost({ portal: true });
  await staffApi(host); // creates the staff account the browser logs in with
  browser = await launch(host.url);
});
after(async () => {
  await browser?.close();
  await host?.dispose();
});

const ve = (uve: string) => {
  const v = BigInt(uve);
  const frac = (v % 1_000_000n).toString().padStart(6, "0").replace(/0+$/, "");
  return `${(v / 1_000_000n).toLocaleString("en-US")}${frac ? `.${frac}` : ""} VE`;
};
const region = (page: Page, name: string) => page.getByRole("region", { name, exact: true });

test("reports: empty, then real figures; range errors beside fields; CSV; staff only", { timeout: 240_000 }, async () => {
  const outsider = await userApi(host, "reportsoutsider");
  const { page } = await browser.person();

  await step(page, "a plain user is told the page is for staff and support, and has no Reports link", async () => {
    await logIn(page, outsider.username, "user-password-1", "/admin/reports");
    await page.getByText("Reports are for staff and support.").waitFor();
    assert.equal(await page.getByRole("navigation").getByRole("link", { name: "Reports" }).count(), 0);
    await page.getByRole("button", { name: "Log out" }).click();
  });

  await step(page, "staff before any order: every table says there is nothing to report", async () => {
    await logIn(page, "staff", "staff-password-1", "/admin/reports");
    await page.getByRole("heading", { name: "Reports", level: 1 }).waitFor();
    for (const name of ["Cost per offering", "Active resources per offering", "Organizations", "Component usage per month"]) {
      await region(page, name).getByText("Nothing to report yet.").waitFor();
    }
    await page.getByTestId("order-summary").getByText("Total").waitFor();
    assert.equal((await page.getByTestId("order-summary").locator("dd").first().textContent())?.trim(), "0");
    await assertAccessible(page, "reports empty");
  });

  // Real orders: two resources reach OK, usage reported on one; a third order stays pending.
  const f = await orderFixture(host);
  for (const name of ["alpha", "beta"]) {
    const o = await placeOrder(f, { attributes: { name }, limits: { storage: 3 } });
    await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {}));
    await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/set_state_done/`));
    if (name === "alpha") {
      await f.provider.expect(201, f.provider.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "cpu", amount: "2.50" }], resource: o.marketplace_resource_uuid }));
    }
  }
  await placeOrder(f, { attributes: { name: "gamma" } });

  await step(page, "staff sees the figures the API computes", async () => {
    await page.reload();
    const active = page.getByTestId("active-resources");
    await active.getByRole("row", { name: new RegExp(`${f.offering.name}.*\\b2\\b`) }).waitFor();
    const cost = (await f.staff.expect(200, f.staff.get("/api/marketplace-stats/total_cost_of_active_resources_per_offering/"))) as Json[];
    const mine = cost.find((x) => x.offering_uuid === f.offering.uuid);
    assert.ok(mine && BigInt(mine.cost_uve) > 0n, JSON.stringify(cost));
    await page.getByTestId("cost-per-offering").getByRole("row", { name: `${f.offering.name} ${ve(mine.cost_uve)}` }).waitFor();
    await page.getByTestId("organizations").getByRole("row", { name: new RegExp(`^${f.org.name} .* 1 2$`) }).waitFor();
    const month = new Date().toISOString().slice(0, 7);
    await page.getByTestId("usage-per-month").getByRole("row", { name: `${month} ${f.offering.name} cpu 2.50` }).waitFor();
    const summary = page.getByTestId("order-summary");
    assert.equal((await summary.locator("div", { hasText: "Total" }).locator("dd").textContent())?.trim(), "3");
    assert.equal((await summary.locator("div", { hasText: "Done" }).locator("dd").textContent())?.trim(), "2");
    assert.equal((await summary.locator("div", { hasText: "Pending" }).locator("dd").textContent())?.trim(), "1");
    await page.getByTestId("orders-daily").getByRole("row", { name: `${new Date().toISOString().slice(0, 10)} 3 2 1` }).waitFor();
    await assertAccessible(page, "reports with figures");
  });

  await step(page, "a malformed or reversed range is refused by the API, the message beside the field", async () => {
    const costPanel = region(page, "Cost per offering");
    await costPanel.getByLabel("From month (YYYY-MM)").fill("2026-13");
    await costPanel.getByRole("button", { name: "Show" }).click();
    await costPanel.locator(".field.invalid").filter({ has: page.getByLabel("From month (YYYY-MM)") }).getByText("Enter a month as YYYY-MM.").waitFor();
    const orders = region(page, "Orders");
    await orders.getByLabel("From (YYYY-MM-DD)").fill("2026-03-01");
    await orders.getByLabel("To (YYYY-MM-DD)").fill("2026-02-01");
    await orders.getByRole("button", { name: "Show" }).click();
    await orders.locator(".field.invalid").filter({ has: page.getByLabel("To (YYYY-MM-DD)") }).getByText("The end date is before the start date.").waitFor();
    await assertAccessible(page, "reports range errors");
  });

  await step(page, "a table downloads as CSV with its rows", async () => {
    const active = region(page, "Active resources per offering");
    const [download] = await Promise.all([page.waitForEvent("download"), active.getByRole("button", { name: "Download Active resources per offering as CSV" }).click()]);
    assert.equal(download.suggestedFilename(), "active-resources-per-offering.csv");
    const csv = await readFile((await download.path())!, "utf8");
    const [header, ...rows] = csv.split("\r\n");
    assert.equal(header, "Offering,Country,Resources");
    assert.ok(rows.includes(`${f.offering.name},—,2`), csv);
  });

  await step(page, "phone width: the tables stay inside the screen", async () => {
    const phone = await browser.person({ width: 375, height: 800 });
    try {
      await logIn(phone.page, "staff", "staff-password-1", "/admin/reports");
      await phone.page.getByTestId("active-resources").waitFor();
      const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `page wider than the screen by ${overflow}px`);
    } finally {
      await phone.context.close();
    }
  });
});
