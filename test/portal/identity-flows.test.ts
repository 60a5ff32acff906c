// The identity page's flows in a real browser against the real Worker: the SMS code sent through a
// Twilio-compatible Messages API on loopback, TOTP with codes computed here from the secret the page
// shows, recovery codes shown once, and the document and selfie captured from Chromium's fake camera
// (its generated test pattern, no face: the API does not look for faces on upload; validators do
// that later), signed with a device key the page made and kept non-extractable in IndexedDB, and
// sealed by the API to the configured identity validator key. A key revoked elsewhere is replaced
// by a new one; the API's refusal (the hourly nonce limit) is shown beside its step. The wallet
// balance page states the API's 503 when no chain is configured.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { toBech32 } from "@cosmjs/encoding";
import type { Browser } from "playwright-core";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { generateKeyPair } from "../../src/crypto/keys.ts";
import { base32Decode, hotp, timeStep } from "../../src/identity/scopes/totp.ts";
import { b64urlEncode } from "../../src/identity/sso/id-token.ts";
import { createUser } from "../../src/structure/users.ts";
import { dbOf, login } from "../helpers/api.ts";
import { startTwilioTestServer, type TwilioTestServer } from "../servers/sms-twilio-test-server.ts";
import { assertAccessible, launchChromium, step } from "./browser.ts";

const VALIDATOR = toBech32("virtenginevaloper", new Uint8Array(20).fill(7));
let host: WorkerHost;
let twilio: TwilioTestServer;
let browser: Browser;

