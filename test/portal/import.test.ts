// Importing offerings from a remote Waldur through the portal (/provider/import), in a real browser,
// against a second instance of our own API playing the remote Waldur (as test/bridge/ does). The
// provider goes credentials → organization → offerings (two API pages, the choice kept across them)
// → local category, and the imported offerings show up in /provider/offerings. Bad paths: blank
// fields, a refused token (the API's message beside the token field, nothing stored), no offering
// or category chosen, a second connection to the same remote organization (refused beside the
// organization), a sync while the remote is down (the error in the page and on the connection's
// row). The token is never shown back nor stored in plaintext; the page works at phone width.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Locator, Page } from "playwright-core";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { WALDUR_PLUGIN_CONFIG, type RemoteSide, remoteProvider } from "../bridge/helpers.ts";
import { seedOfferings } from "../bridge/seed.ts";
import { d1Dump, findPlaintext } from "../crypto-flows/helpers.ts";
import type { Json } from "../helpers/api.ts";
import { createProvider, type ProviderFixture } from "../helpers/catalog.ts";
import { assertAccessible, type BrowserSession, launch, logIn, step } from "./browser.ts";

let local: WorkerHost;
let remote: WorkerHost | undefined;
let browser: BrowserSession;
let l: ProviderFixture;
let r: RemoteSide;

before(async () => {
  await ensurePortal();
  local = await startWorkerHost({ portal: true, vars: { VE_PLUGINS: WALDUR_PLUGIN_CONFIG } });
  remote = await startWorkerHost();
  r = await remoteProvider(remote, 2);
  // Ten more, so the remote list takes two pages of ten.
  await seedOfferings(remote.db, String(r.customer.uuid), String(r.category.uuid), 10, "Bulk");
  l = await createProvider(local);
  browser = await launch(local.url);
});

after(async () => {
  await browser?.close();
  await remote?.dispose();
  await local?.dispose();
});

/**
 * To the import page by the main navigation, through another page so the page (and its wizard)
 * starts afresh, as a provider moves around the portal.
 */
async function openImport(page: Page) {
  const nav = page.getByRole("navigation", { name: "Main" });
  await nav.getByRole("link", { name: "My offerings" }).click();
  await page.getByRole("heading", { name: "My offerings" }).waitFor();
  await nav.getByRole("link", { name: "Import from Waldur" }).click();
  await page.getByRole("heading", { name: "Import offerings from a remote Waldur" }).waitFor();
}

const wizard = (p: Page) => p.getByTestId("import-wizard");
/** The wizard's own submit/back buttons (the offerings pager has a "Next" too). */
const wizardButton = (p: Page, name: string) => wizard(p).locator("form > .buttons").getByRole("button", { name, exact: true });
/** The error messages shown inside the field that holds the control labelled `label`. */
const fieldErrors = (p: Page, label: string) =>
  p.locator(".field", { has: p.getByLabel(label, { exact: true }) }).locator(".field-error");
