// Identity verification in the browser: the email scope's code goes out through a real SMTP server
// on loopback, is typed into the portal, and the scope shows as verified.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { createUser } from "../../src/structure/users.ts";
import { dbOf } from "../helpers/api.ts";
import { assertAccessible, type BrowserSession, launch, step } from "./browser.ts";

const mails: string[] = [];
const smtp = new SMTPServer({
  secure: false,
  hideSTARTTLS: true,
  allowInsecureAuth: true,
  authMethods: ["PLAIN", "LOGIN"],
  disableReverseLookup: true,
  logger: false,
  onAuth: (auth, _s, cb) =>
    auth.password === "smtp-pass-123" ? cb(null, { user: auth.username }) : cb(new Error("bad login")),
  onData: (stream, _s, cb) => {
    simpleParser(stream).then((m) => {
      mails.push(m.text ?? "");
      cb();
    }, cb);
  },
});
let host: WorkerHost;
let browser: BrowserSession;

before(async () => {
  await ensurePortal();
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", r));
  const port = (smtp.server.address() as AddressInfo).port;
  host = await startWorkerHost({
    portal: true,
    vars: {
      VE_MAIL_TRANSPORT: JSON.stringify({
        type: "smtp",
        host: "127.0.0.1",
        port,
        secure: false,
        allow_plaintext: true,
        user: "mailer",
        password: { $secret: "VE_SMTP_PASSWORD" },
        from: "VirtEngine <no-reply@virtengine.test>",
      }),
      VE_SMTP_PASSWORD: "smtp-pass-123",
    },
  });
  await createUser(dbOf(host), { username: "dora", password: "dora-password-1", email: "dora@example.org" });
  browser = await launch(host.url);
});
after(async () => {
  await browser?.close();
  await host?.dispose();
  await new Promise<void>((r) => smtp.close(() => r()));
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
    for (let i = 0; i < 50 && mails.length === 0; i++) await page.waitForTimeout(200);
    assert.equal(mails.length, 1, "the code was mailed");
    const code = /\b(\d{6})\b/.exec(mails[0]!)?.[1];
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
