// Identity verification in the browser: the email scope's code goes out through a real SMTP server
// on loopback, is typed into the portal, and the scope shows as verified.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { createUser } from "../../src/structure/users.ts";
import { dbOf } from "../helpers/api.ts";
import { type Mailbox, startMailbox } from "../helpers/mailbox.ts";
import { assertAccessible, type BrowserSession, launch, step } from "./browser.ts";

let host: WorkerHost;
let browser: BrowserSession;
let smtp: Mailbox;

before(async () => {
  await ensurePortal();
  smtp = await startMailbox({ auth: { user: "mailer", password: "smtp-pass-123" } });
  host = await startWorkerHost({ portal: true, vars: smtp.transport });
  await createUser(dbOf(host), { username: "dora", password: "dora-password-1", email: "dora@example.org" });
  browser = await launch(host.url);
});
after(async () => {
  await browser?.close();
  await host?.dispose();
  await smtp?.close();
});

test("identity: verify an email address with the mailed code", { timeout: 90_000 }, async () => {
  const { page } = await browser.person();
  await page.goto("/login?next=/identity");
  await page.getByLabel("Username").fill("dora");
  await page.getByLabel("Password").fill("dora-password-1");
  await page.getByRole("button", { name: "Log in" }).click();
  await step(page, "identity page with no verified scope", async () => {
    await page.getByRole("heading", { name: "Identity verification" }).waitFor();
    await page.getByText("No scope verified yet.").waitFor();
    await page.getByTestId("verified-count").getByText("0 scopes verified").waitFor();
    await assertAccessible(page, "identity");
  });
  await step(page, "a wrong code is refused beside the field", async () => {
    await page.getByLabel("Email", { exact: true }).fill("dora@example.org");
    await page.getByRole("button", { name: "Send code" }).click();
    await page.getByText("A 6-digit code was sent.").waitFor();
    const mail = await smtp.take("dora@example.org");
    assert.equal(smtp.messages.length, 1, "the code was mailed once");
    const code = /\b(\d{6})\b/.exec(mail.text ?? "")?.[1];
    assert.ok(code);
    const wrong = code === "000000" ? "111111" : "000000";
    await page.getByLabel("Code from the email").fill(wrong);
    await page.getByRole("button", { name: "Verify" }).click();
    await page.locator(".field.invalid").getByRole("alert").waitFor();
    await page.getByLabel("Code from the email").fill(code);
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByText("Email address verified.").waitFor();
  });
  await step(page, "the email scope is listed as verified", async () => {
    await page.getByRole("cell", { name: "dora@example.org" }).waitFor();
    await page.getByTestId("verified-count").getByText("1 scope verified").waitFor();
  });
});
