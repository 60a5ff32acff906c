// The marketplace's attribute filters and the multi-item cart, in a real browser against the real
// worker: filters from the category's declared attributes go to the API as Waldur's `attributes`
// JSON and live in the URL (reload and back keep them); two configured offerings wait in the cart
// (localStorage) with exact totals per hour/day/30 days/365 days; the terms of the offering that
// has them must be agreed; one order per item is placed, and an item the API refuses stays in the
// cart with its configuration and the API's field error while the other is placed.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { type Api, type Json, userApi } from "../helpers/api.ts";
import { createOffering, createProvider, type ProviderFixture } from "../helpers/catalog.ts";
import { assertAccessible, type BrowserSession, launch, logIn, step } from "./browser.ts";

let host: WorkerHost;
let browser: BrowserSession;
let f: ProviderFixture;
let category: Json;
const offerings: Record<string, Json> = {};
let customer: Api & { username: string };

before(async () => {
  await ensurePortal();
  host = await startWorkerHost({ portal: true });
  f = await createProvider(host);
  category = await f.staff.expect(
    201,
    f.staff.post("/api/marketplace-categories/", {
      title: "Compute with attributes",
      sections: [
        {
          key: "general",
          title: "General",
          attributes: [
            {
              key: "certification",
              title: "Certification",
              type: "list",
              options: [
                { key: "ISO27001", title: "ISO 27001" },
                { key: "SOC2", title: "SOC 2" },
                { key: "GDPR", title: "GDPR" },
              ],
            },
            { key: "high_availability", title: "High availability", type: "boolean" },
          ],
        },
      ],
    }),
  );
  const fx = { ...f, category };
  const spec = (name: string, comp: Json, plan: Json) => ({ name, components: [comp], plans: [plan] });
  offerings.alpha = await createOffering(
    fx,
    spec(
      "Alpha compute",
      { type: "cpu", name: "CPU", measured_unit: "cores", billing_type: "limit", max_value: 64 },
      { name: "Hourly", unit: "hour", prices: { cpu: "0.05" } },
    ),
  );
  offerings.beta = await createOffering(
    fx,
    spec(
      "Beta storage",
      { type: "storage", name: "Storage", measured_unit: "GB", billing_type: "limit", max_value: 1000 },
      { name: "Monthly", unit: "month", prices: { storage: "0.13" } },
    ),
  );
  offerings.gamma = await createOffering(
    fx,
    spec(
      "Gamma cluster",
      { type: "node", name: "Nodes", measured_unit: "nodes", billing_type: "limit", max_value: 10 },
      { name: "Daily", unit: "day", prices: { node: "1.00" } },
    ),
  );
  const attrs = async (o: Json, a: Json) =>
    f.provider.expect(200, f.provider.post(`/api/marketplace-provider-offerings/${o.uuid}/update_attributes/`, a));
  await attrs(offerings.alpha, { certification: ["ISO27001", "SOC2"], high_availability: true, terms_of_service: "Alpha terms: no mining." });
  await attrs(offerings.beta, { certification: ["GDPR"], high_availability: false });
  await attrs(offerings.gamma, { certification: ["SOC2"], high_availability: true });
  const c = await userApi(host);
  const org = await c.expect(201, c.post("/api/customers/", { name: `Org ${c.username}` }));
  await c.expect(201, c.post("/api/projects/", { name: "Research", customer: org.url }));
  customer = c;
  browser = await launch(host.url);
});

after(async () => {
  await browser?.close();
  await host?.dispose();
});

const cardNames = async (page: Page) => {
  await page.locator("ul.cards, .state").first().waitFor();
  return (await page.locator("ul.cards h3, ul.cards h2").allTextContents()).map((t) => t.trim()).sort();
};

async function shownOfferings(page: Page, expected: string[]) {
  const end = Date.now() + 10_000;
  let got: string[] = [];
  while (Date.now() < end) {
    got = await cardNames(page).catch(() => []);
    if (JSON.stringify(got) === JSON.stringify(expected)) return;
    await page.waitForTimeout(200);
  }
  assert.deepEqual(got, expected);
}

