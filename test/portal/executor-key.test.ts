// The plugin executor key in a real browser, for a fresh provider (not the pre-authorised demo one):
// the owner sees it unauthorised in the provider workspace; the wizard's management step shows the
// authorisation inline and will not go on while secret options need it; the owner authorises it
// there; an authorisation withdrawn meanwhile comes back as the API's refusal beside the secret
// fields, with nothing created; without a key in the browser the secret is sent for the server to
// seal, with one it is sealed in the browser (no request carries it); the offering shows the
// secret masked and D1 holds no plaintext of it; a manager sees the state but no buttons; the owner
// withdraws and the workspace shows it not authorised.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { openJson } from "../../src/secrets/sealed-json.ts";
import { type Json, userApi } from "../helpers/api.ts";
import { createProvider, type ProviderFixture } from "../helpers/catalog.ts";
import { d1Dump, findPlaintext } from "../crypto-flows/helpers.ts";
import { assertAccessible, type BrowserSession, launch, logIn, step } from "./browser.ts";

let host: WorkerHost;
let browser: BrowserSession;
let f: ProviderFixture;

before(async () => {
  await ensurePortal();
  host = await startWorkerHost({ portal: true });
  f = await createProvider(host);
  browser = await launch(host.url);
});

after(async () => {
  await browser?.close();
  await host?.dispose();
});

const suffix = Math.random().toString(36).slice(2, 7);
const SECRET_PLAIN = `VeWizardPlainPw${suffix}`;
const SECRET_SEALED = `VeWizardSealedPw${suffix}`;
const execPath = () => `/api/marketplace-service-providers/${f.serviceProvider.uuid}/executor_key/`;
const orgName = () => String(f.customer.name);

const offeringsNamed = async (name: string) =>
  (await host.db.prepare("SELECT uuid, secret_options_sealed AS s FROM offerings WHERE name = ?").bind(name).all<{ uuid: string; s: string | null }>()).results;

/** Overview and description, then the management step with one secret entered. */
async function wizardToManagement(p: Page, name: string, secret: string) {
  await p.goto("/provider/offerings/new");
  await p.getByRole("heading", { name: "1. Overview" }).waitFor();
  await p.getByLabel("Name", { exact: true }).fill(name);
  await p.getByLabel("Category").selectOption({ label: String(f.category.title) });
  await p.getByRole("button", { name: "Next" }).click();
  await p.getByRole("heading", { name: "2. Description" }).waitFor();
  await p.getByRole("button", { name: "Next" }).click();
  await p.getByRole("heading", { name: "3. Management" }).waitFor();
  await p.getByRole("button", { name: "Add secret" }).click();
  await p.getByLabel("Secret name").fill("api_password");
  await p.getByLabel("Secret value").fill(secret);
}

/** From the management step to the review (the default component and plan). */
async function managementToReview(p: Page) {
  await p.getByRole("button", { name: "Next" }).click();
  await p.getByRole("heading", { name: "4. Accounting" }).waitFor();
  await p.getByRole("button", { name: "Next" }).click();
  await p.getByRole("heading", { name: "5. Review" }).waitFor();
}

