// Single sign-on in the browser against a real OpenID provider (oidc-provider) on loopback: the
// log-in page lists the providers, linking an identity on the identity page goes out to the
// provider and back to /sso/callback, and the linked identity then signs in without a password.
// Refusals (unlinked identity, provider denial, identity linked elsewhere, provider down, a callback
// this tab did not start) are shown on the page.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Page } from "playwright-core";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { identityScopes } from "../../src/db/schema/index.ts";
import { createUser } from "../../src/structure/users.ts";
import { dbOf } from "../helpers/api.ts";
import { type OidcTestProvider, startOidcProvider } from "../servers/oidc-test-provider.ts";
import { assertAccessible, type BrowserSession, launch, logIn, step } from "./browser.ts";

// VE_SSO names one redirect URI, so the portal runs on a fixed port of this task's range.
const PORT = 19400;
const REDIRECT = `http://127.0.0.1:${PORT}/sso/callback`;
let host: WorkerHost;
let corp: OidcTestProvider;
let browser: BrowserSession;

before(async () => {
  await ensurePortal();
  corp = await startOidcProvider({
    clients: [{ clientId: "portal-corp", clientSecret: "portal-corp-secret", redirectUri: REDIRECT }],
  });
  const down = await startOidcProvider({ clients: [] });
  await down.close();
  host = await startWorkerHost({
    portal: true,
    port: PORT,
    vars: {
      VE_SSO: JSON.stringify({
        redirect_uri: REDIRECT,
        providers: [
          { id: "corp", name: "Corp login", issuer: corp.issuer, client_id: "portal-corp", client_secret: { $secret: "VE_SSO_CORP_SECRET" } },
          { id: "down", name: "Down IdP", issuer: down.issuer, client_id: "x", client_secret: "y" },
        ],
      }),
      VE_SSO_CORP_SECRET: "portal-corp-secret",
    },
  });
  const db = dbOf(host);
  await createUser(db, { username: "erin", password: "erin-password-1", email: "erin@example.org" });
  await createUser(db, { username: "fred", password: "fred-password-1", email: "fred@example.org" });
  browser = await launch(host.url);
});
after(async () => {
  await browser?.close();
  await host?.dispose();
  await corp?.close();
});

const ssoError = (page: Page) => page.getByTestId("sso-error");

test("sso: link an identity on the identity page, then sign in with it instead of a password", { timeout: 180_000 }, async () => {
  const { page } = await browser.person();
  corp.loginAs = "erin-at-corp";

  await step(page, "log-in page lists the providers", async () => {
    await page.goto("/login");
    await page.getByRole("heading", { name: "Or sign in with" }).waitFor();
    const buttons = page.getByTestId("sso-providers").getByRole("button");
    assert.deepEqual(await buttons.allInnerTexts(), ["Sign in with Corp login", "Sign in with Down IdP"]);
    await assertAccessible(page, "login with sso");
  });

  await step(page, "a provider that is down: the API's refusal is shown on the log-in page", async () => {
    await page.getByRole("button", { name: "Sign in with Down IdP" }).click();
    await page.getByRole("alert").getByText("Down IdP sign-in is unavailable right now; try again later.").waitFor();
    assert.equal(new URL(page.url()).pathname, "/login");
  });

  await step(page, "an identity nobody linked signs in to nothing", async () => {
    await page.getByRole("button", { name: "Sign in with Corp login" }).click();
    await page.waitForURL((u) => u.pathname === "/sso/callback");
    await ssoError(page).getByText("No account is linked to this Corp login identity; sign in another way and link it first.").waitFor();
    // The single-use code does not stay in the address bar.
    assert.equal(new URL(page.url()).search, "");
    assert.equal(await page.evaluate(() => sessionStorage.getItem("virtengine.sso.pending")), null);
    await page.getByRole("link", { name: "Back to log in" }).waitFor();
    await assertAccessible(page, "sso callback error");
  });

  await step(page, "identity page: the provider is not linked yet", async () => {
    await logIn(page, "erin", "erin-password-1", "/identity");
    const section = page.getByTestId("sso-scope");
    await section.getByRole("heading", { name: "Single sign-on identities" }).waitFor();
    await section.getByRole("row", { name: /Corp login\s+Not linked/ }).waitFor();
    await assertAccessible(page, "identity sso section");
  });

  await step(page, "link Corp login: out to the provider and back, linked and listed", async () => {
    await page.getByRole("button", { name: "Link Corp login" }).click();
    await page.waitForURL((u) => u.pathname === "/identity" && u.searchParams.get("linked") === "corp");
    await page.getByText("Corp login identity linked to your account.").waitFor();
    await page.getByTestId("sso-scope").getByRole("row", { name: /Corp login\s+Linked/ }).waitFor();
    await page.getByTestId("scopes").getByRole("row", { name: /sso\s+Corp login\s+verified/ }).waitFor();
    await page.getByRole("button", { name: "Link Corp login again" }).waitFor();
    const rows = await dbOf(host).select().from(identityScopes).all();
    assert.deepEqual(
      rows.map((r) => [r.kind, r.status, r.method, r.label]),
      [["sso", "verified", "oidc", "Corp login"]],
    );
    // D1 keeps the identity only hashed.
    assert.ok(!JSON.stringify(rows).includes("erin-at-corp"));
  });

  await step(page, "log out, then sign in with Corp login: no password, lands on next", async () => {
    await page.getByRole("button", { name: "Log out" }).click();
    await page.locator(".account").getByRole("link", { name: "Log in" }).waitFor();
    await page.goto("/login?next=/orders");
    await page.getByLabel("Keep me signed in on this device").check();
    await page.getByRole("button", { name: "Sign in with Corp login" }).click();
    await page.waitForURL((u) => u.pathname === "/orders");
    await page.locator(".account .who", { hasText: "erin" }).waitFor();
    // "Keep me signed in" applies to SSO sign-in as to the password form.
    const stored = await page.evaluate(() => [localStorage.getItem("virtengine.token"), sessionStorage.getItem("virtengine.token")]);
    assert.ok(stored[0] && !stored[1], "the token is kept in localStorage");
  });
});