test("attribute filters in the URL; cart with exact totals, terms per offering, one order per item, a refused item kept", {
  timeout: 180_000,
}, async () => {
  const { page } = await browser.person();
  await logIn(page, customer.username, "user-password-1");

  await step(page, "category shows its declared attribute filters with counts", async () => {
    await page.goto(`/marketplace?category=${category.uuid}`);
    await page.getByRole("heading", { name: "Attributes of Compute with attributes" }).waitFor();
    await shownOfferings(page, ["Alpha compute", "Beta storage", "Gamma cluster"]);
    const cert = page.getByRole("group", { name: "Certification" });
    await cert.getByLabel(/SOC 2/).waitFor();
    assert.match((await cert.textContent()) ?? "", /SOC 2 \(2\)/);
    await assertAccessible(page, "marketplace with filters");
  });

  await step(page, "a list attribute filters by any of the chosen values, through the API", async () => {
    const req = page.waitForRequest((r) => r.url().includes("/api/marketplace-public-offerings/") && r.url().includes("attributes="));
    await page.getByRole("group", { name: "Certification" }).getByLabel(/SOC 2/).check();
    const sent = new URL((await req).url()).searchParams.get("attributes");
    assert.deepEqual(JSON.parse(sent ?? ""), { certification: ["SOC2"] });
    await shownOfferings(page, ["Alpha compute", "Gamma cluster"]);
    await page.getByRole("group", { name: "Certification" }).getByLabel(/GDPR/).check();
    await shownOfferings(page, ["Alpha compute", "Beta storage", "Gamma cluster"]);
    await page.getByRole("group", { name: "Certification" }).getByLabel(/GDPR/).uncheck();
    await page.getByLabel("High availability").selectOption("true");
    await shownOfferings(page, ["Alpha compute", "Gamma cluster"]);
    await page.getByLabel("Sort by").selectOption("-name");
    await shownOfferings(page, ["Alpha compute", "Gamma cluster"]);
    assert.deepEqual(JSON.parse(new URL(page.url()).searchParams.get("attributes") ?? ""), {
      certification: ["SOC2"],
      high_availability: true,
    });
  });

  await step(page, "filters survive reload and back", async () => {
    await page.reload();
    await shownOfferings(page, ["Alpha compute", "Gamma cluster"]);
    assert.equal(await page.getByRole("group", { name: "Certification" }).getByLabel(/SOC 2/).isChecked(), true);
    assert.equal(await page.getByLabel("High availability").inputValue(), "true");
    await page.getByLabel("High availability").selectOption("false");
    await shownOfferings(page, []);
    await page.goBack();
    await shownOfferings(page, ["Alpha compute", "Gamma cluster"]);
    assert.equal(await page.getByLabel("High availability").inputValue(), "true");
  });

  await step(page, "configure two offerings into the cart", async () => {
    await page.goto(`/offerings/${offerings.alpha.uuid}/order`);
    await page.getByLabel("Resource name").fill("web-1");
    await page.getByLabel("CPU (cores)").fill("3");
    await page.getByRole("button", { name: "Add to cart" }).click();
    await page.getByRole("heading", { name: "Cart", exact: true }).waitFor();
    await page.goto(`/offerings/${offerings.beta.uuid}/order`);
    await page.getByLabel("Resource name").fill("store-1");
    await page.getByLabel("Storage (GB)").fill("7");
    await page.getByRole("button", { name: "Add to cart" }).click();
    await page.getByRole("heading", { name: /Estimated total for 2 items/ }).waitFor();
  });

  await step(page, "the cart totals per period are exact sums", async () => {
    // 3 × 0.05/hour + 7 × 0.13/month (720 h): per day 3.60 + 0.0303…, per 365 days 1314 + 11.0716…,
    // each rounded once, at the end.
    const total = async (k: string) => (await page.locator(`[data-total="${k}"]`).textContent())?.trim();
    assert.equal(await total("hour"), "0.15 VE");
    assert.equal(await total("day"), "3.63 VE");
    assert.equal(await total("month"), "108.91 VE");
    assert.equal(await total("year"), "1325.07 VE");
    // The cart is kept in this browser: it is there after a reload.
    await page.reload();
    await page.getByRole("heading", { name: /Estimated total for 2 items/ }).waitFor();
    await assertAccessible(page, "cart");
  });

  await step(page, "editing an item keeps its configuration", async () => {
    await page.getByRole("listitem").filter({ hasText: "store-1" }).getByRole("link", { name: "Edit" }).click();
    assert.equal(await page.getByLabel("Resource name").inputValue(), "store-1");
    assert.equal(await page.getByLabel("Storage (GB)").inputValue(), "7");
    await page.getByLabel("Storage (GB)").fill("8");
    await page.getByRole("button", { name: "Update cart item" }).click();
    await page.getByRole("heading", { name: /Estimated total for 2 items/ }).waitFor();
    assert.equal((await page.locator('[data-total="month"]').textContent())?.trim(), "109.04 VE");
  });

  await step(page, "terms must be agreed for the offering that has them", async () => {
    await page.getByRole("button", { name: "Place 2 orders" }).click();
    await page.getByText("You must agree to the terms of service.").waitFor();
    assert.equal(await page.getByLabel("I agree to the terms of service of Beta storage").count(), 0);
  });

  // Meanwhile the provider withdraws Beta's plan: that order will be refused, Alpha's placed.
  const betaPlan = offerings.beta.plans[0];
  await f.provider.expect(200, f.provider.post(`/api/marketplace-plans/${betaPlan.uuid}/archive/`));

  await step(page, "one order per item; the refused item stays with the API's field error", async () => {
    await page.getByLabel("I agree to the terms of service of Alpha compute").check();
    await page.getByRole("button", { name: "Place 2 orders" }).click();
    await page.getByRole("heading", { name: "1 order placed" }).waitFor();
    await page.getByRole("link", { name: "Alpha compute — web-1" }).waitFor();
    const beta = page.getByRole("listitem").filter({ hasText: "store-1" });
    await beta.getByText("plan: Plan is archived.").waitFor();
    await beta.getByText("8 GB").waitFor();
    assert.equal(await page.locator("li.cart-item").count(), 1);
    await page.getByRole("heading", { name: /Estimated total for 1 item/ }).waitFor();
  });

  const orders = await customer.expect<Json[]>(200, customer.get("/api/marketplace-orders/"));
  assert.deepEqual(
    orders.map((o) => [o.offering_name, o.attributes?.name]),
    [["Alpha compute", "web-1"]],
  );

  await step(page, "the cart at a phone width", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole("heading", { name: /Estimated total for 1 item/ }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    assert.equal(overflow, false, "the cart scrolls sideways at 390 px");
    await page.getByRole("button", { name: "Remove store-1 from the cart" }).click();
    await page.getByText(/Your cart is empty/).waitFor();
  });
});