test("executor key: authorise in the portal, offerings with secrets through the wizard (server- and browser-sealed), withdraw", async () => {
  const owner = await browser.person();
  const p = owner.page;
  const apiKey = await f.provider.expect(200, f.provider.get(execPath()));
  assert.equal(apiKey.authorised, null);

  await step(p, "workspace shows the key not authorised", async () => {
    await logIn(p, f.provider.username, "user-password-1");
    await p.goto("/provider/offerings");
    await p.getByRole("link", { name: "Plugin executor key" }).click();
    await p.getByRole("heading", { name: "Plugin executor key" }).waitFor();
    await p.getByText("plugin executor open the credentials").waitFor();
    const state = p.getByTestId("executor-key-state");
    assert.equal(await state.getAttribute("data-authorised"), "false");
    assert.equal((await state.textContent())?.trim(), "Not authorised");
    await p.getByText(apiKey.executor_key.key_id).waitFor();
    await p.getByRole("button", { name: `Authorise the executor key for ${orgName()}` }).waitFor();
    assert.equal(await p.getByRole("button", { name: /Withdraw/ }).count(), 0, "nothing to withdraw yet");
    await assertAccessible(p, "executor key");
  });

  const PLAIN_NAME = `Server sealed ${suffix}`;
  await step(p, "wizard: secret options need the authorisation, shown inline; Next refuses", async () => {
    await wizardToManagement(p, PLAIN_NAME, SECRET_PLAIN);
    await p.getByTestId("secrets-authorise").waitFor();
    await p.getByText("cannot be sealed until the organization authorises").waitFor();
    await p.getByRole("button", { name: "Next" }).click();
    await p.getByText("Authorise the executor key (above) or remove the secret options.").waitFor();
    await p.getByRole("heading", { name: "3. Management" }).waitFor();
    await assertAccessible(p, "wizard management unauthorised");
  });

  await step(p, "wizard: the owner authorises inline; no browser key, so the server seals", async () => {
    await p.getByRole("button", { name: `Authorise the executor key for ${orgName()}` }).click();
    await p.getByText("sent to the server, which seals them on arrival").waitFor();
    const now = await f.provider.expect(200, f.provider.get(execPath()));
    assert.equal(now.current_key_authorised, true);
    assert.equal(now.authorised.authorised_by_uuid, f.provider.uuid);
    await managementToReview(p);
  });

  await step(p, "withdrawn meanwhile: the API's refusal beside the secret fields, nothing created", async () => {
    // Another owner (here: the API) withdraws while the wizard is open.
    assert.equal((await f.provider.delete(execPath())).status, 204);
    await p.getByRole("button", { name: "Create offering" }).click();
    await p.getByRole("heading", { name: "3. Management" }).waitFor();
    await p.getByText(/has not authorised an executor key for its plugins/).waitFor();
    await p.getByTestId("secrets-authorise").waitFor();
    assert.deepEqual(await offeringsNamed(PLAIN_NAME), [], "the refused create wrote nothing");
  });

  let plainUuid = "";
  await step(p, "authorised again, the offering is created; its secret shows masked", async () => {
    await p.getByRole("button", { name: `Authorise the executor key for ${orgName()}` }).click();
    await p.getByTestId("secrets-sealing").waitFor();
    await managementToReview(p);
    await p.getByRole("button", { name: "Create offering" }).click();
    await p.getByText("Offering created as a draft.").waitFor();
    const masked = p.getByTestId("secret-options");
    await masked.getByText("api_password").waitFor();
    await masked.getByText("********").waitFor();
    assert.equal(await p.getByText(SECRET_PLAIN).count(), 0);
    plainUuid = new URL(p.url()).pathname.split("/").pop()!;
  });
  const plainApi = await f.provider.expect(200, f.provider.get(`/api/marketplace-provider-offerings/${plainUuid}/`));
  assert.deepEqual(plainApi.secret_options, { api_password: "********" });
  const [plainRow] = await offeringsNamed(PLAIN_NAME);
  assert.deepEqual(await openJson({ VE_MODE: "local" }, { kind: "offering-secret-options", recordId: plainUuid }, plainRow!.s), { api_password: SECRET_PLAIN });

  // With an encryption key in the browser the secret is sealed here: no request carries it.
  const bodies: { url: string; body: string }[] = [];
  p.on("request", (r) => {
    const body = r.postData();
    if (body) bodies.push({ url: r.url(), body });
  });
  const SEALED_NAME = `Browser sealed ${suffix}`;
  let sealedUuid = "";
  await step(p, "with a browser key the wizard seals the secret in the browser", async () => {
    await p.goto("/keys");
    await p.getByRole("button", { name: "Create encryption key" }).click();
    await p.getByText("This browser holds your encryption key").waitFor();
    await wizardToManagement(p, SEALED_NAME, SECRET_SEALED);
    await p.getByText("sealed in this browser to the organization's owners").waitFor();
    await managementToReview(p);
    await p.getByRole("button", { name: "Create offering" }).click();
    await p.getByText("Offering created as a draft.").waitFor();
    await p.getByTestId("secret-options").getByText("********").waitFor();
    sealedUuid = new URL(p.url()).pathname.split("/").pop()!;
  });
  assert.deepEqual(bodies.filter((b) => b.body.includes(SECRET_SEALED)).map((b) => b.url), [], "the secret left the browser only sealed");
  const sent = bodies.filter((b) => b.url.endsWith(`/api/marketplace-provider-offerings/${sealedUuid}/update_integration/`));
  assert.equal(sent.length, 1);
  assert.match((JSON.parse(sent[0]!.body) as Json).secret_options_envelope, /^[A-Za-z0-9_-]+$/);
  const [sealedRow] = await offeringsNamed(SEALED_NAME);
  assert.deepEqual(await openJson({ VE_MODE: "local" }, { kind: "offering-secret-options", recordId: sealedUuid }, sealedRow!.s), { api_password: SECRET_SEALED });
  // The owner (its browser key registered) is a recipient of the stored envelope.
  assert.equal((await f.provider.get(`/api/marketplace-provider-offerings/${sealedUuid}/sealed_secret_options/`)).status, 200);
  assert.deepEqual(findPlaintext({ plain: SECRET_PLAIN, sealed: SECRET_SEALED }, { "D1 table": await d1Dump(host) }), [], "D1 holds no plaintext of either secret");

  await step(p, "a manager sees the state but may not change it", async () => {
    const manager = await userApi(host);
    await f.provider.expect(201, f.provider.post(`/api/customers/${f.customer.uuid}/add_user/`, { user: manager.uuid, role: "CUSTOMER.MANAGER" }));
    const m = (await browser.person()).page;
    await logIn(m, manager.username, "user-password-1");
    await m.goto("/provider/executor-key");
    assert.equal(await m.getByTestId("executor-key-state").getAttribute("data-authorised"), "true");
    await m.getByText("Only the organization's owners can authorise or withdraw it").waitFor();
    assert.equal(await m.getByRole("button", { name: /Withdraw|Authorise/ }).count(), 0);
    await m.context().close();
  });

  await step(p, "the owner withdraws: the workspace shows it not authorised", async () => {
    await p.goto("/provider/executor-key");
    const state = p.getByTestId("executor-key-state");
    assert.equal(await state.getAttribute("data-authorised"), "true");
    await p.getByText("Authorised by").waitFor();
    await p.getByRole("button", { name: `Withdraw the executor key authorisation of ${orgName()}` }).click();
    await p.getByText("The authorisation is withdrawn").waitFor();
    await p.locator('[data-testid="executor-key-state"][data-authorised="false"]').waitFor();
    assert.equal((await state.textContent())?.trim(), "Not authorised");
    await p.getByRole("button", { name: `Authorise the executor key for ${orgName()}` }).waitFor();
  });
  const withdrawn = await f.provider.expect(200, f.provider.get(execPath()));
  assert.equal(withdrawn.authorised, null);
  assert.equal(withdrawn.current_key_authorised, false);
});
