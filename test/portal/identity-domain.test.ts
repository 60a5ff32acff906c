// Domain verification in the browser: the identity page issues a token for one of the user's
// organizations, shows the TXT record and the well-known URL to publish it at, and verifies by DNS
// (a DNS-over-HTTPS JSON resolver on loopback) or by HTTP (a web server on loopback, the Worker in
// insecure local mode). Missing or wrong proofs and bad input show the API's messages.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { identityScopes } from "../../src/db/schema/index.ts";
import { dbOf, userApi } from "../helpers/api.ts";
import { type DohResolver, startDohResolver, startWellKnownServer, type WellKnownServer } from "../helpers/domain.ts";
import { assertAccessible, type BrowserSession, launch, logIn, step } from "./browser.ts";

let doh: DohResolver;
let web: WellKnownServer;
let labsUuid = "";
let host: WorkerHost;
let browser: BrowserSession;

before(async () => {
  await ensurePortal();
  doh = await startDohResolver();
  web = await startWellKnownServer();
  host = await startWorkerHost({
    portal: true,
    port: 19401,
    vars: { VE_DOH_URL: doh.url, VE_DOMAIN_CHECK_INSECURE: "local" },
  });
  const gail = await userApi(host, "gail");
  await gail.expect(201, gail.post("/api/customers/", { name: "Gail Cloud" }));
  labsUuid = (await gail.expect(201, gail.post("/api/customers/", { name: "Gail Labs" }))).uuid;
  // Someone else's organization is not offered.
  const ivan = await userApi(host, "ivan");
  await ivan.expect(201, ivan.post("/api/customers/", { name: "Ivan Hosting" }));
  await userApi(host, "hank");
  browser = await launch(host.url);
});
after(async () => {
  await browser?.close();
  await host?.dispose();
  await doh?.close();
  await web?.close();
});

async function signIn(page: Page, username: string) {
  await logIn(page, username, "user-password-1", "/identity");
  await page.getByRole("heading", { name: "Verify a domain" }).waitFor();
}