before(async () => {
  await ensurePortal();
  twilio = await startTwilioTestServer();
  const key = await generateKeyPair();
  host = await startWorkerHost({
    portal: true,
    vars: {
      VE_SMS_API_URL: twilio.url,
      VE_SMS_ACCOUNT_SID: twilio.accountSid,
      VE_SMS_AUTH_TOKEN: twilio.authToken,
      VE_SMS_FROM: "+15005550006",
      VE_IDENTITY_VALIDATORS: JSON.stringify([{ validator: VALIDATOR, public_key: b64urlEncode(key.publicKey), key_version: 1 }]),
    },
  });
  await createUser(dbOf(host), { username: "ivy", password: "ivy-password-1", email: "ivy@example.org" });
  // The shared harness's flags plus Chromium's fake camera, granted without a prompt.
  browser = await launchChromium(["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]);
});
after(async () => {
  await browser?.close();
  await host?.dispose();
  await twilio?.close();
});

const codeAt = (secret: string, offset = 0) => hotp(base32Decode(secret), timeStep(Date.now() / 1000) + offset);

test("identity flows: SMS, TOTP with recovery codes, document and selfie from the camera", { timeout: 180_000 }, async () => {
  const context = await browser.newContext({ baseURL: host.url, viewport: { width: 1280, height: 900 } });
  context.setDefaultTimeout(20_000);
  await context.grantPermissions(["camera"], { origin: host.url });
  const page = await context.newPage();
  await page.goto("/login?next=/identity");
  await page.getByLabel("Username").fill("ivy");
  await page.getByLabel("Password").fill("ivy-password-1");
  await page.getByRole("button", { name: "Log in" }).click();

  await step(page, "identity page: no scope, no score yet, every flow offered", async () => {
    await page.getByRole("heading", { name: "Identity verification" }).waitFor();
    await page.getByTestId("verified-count").getByText("0 scopes verified").waitFor();
    await page.getByTestId("identity-score").getByText(/No score yet/).waitFor();
    for (const h of ["Verify a phone number", "Authenticator app (TOTP)", "Identity document and selfie", "Your captures"])
      await page.getByRole("heading", { name: h }).waitFor();
    await page.getByText("No photo captured yet.").waitFor();
    await assertAccessible(page, "identity");
  });

  const sms = page.getByRole("region", { name: "Verify a phone number" });
  const totp = page.getByRole("region", { name: "Authenticator app (TOTP)" });
  await step(page, "sms: a malformed number is refused beside the field before anything is sent", async () => {
    await sms.getByLabel("Phone number", { exact: true }).fill("020 7946 0958");
    await sms.getByRole("button", { name: "Text me a code" }).click();
    await sms.locator(".field.invalid").getByText("Enter the number in international format, starting with +.").waitFor();
    assert.equal(twilio.messages.length, 0);
  });

  let smsCode = "";
  await step(page, "sms: the code is texted, a wrong one refused beside the field, the right one verifies", async () => {
    const got = twilio.next("+442079460958");
    await sms.getByLabel("Phone number", { exact: true }).fill("+44 20 7946 0958");
    await sms.getByRole("button", { name: "Text me a code" }).click();
    await page.getByText("A 6-digit code was texted.").waitFor();
    smsCode = /\b(\d{6})\b/.exec((await got).body)?.[1] ?? "";
    assert.match(smsCode, /^\d{6}$/);
    await page.getByLabel("Code from the text message").fill(smsCode === "000000" ? "111111" : "000000");
    await sms.getByRole("button", { name: "Verify" }).click();
    await sms.locator(".field.invalid").filter({ has: page.getByLabel("Code from the text message") }).getByRole("alert").waitFor();
    await page.getByLabel("Code from the text message").fill(smsCode);
    await sms.getByRole("button", { name: "Verify" }).click();
    await page.getByText("Phone number verified.").waitFor();
    await page.getByTestId("scopes").getByRole("cell", { name: /^\+4•+58$/ }).waitFor();
    await page.getByTestId("verified-count").getByText("1 scope verified").waitFor();
  });

  let secret = "";
  let recovery: string[] = [];
  await step(page, "totp: setup shows the otpauth URI and secret; a wrong code is refused beside the field", async () => {
    await page.getByRole("button", { name: "Set up an authenticator app" }).click();
    const uri = (await page.getByTestId("otpauth-uri").textContent()) ?? "";
    secret = (await page.getByTestId("totp-secret").textContent()) ?? "";
    assert.match(secret, /^[A-Z2-7]{32}$/);
    const parsed = new URL(uri);
    assert.equal(parsed.protocol, "otpauth:");
    assert.equal(parsed.searchParams.get("secret"), secret);
    const right = await codeAt(secret);
    await page.getByLabel("Code from the authenticator app").fill(right === "000000" ? "111111" : "000000");
    await page.getByRole("button", { name: "Confirm" }).click();
    await totp.locator(".field.invalid").getByText("The code is not valid.").waitFor();
    await assertAccessible(page, "totp setup");
  });

  await step(page, "totp: a current code enables it and the 10 recovery codes are shown once", async () => {
    await page.getByLabel("Code from the authenticator app").fill(await codeAt(secret));
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.getByText("Authenticator app enabled.").waitFor();
    recovery = await page.getByTestId("recovery-codes").locator("li").allTextContents();
    assert.equal(recovery.length, 10);
    for (const c of recovery) assert.match(c, /^[a-zA-Z2-7]{5}-?[a-zA-Z2-7]{5}$/);
    await page.getByTestId("verified-count").getByText("2 scopes verified").waitFor();
    await page.getByRole("button", { name: "I have saved them" }).click();
    assert.equal(await page.getByTestId("recovery-codes").count(), 0, "not shown again");
  });

  await step(page, "totp: a replayed code is refused beside the field, a recovery code is accepted", async () => {
    // The step the confirmation used is spent: the same code again is a replay.
    await page.getByLabel("Code from the authenticator app").fill(await codeAt(secret));
    await page.getByRole("button", { name: "Check code" }).click();
    await totp.locator(".field.invalid").getByRole("alert").first().waitFor();
    await page.getByLabel("Code from the authenticator app").fill("");
    await page.getByLabel("Recovery code (instead of a code)").fill(recovery[0]!);
    await page.getByRole("button", { name: "Check code" }).click();
    await page.getByText("Recovery code accepted; 9 left.").waitFor();
  });

  const doc = page.getByTestId("capture-id_document");
  const selfie = page.getByTestId("capture-selfie");
  await step(page, "capture: the document from the camera is signed by this browser's device key and sealed", async () => {
    await doc.getByRole("button", { name: "Start the camera" }).click();
    await doc.getByRole("button", { name: "Take and upload photo" }).click();
    await doc.getByText("Uploaded and sealed; status: pending.").waitFor();
    await doc.getByText("Sealed to 1 identity validator key.").waitFor();
    await page.getByTestId("captures").getByRole("cell", { name: "Identity document", exact: true }).waitFor();
    await assertAccessible(page, "capture");
  });

  await step(page, "capture: the device key is kept non-extractable in IndexedDB and registered with the API", async () => {
    const kept = await page.evaluate(
      () =>
        new Promise<{ uuid: string; extractable: boolean; type: string; algorithm: string }>((resolve, reject) => {
          const req = indexedDB.open("virtengine-capture-devices", 1);
          req.onerror = () => reject(req.error);
          req.onsuccess = () => {
            const all = req.result.transaction("devices").objectStore("devices").getAll();
            all.onsuccess = () => {
              const row = all.result[0] as { uuid: string; privateKey: CryptoKey };
              resolve({ uuid: row.uuid, extractable: row.privateKey.extractable, type: row.privateKey.type, algorithm: (row.privateKey.algorithm as EcKeyAlgorithm).namedCurve });
            };
          };
        }),
    );
    assert.deepEqual({ extractable: kept.extractable, type: kept.type, algorithm: kept.algorithm }, { extractable: false, type: "private", algorithm: "P-256" });
    const api = await login(host, "ivy", "ivy-password-1");
    const devices = await api.expect(200, api.get("/api/identity/devices/"));
    assert.deepEqual(devices.map((d: { uuid: string; algorithm: string }) => [d.uuid, d.algorithm]), [[kept.uuid, "P-256"]]);
    // Revoked elsewhere (another session): the page must notice before its next capture.
    await api.expect(204, api.delete(`/api/identity/devices/${kept.uuid}/`));
  });

  await step(page, "capture: after the key was revoked the selfie is signed by a newly registered key", async () => {
    await selfie.getByRole("button", { name: "Start the camera" }).click();
    await selfie.getByRole("button", { name: "Take and upload photo" }).click();
    await selfie.getByText("Uploaded and sealed; status: pending.").waitFor();
    const api = await login(host, "ivy", "ivy-password-1");
    const devices = await api.expect(200, api.get("/api/identity/devices/"));
    assert.equal(devices.length, 2);
    assert.equal(devices.filter((d: { revoked_at: string | null }) => d.revoked_at === null).length, 1, "one active key: the new one");
  });

  await step(page, "capture: both captures listed as pending, never the image; both scopes pending", async () => {
    const api = await login(host, "ivy", "ivy-password-1");
    const caps = await api.expect(200, api.get("/api/identity/captures/"));
    assert.deepEqual(caps.map((c: { scope: string; status: string }) => [c.scope, c.status]).sort(), [
      ["id_document", "pending"],
      ["selfie", "pending"],
    ]);
    for (const c of caps) assert.match(c.image_sha256, /^[0-9a-f]{64}$/);
    await page.getByTestId("captures").getByRole("cell", { name: "Selfie", exact: true }).waitFor();
  });

  await step(page, "capture: the API's refusal (nonce limit) is shown beside the step", async () => {
    const api = await login(host, "ivy", "ivy-password-1");
    let refused = 0;
    for (let i = 0; i < 25 && !refused; i++) {
      const r = await api.post("/api/identity/capture/nonce/", { scope: "id_document" });
      if (r.status === 429) refused = i;
      else assert.equal(r.status, 201);
    }
    assert.ok(refused > 0, "the hourly nonce limit was reached");
    await doc.getByRole("button", { name: "Take and upload photo" }).click();
    await doc.getByRole("alert").getByText(/At most \d+ capture nonces an hour/).waitFor();
    assert.equal(await selfie.getByText(/capture nonces an hour/).count(), 0, "shown beside its own step only");
  });

  await step(page, "wallet balance: the API's 503 is shown when no chain is configured", async () => {
    await page.getByRole("link", { name: "Wallet" }).click();
    await page.getByRole("heading", { name: "Wallet balance" }).waitFor();
    await page.getByRole("alert").getByText(/No chain is configured for this deployment/).waitFor();
    await assertAccessible(page, "wallet balance");
  });

  await step(page, "phone width: the identity page still lays out its flows", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto("/identity");
    await page.getByTestId("verified-count").getByText("2 scopes verified").waitFor();
    await page.getByTestId("captures").waitFor();
    await page.getByRole("heading", { name: "Identity document and selfie" }).waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `no horizontal scrolling at phone width (overflow ${overflow}px)`);
  });
  await context.close();
});
