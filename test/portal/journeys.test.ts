// The portal's main journeys in a real browser against the real worker (Miniflare/workerd with the
// portal served as static assets, the demo data of `npm start`, and the Kubernetes plugin against
// the Kubernetes test server): anonymous browse and search with per-period prices; sign up and log
// in with the API's field errors shown; a provider creates a namespace offering through the wizard
// and staff activates it; a customer configures, checks out, the order runs through the queue and
// plugin, the resource reaches OK and its sealed access details open in the browser; a provider
// approves a pending order; usage reported through the API appears; termination.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { seedDemo } from "../../scripts/lib/demo-seed.ts";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { ensureStaff } from "../../src/seed/staff.ts";
import { Api, dbOf } from "../helpers/api.ts";
import { KubernetesTestServer } from "../servers/kubernetes-test-server.ts";
import { assertAccessible, type BrowserSession, launch, logIn, step, until } from "./browser.ts";

const STAFF = { username: "admin", password: "portal-staff-pass-1" };
const DEMO_PASSWORD = "virtengine-demo-1";
const k8s = new KubernetesTestServer();
let host: WorkerHost;
let browser: BrowserSession;
let providerToken: string;

before(async () => {
  await ensurePortal();
  await k8s.start();
  const settings = { api_url: k8s.url, token: { $secret: "k8s_token" }, wait_ms: 2000 };
  host = await startWorkerHost({
    portal: true,
    vars: {
      VE_PLUGINS: JSON.stringify({
        plugins: [{ plugin: "kubernetes", offering_types: ["Kubernetes.Namespace"], settings }],
      }),
    },
  });
  await ensureStaff(dbOf(host), STAFF);
  const logins = await seedDemo(host.url, STAFF);
  providerToken = logins.tokens["provider"]!;
  browser = await launch(host.url);
});

after(async () => {
  await browser?.close();
  await host?.dispose();
  await k8s.stop();
});

const SSH_KEY =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl carol@laptop";
const staffApi = async () => {
  const r = await new Api(host).post<{ token: string }>("/api-auth/password/", STAFF);
  return new Api(host, r.body.token);
};
const suffix = Math.random().toString(36).slice(2, 7);
const OFFERING = `Team namespaces ${suffix}`;
const CUSTOMER = `carol${suffix}`;