test("sso: bad paths on the callback page — identity linked elsewhere, provider denial, a callback this tab did not start", { timeout: 180_000 }, async () => {
  // Fred tries to link the identity Erin linked in the first test (a fresh browser, a fresh IdP session).
  const fred = await browser.person();
  corp.loginAs = "erin-at-corp";
  await step(fred.page, "an identity linked to another account is refused", async () => {
    await logIn(fred.page, "fred", "fred-password-1", "/identity");
    await fred.page.getByRole("button", { name: "Link Corp login" }).click();
    await fred.page.waitForURL((u) => u.pathname === "/sso/callback");
    await ssoError(fred.page).getByText("This Corp login identity is linked to another account.").waitFor();
    await fred.page.getByRole("link", { name: "Back to identity verification" }).click();
    await fred.page.getByTestId("sso-scope").getByRole("row", { name: /Corp login\s+Not linked/ }).waitFor();
  });
  await fred.context.close();

  const other = await browser.person({ width: 390, height: 844 });
  corp.loginAs = null;
  await step(other.page, "the provider denies the sign-in: its reason is shown (phone width)", async () => {
    await other.page.goto("/login");
    await other.page.getByRole("button", { name: "Sign in with Corp login" }).click();
    await other.page.waitForURL((u) => u.pathname === "/sso/callback");
    await ssoError(other.page).getByText("The identity provider refused: no test login chosen").waitFor();
    await assertAccessible(other.page, "sso denied");
  });

  // Login CSRF: a state and code from someone else's flow, opened in a tab that never started it.
  corp.loginAs = "erin-at-corp";
  const start = (await (
    await host.fetch("/api/identity/sso/start/", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ provider: "corp", purpose: "login" }),
    })
  ).json()) as { authorization_url: string };
  const back = await corp.authorize(start.authorization_url);
  assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
  await step(other.page, "a callback this tab did not start signs nobody in", async () => {
    await other.page.goto(back.pathname + back.search);
    await ssoError(other.page).getByText(/not started in this browser tab/).waitFor();
    await other.page.locator(".account").getByRole("link", { name: "Log in" }).waitFor();
    assert.equal(await other.page.evaluate(() => sessionStorage.getItem("virtengine.token")), null);
  });
  await step(other.page, "a callback without a code or state says so", async () => {
    await other.page.goto("/sso/callback");
    await ssoError(other.page).getByText(/not started in this browser tab/).waitFor();
  });
  await other.context.close();
});