/** Waits until `locator` matches `n` elements (a page change renders the old rows for a moment). */
async function countIs(locator: Locator, n: number, ms = 15_000) {
  const end = Date.now() + ms;
  while ((await locator.count()) !== n) {
    if (Date.now() > end) assert.equal(await locator.count(), n);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const noOverflow = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1);
const connectionsInD1 = async () => (await local.db.prepare("SELECT count(*) AS n FROM waldur_connections").first<{ n: number }>())!.n;

async function credentials(p: Page, token: string) {
  await p.getByLabel("Remote API URL").fill(`${remote!.url}/api/`);
  await p.getByLabel("API token").fill(token);
  await wizardButton(p, "Next").click();
}

test("a provider imports offerings from a remote Waldur through the portal", async () => {
  const { page: p } = await browser.person();
  const token = String(r.provider.token);
  const orgName = String(r.customer.name);

  await step(p, "empty import page from the navigation", async () => {
    await logIn(p, l.provider.username, "user-password-1");
    await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Import from Waldur" }).click();
    await p.getByRole("heading", { name: "Import offerings from a remote Waldur" }).waitFor();
    await p.getByRole("heading", { name: "1. Credentials" }).waitFor();
    await p.getByText("No connections yet: start an import above.").waitFor();
    await p.getByText(String(l.customer.name)).waitFor();
    await assertAccessible(p, "import, empty");
  });

  await step(p, "blank fields are named before any request", async () => {
    await wizardButton(p, "Next").click();
    await fieldErrors(p, "Remote API URL").getByText("This field may not be blank.").waitFor();
    await fieldErrors(p, "API token").getByText("This field may not be blank.").waitFor();
    await p.getByLabel("Remote API URL").fill("ftp://example.org/api/");
    await wizardButton(p, "Next").click();
    await fieldErrors(p, "Remote API URL").getByText("Enter a valid URL.").waitFor();
    await assertAccessible(p, "import, blank fields");
  });

  await step(p, "a refused token: the API's message beside the token field, nothing stored", async () => {
    await credentials(p, "not-the-remote-token");
    await fieldErrors(p, "API token").getByText(/the token was refused/).waitFor();
    assert.equal(await fieldErrors(p, "Remote API URL").count(), 0, "the URL itself was fine");
    await p.getByRole("heading", { name: "1. Credentials" }).waitFor();
    assert.equal(await connectionsInD1(), 0);
    await assertAccessible(p, "import, refused token");
  });

  await step(p, "the right token lists the remote organizations", async () => {
    await p.getByLabel("API token").fill(token);
    assert.equal(await p.getByLabel("API token").getAttribute("type"), "password", "the token is masked");
    await wizardButton(p, "Next").click();
    await p.getByRole("heading", { name: "2. Organization" }).waitFor();
    await p.getByText(`as ${r.provider.username}`).waitFor();
    const radio = p.getByRole("radio", { name: orgName });
    assert.equal(await radio.isChecked(), true, "the only organization is chosen");
    assert.equal(await connectionsInD1(), 0, "listing organizations stores nothing");
    await assertAccessible(p, "import, organization");
  });

  const chosen: string[] = [];
  await step(p, "offerings over two API pages, chosen on both, kept across paging", async () => {
    await p.getByLabel("Connection name").fill("Partner Waldur");
    await wizardButton(p, "Next").click();
    await p.getByRole("heading", { name: "3. Offerings" }).waitFor();
    // The connection exists now; the token has left the page.
    assert.equal(await connectionsInD1(), 1);
    assert.equal((await p.content()).includes(token), false, "the token is not in the page");
    await p.getByTestId("connection").getByText("Partner Waldur").waitFor();

    await wizardButton(p, "Next").click();
    await p.getByText("Choose at least one offering.").waitFor();

    const pager = () => wizard(p).getByRole("navigation", { name: /^Page \d of 2 \(12 in all\)$/ });
    const rows = () => p.getByTestId("remote-offering");
    // The first offering of each page: the choice has to outlive the page it was made on.
    await wizard(p).getByText("Page 1 of 2 (12 in all)").waitFor();
    await countIs(rows(), 10);
    chosen.push(String(await rows().first().locator("label").textContent()));
    await rows().first().getByRole("checkbox").check();
    assert.equal(await p.getByText("Choose at least one offering.").count(), 0, "the error goes once one is chosen");
    await pager().getByRole("button", { name: "Next" }).click();
    await wizard(p).getByText("Page 2 of 2 (12 in all)").waitFor();
    await countIs(rows(), 2);
    chosen.push(String(await rows().first().locator("label").textContent()));
    await rows().first().getByRole("checkbox").check();
    await p.getByText("2 selected").waitFor();
    await pager().getByRole("button", { name: "Previous" }).click();
    await wizard(p).getByText("Page 1 of 2 (12 in all)").waitFor();
    assert.equal(await p.getByRole("checkbox", { name: chosen[0], exact: true }).isChecked(), true, "page 1's choice is kept");
    assert.equal(await p.getByRole("checkbox", { checked: true }).count(), 1);
    assert.notEqual(chosen[0], chosen[1]);
    await assertAccessible(p, "import, offerings");
  });

  await step(p, "category: required, then the import and its outcome", async () => {
    await wizardButton(p, "Next").click();
    await p.getByRole("heading", { name: "4. Category" }).waitFor();
    const listed = await p.getByTestId("to-import").getByRole("listitem").allTextContents();
    assert.deepEqual(listed, chosen);
    await wizardButton(p, "Import").click();
    await fieldErrors(p, "Local category").getByText("This field may not be blank.").waitFor();
    await p.getByLabel("Local category").selectOption({ label: String(l.category.title) });
    await assertAccessible(p, "import, category");
    await wizardButton(p, "Import").click();
    await p.getByRole("heading", { name: "Import finished" }).waitFor();
    await p.getByText("2 imported, 0 updated, 0 unchanged.").waitFor();
    for (const name of chosen) await p.getByTestId("import-result").getByRole("link", { name }).waitFor();
    await assertAccessible(p, "import, result");
  });

  const mine: Json[] = await l.provider.expect(200, l.provider.get(`/api/marketplace-provider-offerings/?customer_uuid=${l.customer.uuid}`));
  assert.deepEqual(mine.map((o) => o.name).sort(), [...chosen].sort());
  for (const o of mine) {
    assert.equal(o.type, "Waldur.RemoteOffering");
    assert.equal(o.category_uuid, l.category.uuid);
    assert.equal(o.state, "Active");
  }

  await step(p, "the imported offerings are in /provider/offerings", async () => {
    await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My offerings" }).click();
    for (const name of chosen) await p.getByRole("link", { name, exact: true }).waitFor();
  });

  await step(p, "the connection: OK, two imported; Sync now", async () => {
    await openImport(p);
    const row = p.getByRole("row", { name: /Partner Waldur/ });
    await row.getByText("OK", { exact: true }).waitFor();
    await row.getByRole("cell", { name: "2", exact: true }).waitFor();
    await row.getByRole("button", { name: "Sync now (Partner Waldur)" }).click();
    await p.getByText(/^Partner Waldur synced: \d+ offerings updated, \d+ unchanged, 0 archived, 0 resources mirrored\.$/).waitFor();
    await assertAccessible(p, "import, synced");
  });

  await step(p, "import more from the connection: the imported ones are marked", async () => {
    await p.getByRole("row", { name: /Partner Waldur/ }).getByRole("button", { name: "Import offerings from Partner Waldur" }).click();
    await p.getByRole("heading", { name: "3. Offerings" }).waitFor();
    // Page 1 holds one of the two imported; its row links to the local offering.
    const row = p.getByTestId("remote-offering").filter({ hasText: chosen[0] });
    await row.getByRole("link", { name: "Imported" }).waitFor();
    assert.equal(await wizard(p).getByRole("link", { name: "Imported" }).count(), 1);
    const local0 = mine.find((o) => o.name === chosen[0])!;
    assert.equal(await row.getByRole("link", { name: "Imported" }).getAttribute("href"), `/provider/offerings/${local0.uuid}`);
    assert.equal(await p.getByRole("checkbox", { checked: true }).count(), 0, "a new choice starts empty");
  });

  await step(p, "a second connection to the same remote organization is refused beside it", async () => {
    await openImport(p);
    await credentials(p, token);
    await p.getByRole("heading", { name: "2. Organization" }).waitFor();
    await wizardButton(p, "Next").click();
    await p.getByRole("group", { name: "Remote organization" }).getByText(/already has a connection to that remote organization/).waitFor();
    await p.getByRole("heading", { name: "2. Organization" }).waitFor();
    assert.equal(await connectionsInD1(), 1);
    await assertAccessible(p, "import, duplicate refused");
  });

  // Nothing holds the token in plaintext: not the connection's row, not the imported offerings.
  assert.deepEqual(findPlaintext({ token }, { D1: await d1Dump(local) }), []);
  const listedConnections = await (await local.fetch("/api/waldur-connections/", { headers: { Authorization: `Token ${l.provider.token}` } })).text();
  assert.equal(listedConnections.includes(token), false, "the API never returns the token");

  const phone = await browser.person({ width: 390, height: 844 });
  await step(phone.page, "phone width: connections and the offerings step fit", async () => {
    const q = phone.page;
    await logIn(q, l.provider.username, "user-password-1");
    await openImport(q);
    await q.getByTestId("connection").getByText("Partner Waldur").waitFor();
    assert.equal(await noOverflow(q), true, "no sideways scrolling on the import page");
    await q.getByRole("button", { name: "Import offerings from Partner Waldur" }).click();
    await q.getByRole("heading", { name: "3. Offerings" }).waitFor();
    await q.getByTestId("remote-offering").first().waitFor();
    assert.equal(await noOverflow(q), true, "no sideways scrolling on the offerings step");
    await assertAccessible(q, "import, phone");
  });
  await phone.context.close();

  await step(p, "the remote is down: Sync now shows the error, the connection keeps it", async () => {
    await remote!.dispose();
    remote = undefined;
    await openImport(p);
    await p.getByRole("row", { name: /Partner Waldur/ }).getByRole("button", { name: "Sync now (Partner Waldur)" }).click();
    const err = p.getByTestId("sync-error");
    await err.getByText("Sync of Partner Waldur failed").waitFor({ timeout: 60_000 });
    const row = p.getByRole("row", { name: /Partner Waldur/ });
    await row.getByText("Erred", { exact: true }).waitFor();
    await row.getByTestId("connection-error").waitFor();
    const stored = await local.db.prepare("SELECT status, last_error FROM waldur_connections").first<{ status: string; last_error: string }>();
    assert.equal(stored?.status, "Erred");
    assert.ok(stored?.last_error, "the remote error is kept on the connection");
    assert.ok(((await row.getByTestId("connection-error").textContent()) ?? "").includes(stored.last_error.slice(0, 40)));
    await assertAccessible(p, "import, sync failed");
  });

  await step(p, "the remote is down: the offerings step shows the API's error with a retry", async () => {
    await p.getByRole("row", { name: /Partner Waldur/ }).getByRole("button", { name: "Import offerings from Partner Waldur" }).click();
    await p.getByRole("heading", { name: "3. Offerings" }).waitFor();
    const box = wizard(p).getByRole("alert").filter({ hasText: "Something went wrong" });
    await box.getByText(/The remote Waldur did not answer/).waitFor({ timeout: 60_000 });
    await box.getByRole("button", { name: "Try again" }).waitFor();
    await assertAccessible(p, "import, offerings unavailable");
  });
});
