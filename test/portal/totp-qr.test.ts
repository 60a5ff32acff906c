// TOTP enrolment in a real browser: the setup step draws the otpauth URI as a QR code (inline SVG,
// the encoder loaded on demand), the module pattern drawn is the one for exactly the URI shown, and
// the link and secret stay as text for manual entry — a code computed from that text secret enables
// the scope.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import { encode } from "uqr";
import { modulesPath } from "../../portal/src/lib/qr-path.ts";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { base32Decode, hotp, timeStep } from "../../src/identity/scopes/totp.ts";
import { createUser } from "../../src/structure/users.ts";
import { dbOf } from "../helpers/api.ts";
import { assertAccessible, launchChromium, step } from "./browser.ts";

let host: WorkerHost;
let browser: Browser;

before(async () => {
  await ensurePortal();
  host = await startWorkerHost({ portal: true });
  await createUser(dbOf(host), { username: "quinn", password: "quinn-password-1", email: "quinn@example.org" });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await host?.dispose();
});

test("modulesPath: one run per horizontal stretch of dark modules, offset by the quiet zone", () => {
  const rows = [
    [true, true, false, true],
    [false, false, false, false],
    [true, false, true, true],
  ];
  assert.equal(modulesPath(rows, 4), "M4 4h2v1h-2zM7 4h1v1h-1zM4 6h1v1h-1zM6 6h2v1h-2z");
  assert.equal(modulesPath([[false, false]], 4), "");
});

test("TOTP setup shows a QR code of the otpauth URI beside the text secret, which still enrols", { timeout: 120_000 }, async () => {
  const context = await browser.newContext({ baseURL: host.url, viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  await page.goto("/login?next=/identity");
  await page.getByLabel("Username").fill("quinn");
  await page.getByLabel("Password").fill("quinn-password-1");
  await page.getByRole("button", { name: "Log in" }).click();
  const totp = page.getByRole("region", { name: "Authenticator app (TOTP)" });

  let secret = "";
  await step(page, "setup draws the QR code of the URI it shows, with the secret as text", async () => {
    await totp.getByRole("button", { name: "Set up an authenticator app" }).click();
    const qr = totp.getByRole("img", { name: "QR code of the setup link" });
    await qr.waitFor();
    assert.equal(await qr.evaluate((el) => el.tagName.toLowerCase()), "svg");
    const uri = (await page.getByTestId("otpauth-uri").textContent()) ?? "";
    secret = (await page.getByTestId("totp-secret").textContent()) ?? "";
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(new URL(uri).searchParams.get("secret"), secret);
    // The drawn modules are the encoding of exactly that URI (version size + 4-module margins).
    const expected = encode(uri, { ecc: "M", border: 0 });
    const size = expected.size + 8;
    assert.equal(await qr.getAttribute("viewBox"), `0 0 ${size} ${size}`);
    assert.equal(await qr.locator("path").getAttribute("d"), modulesPath(expected.data, 4));
    assert.ok(size >= 21 + 8 && (size - 8 - 21) % 4 === 0, `not a QR symbol size: ${size}`);
    await totp.getByText("Scan this code with your authenticator app.", { exact: false }).waitFor();
    await assertAccessible(page, "totp setup with QR");
  });

  await step(page, "the text secret enrols: a code computed from it enables the scope", async () => {
    const code = await hotp(base32Decode(secret), timeStep(Date.now() / 1000));
    await page.getByLabel("Code from the authenticator app").fill(code);
    await totp.getByRole("button", { name: "Confirm" }).click();
    await page.getByText("Authenticator app enabled.").waitFor();
    assert.equal(await page.getByTestId("recovery-codes").locator("li").count(), 10);
    assert.equal(await totp.getByRole("img", { name: "QR code of the setup link" }).count(), 0, "the QR code is gone once enrolled");
  });

  await step(page, "phone width: the QR code fits the screen", async () => {
    const phone = await browser.newContext({ baseURL: host.url, viewport: { width: 360, height: 740 } });
    try {
      const p = await phone.newPage();
      await createUser(dbOf(host), { username: "quinn2", password: "quinn-password-2", email: "quinn2@example.org" });
      await p.goto("/login?next=/identity");
      await p.getByLabel("Username").fill("quinn2");
      await p.getByLabel("Password").fill("quinn-password-2");
      await p.getByRole("button", { name: "Log in" }).click();
      await p.getByRole("button", { name: "Set up an authenticator app" }).click();
      const box = await p.getByRole("img", { name: "QR code of the setup link" }).boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= 360, `QR code overflows: ${JSON.stringify(box)}`);
    } finally {
      await phone.close();
    }
  });
});