test("domain: get a token, publish it, verify by DNS and by HTTP; refusals shown", { timeout: 180_000 }, async () => {
  const { page } = await browser.person();
  const section = page.getByTestId("domain-scope");
  const challenge = section.getByTestId("domain-challenge");
  const org = section.getByLabel("Organization");
  const domain = section.getByLabel("Domain");

  await step(page, "no SSO providers configured: the log-in page offers none", async () => {
    await page.goto("/login");
    await page.getByRole("button", { name: "Log in", exact: true }).waitFor();
    await page.getByRole("link", { name: "New here? Create an account" }).waitFor();
    assert.equal(await page.getByRole("heading", { name: "Or sign in with" }).count(), 0);
  });

  await step(page, "domain section: the user's organizations, bad domains refused beside the field", async () => {
    await signIn(page, "gail");
    await org.waitFor();
    const options = await org.locator("option").allTextContents();
    assert.deepEqual(options, ["Gail Cloud", "Gail Labs"]);
    await section.getByRole("button", { name: "Get a verification token" }).click();
    await section.locator(".field.invalid").getByRole("alert").getByText("This field may not be blank.").waitFor();
    await domain.fill("not a domain!");
    await section.getByRole("button", { name: "Get a verification token" }).click();
    await section.locator(".field.invalid").getByRole("alert").getByText("Enter a valid domain name.").waitFor();
    assert.equal(await challenge.count(), 0);
    await assertAccessible(page, "domain errors");
  });

  let token = "";
  await step(page, "a token for cloud.gail.example: TXT record and well-known URL to publish", async () => {
    await domain.fill("Cloud.Gail.Example.");
    await section.getByRole("button", { name: "Get a verification token" }).click();
    await challenge.getByRole("heading", { name: "Publish the token for cloud.gail.example" }).waitFor();
    assert.equal(await challenge.getByTestId("txt-name").textContent(), "_virtengine-challenge.cloud.gail.example");
    token = (await challenge.getByTestId("txt-value").textContent()) ?? "";
    assert.match(token, /^virtengine-domain-verification=[0-9a-f]{40}$/);
    assert.equal(
      await challenge.getByTestId("well-known-url").textContent(),
      "http://cloud.gail.example/.well-known/virtengine-challenge",
    );
    await assertAccessible(page, "domain token");
  });

  await step(page, "verify by DNS before publishing: the API says where it looked", async () => {
    await challenge.getByRole("button", { name: "Verify by DNS" }).click();
    await challenge
      .getByRole("alert")
      .getByText("The verification token was not found in the TXT record _virtengine-challenge.cloud.gail.example.")
      .waitFor();
    // A wrong value published is no better.
    doh.txt.set("_virtengine-challenge.cloud.gail.example", ['"virtengine-domain-verification=0000"']);
    const asked = doh.queries.length;
    await challenge.getByRole("button", { name: "Verify by DNS" }).click();
    for (let i = 0; i < 100 && doh.queries.length === asked; i++) await page.waitForTimeout(100);
    assert.equal(doh.queries.length, asked + 1, "the resolver was asked again");
    await challenge.getByRole("button", { name: "Verify by DNS" }).and(page.locator(":enabled")).waitFor();
    await challenge.getByRole("alert").getByText(/not found in the TXT record/).waitFor();
  });

  await step(page, "TXT record published: verified by DNS and listed for the organization", async () => {
    doh.txt.set("_virtengine-challenge.cloud.gail.example", ['"virtengine-domain-verification=0000"', `"${token}"`]);
    await challenge.getByRole("button", { name: "Verify by DNS" }).click();
    await section.getByText("cloud.gail.example verified (DNS TXT record).").waitFor();
    assert.equal(await challenge.count(), 0, "the used token is no longer shown");
    await section.getByRole("heading", { name: "Verified domains of Gail Cloud" }).waitFor();
    await section.getByTestId("verified-domains").getByText(/^cloud\.gail\.example, by DNS,/).waitFor();
    await page.getByTestId("scopes").getByRole("row", { name: /domain\s+cloud\.gail\.example\s+verified/ }).waitFor();
  });

  const webDomain = web.domain;
  await step(page, "another organization: its own domain, verified by the well-known file", async () => {
    await org.selectOption({ label: "Gail Labs" });
    assert.equal(await section.getByTestId("verified-domains").count(), 0, "Gail Cloud's domain is not Gail Labs'");
    await domain.fill(webDomain);
    await section.getByRole("button", { name: "Get a verification token" }).click();
    await challenge.getByTestId("well-known-url").getByText(`http://${webDomain}/.well-known/virtengine-challenge`).waitFor();
    const labsToken = (await challenge.getByTestId("txt-value").textContent()) ?? "";
    assert.notEqual(labsToken, token);
    await challenge.getByRole("button", { name: "Verify by HTTP" }).click();
    await challenge
      .getByRole("alert")
      .getByText("The verification token was not found in /.well-known/virtengine-challenge.")
      .waitFor();
    web.files.set(webDomain, labsToken);
    await challenge.getByRole("button", { name: "Verify by HTTP" }).click();
    await section.getByText(`${webDomain} verified (well-known file).`).waitFor();
    await section.getByRole("heading", { name: "Verified domains of Gail Labs" }).waitFor();
    await section.getByTestId("verified-domains").getByText(new RegExp(`^${webDomain.replace(/\./g, "\\.")}, by HTTP,`)).waitFor();
  });

  await step(page, "a token for a domain nobody publishes, then abandoned: nothing verified", async () => {
    await domain.fill("nothing.gail.example");
    await section.getByRole("button", { name: "Get a verification token" }).click();
    await challenge.getByRole("heading", { name: "Publish the token for nothing.gail.example" }).waitFor();
    // Editing the domain drops the shown token (it belongs to the old one).
    await domain.fill("other.gail.example");
    assert.equal(await challenge.count(), 0);
  });

  await step(page, "a link to /identity?org=…#domain opens the section on that organization", async () => {
    await page.goto(`/identity?org=${labsUuid}#domain`);
    await section.getByRole("heading", { name: "Verified domains of Gail Labs" }).waitFor();
    assert.equal(await org.inputValue(), labsUuid);
  });

  const rows = await dbOf(host).select().from(identityScopes).all();
  const domains = rows.filter((r) => r.kind === "domain").map((r) => [r.subject, r.status, r.method]).sort();
  assert.deepEqual(domains, [
    [webDomain, "verified", "http"],
    ["cloud.gail.example", "verified", "dns"],
    ["nothing.gail.example", "pending", ""],
  ]);
  assert.ok(!JSON.stringify(rows).includes(token.split("=")[1]!), "tokens are not stored");
});

test("domain: a user without an organization is told to create one (phone width)", { timeout: 90_000 }, async () => {
  const { page } = await browser.person({ width: 390, height: 844 });
  await step(page, "no organization: no form", async () => {
    await signIn(page, "hank");
    const section = page.getByTestId("domain-scope");
    await section.getByText("Create or join an organization first: a domain is verified for an organization.").waitFor();
    assert.equal(await section.getByRole("button", { name: "Get a verification token" }).count(), 0);
    await assertAccessible(page, "domain without organization");
  });
});