test("portal journeys: browse, sign up, provider wizard, checkout, access details, approval, usage, termination", {
  timeout: 240_000,
}, async () => {
  // ---- anonymous
  const anon = await browser.person();
  const a = anon.page;
  await step(a, "anonymous landing with categories and counts", async () => {
    await a.goto("/");
    await a.getByRole("heading", { name: "Categories" }).waitFor();
    const k8sCategory = a.getByRole("link", { name: /Kubernetes\s*1 offering/ });
    await k8sCategory.waitFor();
    await a.getByRole("link", { name: /Virtual machines\s*1 offering/ }).waitFor();
    await assertAccessible(a, "landing");
  });
  await step(a, "anonymous search over offerings and providers", async () => {
    await a.getByLabel("Search offerings and providers").fill("Nimbus");
    await a.getByRole("button", { name: "Search" }).click();
    await a.getByRole("heading", { name: /Providers \(1\)/ }).waitFor();
    await a.getByRole("link", { name: "Nimbus Compute" }).waitFor();
    await a.getByLabel("Search offerings and providers").fill("namespace");
    await a.getByRole("button", { name: "Search" }).click();
    await a.getByRole("heading", { name: /Offerings \(1\)/ }).waitFor();
    await a.getByRole("heading", { name: /Providers \(0\)/ }).waitFor();
  });
  await step(a, "anonymous offering page with prices per hour, day, 30 and 365 days", async () => {
    await a.getByRole("link", { name: "Kubernetes namespace" }).first().click();
    await a.getByRole("heading", { level: 1, name: "Kubernetes namespace" }).waitFor();
    await a.getByRole("tab", { name: "Pricing" }).click();
    // Demo plan: cpu 8.00 per month (30 days) → 0.0111 / hour, 0.2667 / day, 8.00 / 30 days, 97.3333 / 365 days.
    const cpuRow = a.getByRole("row", { name: /^CPU/ });
    assert.deepEqual((await cpuRow.getByRole("cell").allTextContents()).slice(1), [
      "0.0111 VE",
      "0.2667 VE",
      "8.00 VE",
      "97.3333 VE",
    ]);
    await assertAccessible(a, "offering page");
  });
  await step(a, "anonymous marketplace filtered by category", async () => {
    await a.goto("/marketplace");
    await a.getByRole("complementary").getByRole("link", { name: /^HPC/ }).click();
    await a.getByRole("link", { name: "Cloud VM (OpenStack)" }).waitFor({ state: "detached" });
    await a.getByRole("link", { name: "HPC allocation (SLURM)" }).waitFor();
    await a.getByText("Page 1 of 1 (1 in all)").waitFor();
    await assertAccessible(a, "marketplace");
  });

  // ---- a customer signs up
  const cust = await browser.person();
  const c = cust.page;
  await step(c, "sign up shows the API's field errors next to the fields", async () => {
    await c.goto("/signup");
    await assertAccessible(c, "sign up");
    await c.getByLabel("Username").fill("alice");
    await c.getByLabel("Email").fill("not-an-email");
    await c.getByLabel("Password").fill("short");
    await c.getByRole("button", { name: "Sign up" }).click();
    await c.getByText("Enter a valid email address.").waitFor();
    await c.getByText("This password is too short. It must contain at least 8 characters.").waitFor();
    // The username is only known to be taken by the API: its answer lands beside the field.
    await c.getByLabel("Email").fill("carol@example.org");
    await c.getByLabel("Password").fill("carol-password-1");
    await c.getByRole("button", { name: "Sign up" }).click();
    await c.getByText("A user with that username already exists.").waitFor();
    assert.equal(await c.getByLabel("Username").getAttribute("aria-invalid"), "true");
  });
  await step(c, "sign up succeeds and lands on the dashboard", async () => {
    await c.getByLabel("Username").fill(CUSTOMER);
    await c.getByLabel("First name").fill("Carol");
    await c.getByRole("button", { name: "Sign up" }).click();
    await c.getByRole("heading", { name: "Welcome, Carol" }).waitFor();
    await c.getByTestId("monthly-estimate").getByText("0.00 VE").waitFor();
  });
  await step(c, "customer creates an organization and a project", async () => {
    await c.getByRole("link", { name: "Projects" }).click();
    await c.getByLabel("Organization name").fill(`Carol Labs ${suffix}`);
    await c.getByRole("button", { name: "Create" }).first().click();
    await c.getByLabel("Project name").fill("Analytics");
    await c
      .getByRole("form")
      .or(c.locator("form").filter({ hasText: "New project" }))
      .getByRole("button", { name: "Create" })
      .click();
    await c.getByRole("cell", { name: "Analytics", exact: true }).waitFor();
  });

  await step(c, "customer adds a member to the project's team", async () => {
    const bob = (await (await staffApi()).get(`/api/users/?username=bob`)).body[0];
    await c.getByRole("button", { name: "Team: Analytics" }).click();
    await c.getByLabel("User id").fill("not-an-id");
    await c.getByRole("button", { name: "Add member" }).click();
    await c.locator(".field.invalid").getByRole("alert").waitFor();
    await c.getByLabel("User id").fill(bob.uuid);
    await c.getByLabel("Role").selectOption("PROJECT.MEMBER");
    await c.getByRole("button", { name: "Add member" }).click();
    await c.getByText("Member added.").waitFor();
    await c.getByRole("cell", { name: "bob", exact: true }).waitFor();
  });
  await step(c, "customer adds an SSH key; a broken one is refused beside the field", async () => {
    await c.getByRole("link", { name: "Keys" }).click();
    await c.getByLabel("Name", { exact: true }).fill("laptop");
    await c.getByLabel("Public key").fill("ssh-ed25519 bm90LWEta2V5");
    await c.getByRole("button", { name: "Add SSH key" }).click();
    await c.locator(".field.invalid").getByRole("alert").waitFor();
    await c.getByLabel("Public key").fill(SSH_KEY);
    await c.getByRole("button", { name: "Add SSH key" }).click();
    await c.getByRole("cell", { name: "laptop", exact: true }).waitFor();
    await c
      .getByText(/SHA256:|[0-9a-f]{2}(:[0-9a-f]{2}){15}/)
      .first()
      .waitFor();
    await assertAccessible(c, "keys");
  });

  // ---- the provider logs in and adds an offering through the wizard
  const prov = await browser.person();
  const p = prov.page;
  let offeringPath = "";
  await step(p, "log in refuses a wrong password with the API's message", async () => {
    await p.goto("/login");
    await p.getByLabel("Username").fill("provider");
    await p.getByLabel("Password").fill("wrong-password");
    await p.getByRole("button", { name: "Log in" }).click();
    await p.getByText("Invalid username/password").waitFor();
    await logIn(p, "provider", DEMO_PASSWORD);
  });
  await step(p, "wizard 1 overview", async () => {
    await p.goto("/provider/offerings/new");
    await p.getByRole("heading", { name: "1. Overview" }).waitFor();
    await p.getByRole("button", { name: "Next" }).click();
    await p.getByText("This field may not be blank.").waitFor();
    await p.getByLabel("Name", { exact: true }).fill(OFFERING);
    await p.getByLabel("Category").selectOption({ label: "Kubernetes" });
    await assertAccessible(p, "wizard");
    await p.getByRole("button", { name: "Next" }).click();
  });
  await step(p, "wizard 2 description with terms of service", async () => {
    await p.getByRole("heading", { name: "2. Description" }).waitFor();
    await p.getByLabel("Short description").fill("Namespaces with CPU and memory quotas");
    await p.getByLabel("Terms of service").fill("Fair use: no crypto mining.");
    await p.getByRole("button", { name: "Next" }).click();
  });
  await step(p, "wizard 3 management with plugin type and sealed secret", async () => {
    await p.getByRole("heading", { name: "3. Management" }).waitFor();
    await p.getByLabel("Plugin type").selectOption("Kubernetes.Namespace");
    await p.getByRole("button", { name: "Add secret" }).click();
    await p.getByLabel("Secret name").fill("k8s_token");
    await p.getByLabel("Secret value").fill(k8s.token);
    await p.getByRole("button", { name: "Next" }).click();
  });
  await step(p, "wizard 4 components and plans", async () => {
    await p.getByRole("heading", { name: "4. Accounting" }).waitFor();
    await p.getByLabel("Type (key)").first().fill("cpu");
    await p.getByLabel("Measured unit").first().fill("cores");
    await p.getByRole("button", { name: "Add component" }).click();
    await p.getByLabel("Type (key)").nth(1).fill("ram");
    await p.getByLabel("Name", { exact: true }).nth(1).fill("RAM");
    await p.getByLabel("Measured unit").nth(1).fill("MiB");
    await p.getByLabel("Maximum").nth(1).fill("65536");
    await p.getByLabel("Price of CPU").fill("4.00");
    await p.getByLabel("Price of RAM").fill("0.01");
    await p.getByRole("button", { name: "Next" }).click();
  });
  await step(p, "wizard 5 review and create", async () => {
    await p.getByRole("heading", { name: "5. Review" }).waitFor();
    await p.getByText("Kubernetes.Namespace").waitFor();
    await p.getByText("k8s_token").waitFor();
    assert.equal(await p.getByText(k8s.token).count(), 0, "the secret value is not shown back");
    await p.getByRole("button", { name: "Create offering" }).click();
    await p.getByText("Offering created as a draft.").waitFor();
    await p.getByText("Draft", { exact: true }).waitFor();
    offeringPath = new URL(p.url()).pathname;
  });
  await step(p, "provider's activate is refused with the API's reason", async () => {
    await p.getByRole("button", { name: "Activate" }).click();
    await p.getByRole("alert").waitFor();
    await p.getByText("Draft", { exact: true }).waitFor();
  });
  const staff = await browser.person();
  const st = staff.page;
  await step(st, "staff activates the offering", async () => {
    await logIn(st, STAFF.username, STAFF.password);
    await st.goto(offeringPath);
    await st.getByRole("button", { name: "Activate" }).click();
    await st.getByText("Offering is active.").waitFor();
    await st.getByText("Active", { exact: true }).waitFor();
  });

  await step(p, "provider edits the offering overview", async () => {
    await p.reload();
    await p.locator("summary", { hasText: "Edit overview" }).click();
    await p.getByLabel("Name", { exact: true }).fill("");
    await p.getByRole("button", { name: "Save" }).click();
    await p.locator(".field.invalid").getByRole("alert").waitFor();
    await p.getByLabel("Name", { exact: true }).fill(OFFERING);
    await p.getByLabel("Short description").fill("Namespaces with CPU and memory quotas, on Nimbus hardware");
    await p.getByRole("button", { name: "Save" }).click();
    await p.getByText("Saved.").waitFor();
    await p
      .getByText("Namespaces with CPU and memory quotas, on Nimbus hardware", { exact: true })
      .first()
      .waitFor();
  });

  // ---- the customer orders it
  let orderUrl = "";
  await step(c, "checkout 1 configure with live price", async () => {
    await c.goto("/marketplace");
    await c.getByLabel("Search offerings and providers").fill(suffix);
    await c.getByRole("button", { name: "Search" }).click();
    await c.getByRole("link", { name: OFFERING }).click();
    await c.getByRole("link", { name: "Order", exact: true }).click();
    await c.getByRole("heading", { name: "Step 1 of 3: Configure" }).waitFor();
    await c.getByLabel("Resource name").fill("analytics-ns");
    await c.getByLabel("CPU (cores)").fill("2");
    await c.getByLabel("RAM (MiB)").fill("1024");
    // 2 × 4.00 + 1024 × 0.01 = 18.24 per month of 30 days.
    const price = (period: string) => c.locator(`dd[data-period="${period}"]`);
    await price("month").getByText("18.24 VE").waitFor();
    assert.equal(await price("day").textContent(), "0.61 VE");
    assert.equal(await price("hour").textContent(), "0.03 VE");
    assert.equal(await price("year").textContent(), "221.92 VE");
    await c.getByLabel("RAM (MiB)").fill("70000");
    await c.getByRole("button", { name: "Next" }).click();
    await c.getByText("Ensure this value is less than or equal to 65536.").waitFor();
    await c.getByLabel("RAM (MiB)").fill("1024");
    await assertAccessible(c, "checkout");
    await c.getByRole("button", { name: "Next" }).click();
  });
  await step(c, "checkout 2 approve the terms of service", async () => {
    await c.getByRole("heading", { name: "Step 2 of 3: Approve" }).waitFor();
    await c.getByText("Fair use: no crypto mining.").waitFor();
    await c.getByRole("button", { name: "Next" }).click();
    await c.getByText("You must agree to the terms of service.").waitFor();
    await c.getByLabel("I agree to the offering's terms of service").check();
    await c.getByRole("button", { name: "Next" }).click();
  });
  await step(c, "checkout 3 review and submit", async () => {
    await c.getByRole("heading", { name: "Step 3 of 3: Review" }).waitFor();
    await c.getByRole("button", { name: "Submit order" }).click();
    await c.getByRole("heading", { name: `Order: ${OFFERING}` }).waitFor();
    orderUrl = c.url();
  });
  await step(c, "the order runs through the queue and plugin to done", async () => {
    await until(
      c,
      "order done",
      async () => (await c.locator(".badge").first().textContent()) === "done",
      () => c.getByRole("button", { name: "Refresh" }).click(),
    );
    await c.getByRole("link", { name: "analytics-ns" }).click();
    await c.getByRole("heading", { level: 1, name: "analytics-ns" }).waitFor();
  });
  const resourcePath = new URL(c.url()).pathname;
  await step(c, "resource OK with access details opened in the browser", async () => {
    await until(
      c,
      "resource OK",
      async () => (await c.locator(".badge").first().textContent()) === "OK",
      () => c.getByRole("button", { name: "Refresh" }).click(),
    );
    await c.getByRole("button", { name: "Decrypt access details" }).click();
    const details = c.getByTestId("access-details");
    await details.waitFor();
    const text = (await details.textContent()) ?? "";
    assert.ok(text.includes(k8s.url), "the kubeconfig names the cluster");
    assert.match(text, /token/);
    await assertAccessible(c, "resource detail");
  });
  // The private key never left the browser: nothing key-like in web storage, only the API token.
  const stored = await c.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  assert.deepEqual(Object.keys(JSON.parse(stored)), ["virtengine.token"]);

  // ---- a Basic offering waits for the provider, who approves it in the portal
  await step(c, "customer orders expert support (provider reviewed)", async () => {
    await c.goto("/marketplace");
    await c.getByRole("link", { name: "Expert support" }).click();
    await c.getByRole("link", { name: "Order", exact: true }).click();
    await c.getByLabel("Resource name").fill("support-hours");
    await c.getByRole("button", { name: "Next" }).click();
    await c.getByRole("button", { name: "Next" }).click();
    await c.getByRole("button", { name: "Submit order" }).click();
    await c.getByText("pending-provider").waitFor();
  });
  await step(p, "provider approves the pending order", async () => {
    await p.getByRole("link", { name: "Pending orders" }).click();
    await p.getByRole("button", { name: "Approve support-hours" }).click();
    await p.getByText("Order approved.").waitFor();
    await p.getByText("support-hours").waitFor({ state: "detached" });
  });
  await step(p, "provider marks the hand-delivered order done", async () => {
    await p.getByLabel("State").selectOption("executing");
    await p.getByRole("button", { name: "Mark done support-hours" }).click();
    await p.getByText("Order marked done.").waitFor();
  });
  await step(c, "the approved order is done and its resource OK", async () => {
    await c.getByRole("button", { name: "Refresh" }).click();
    await c.getByText("done", { exact: true }).waitFor();
    await c.getByRole("link", { name: "support-hours" }).click();
    await c.getByRole("heading", { level: 1, name: "support-hours" }).waitFor();
    await c.locator(".badge", { hasText: /^OK$/ }).first().waitFor();
  });
  await step(p, "provider sees the customer's resource with its organization and project; a state filter goes to the API", async () => {
    await p.getByRole("link", { name: "Customer resources" }).click();
    const row = p.getByRole("row", { name: /support-hours/ });
    await row.getByRole("cell", { name: /\/ Analytics$/ }).waitFor();
    await row.getByText("OK", { exact: true }).waitFor();
    await p.getByLabel("State").selectOption("Terminated");
    await p.getByText("Nothing here yet.").waitFor();
    await assertAccessible(p, "provider resources");
  });

  // ---- usage reported on the provider side (as a site agent would) appears to the customer
  const providerApi = new Api(host, providerToken);
  const resourceUuid = resourcePath.split("/").pop()!;
  const reported = await providerApi.post("/api/marketplace-component-usages/set_usage/", {
    resource: `${host.url}/api/marketplace-resources/${resourceUuid}/`,
    usages: [{ type: "cpu", amount: "1.5" }],
  });
  assert.equal(reported.status, 201, JSON.stringify(reported.body));
  await step(c, "usage appears on the resource", async () => {
    await c.goto(resourcePath);
    await c.getByRole("cell", { name: "1.50 cores" }).waitFor();
  });

  await step(c, "customer raises a limit: an update order runs through the plugin", async () => {
    await c.locator("summary", { hasText: "Update limits" }).click();
    await c.getByLabel("CPU (cores)").fill("3");
    await c.locator("form button[type=submit]", { hasText: "Update limits" }).click();
    // The confirmation is transient (the resource reloads as the order starts): the Update order
    // listed on the resource is the lasting sign that it was placed.
    await c.getByRole("link", { name: "Update", exact: true }).first().waitFor();
    await until(
      c,
      "limits updated",
      async () => (await c.getByText("cpu: 3, ram: 1024").count()) > 0,
      () => c.getByRole("button", { name: "Refresh" }).click(),
    );
  });
  await step(c, "audit log lists the customer's changes", async () => {
    await c.getByRole("link", { name: "Audit log" }).click();
    await c.locator("tbody tr").first().waitFor();
    await assertAccessible(c, "audit log");
    await c.goto(resourcePath);
    await c.getByRole("heading", { level: 1, name: "analytics-ns" }).waitFor();
  });

  // ---- termination
  await step(c, "customer terminates the resource", async () => {
    c.once("dialog", (d) => void d.accept());
    await c.getByRole("button", { name: "Terminate" }).click();
    await c.getByText("Termination requested.").waitFor();
    await until(
      c,
      "resource terminated",
      async () => (await c.locator(".badge").first().textContent()) === "Terminated",
      () => c.getByRole("button", { name: "Refresh" }).click(),
    );
  });
  void orderUrl;

  // ---- phone width
  const phone = await browser.person({ width: 390, height: 844 });
  await step(phone.page, "phone width landing and resources", async () => {
    await phone.page.goto("/");
    await phone.page.getByRole("heading", { name: "Categories" }).waitFor();
    const overflow = await phone.page.evaluate(
      () => document.documentElement.scrollWidth > window.innerWidth + 1,
    );
    assert.equal(overflow, false, "no horizontal scrolling at phone width");
    await assertAccessible(phone.page, "landing (phone)");
    await phone.page.getByRole("link", { name: "Kubernetes namespace" }).first().click();
    await phone.page.getByRole("tab", { name: "Pricing" }).click();
    await phone.page.getByRole("row", { name: /^CPU/ }).waitFor();
    const offeringOverflow = await phone.page.evaluate(
      () => document.documentElement.scrollWidth > window.innerWidth + 1,
    );
    assert.equal(offeringOverflow, false, "the pricing table scrolls inside its box, not the page");
  });
});
