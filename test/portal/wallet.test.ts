// Wallet accounts in the browser: a recovery phrase made in the page and shown once, confirmed by
// typing words back, sign-in by ADR-036 signature (a new account), then the same phrase restores
// the same account in a fresh browser with its encryption key; a bad phrase is refused beside the
// field; the phrase is never stored.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { type BrowserSession, assertAccessible, launch, step } from "./browser.ts";

let host: WorkerHost;
let browser: BrowserSession;

before(async () => {
  await ensurePortal();
  host = await startWorkerHost({ portal: true });
  browser = await launch(host.url);
});
after(async () => {
  await browser?.close();
  await host?.dispose();
});

test("wallet: create an account from a new phrase, sign in by signature, restore it elsewhere", {
  timeout: 120_000,
}, async () => {
  const first = await browser.person();
  const p = first.page;
  let words: string[] = [];
  let username = "";
  await step(p, "wallet create shows a 24-word phrase once", async () => {
    await p.goto("/login");
    await p.getByRole("link", { name: "Sign in with a wallet" }).click();
    await p.getByRole("button", { name: "Create a wallet account" }).click();
    await p.getByRole("button", { name: "Generate recovery phrase" }).click();
    // The phrase is made by the lazily loaded wallet module: wait for the list before reading it.
    await p.getByTestId("mnemonic").locator("li").first().waitFor();
    words = await p.getByTestId("mnemonic").locator("li").allTextContents();
    assert.equal(words.length, 24);
    await assertAccessible(p, "wallet phrase");
    await p.getByRole("button", { name: "I have written them down" }).click();
  });
  await step(p, "wallet confirmation refuses a wrong word, then signs in", async () => {
    await p.locator("label", { hasText: /^Word \d+$/ }).first().waitFor();
    const labels = await p.locator("label", { hasText: /^Word \d+$/ }).allTextContents();
    assert.equal(labels.length, 3);
    for (const l of labels) await p.getByLabel(l, { exact: true }).fill("wrong");
    await p.getByRole("button", { name: "Confirm and sign in" }).click();
    assert.equal(await p.getByText("This is not the word at this position.").count(), 3);
    for (const l of labels) await p.getByLabel(l, { exact: true }).fill(words[Number(l.split(" ")[1]) - 1]!);
    await p.getByRole("button", { name: "Confirm and sign in" }).click();
    await p.getByRole("button", { name: "Log out" }).waitFor();
    username = (await p.locator(".who").textContent()) ?? "";
    assert.match(username, /^virtengine1[02-9ac-hj-np-z]{38}$/);
  });
  const stored = await p.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
  for (const w of new Set(words))
    assert.ok(!stored.includes(` ${w} `), "no part of the phrase in web storage");
  assert.deepEqual(Object.keys(JSON.parse(stored)), ["virtengine.token"]);

  const second = await browser.person();
  const q = second.page;
  await step(q, "wallet restore refuses a bad phrase beside the field", async () => {
    await q.goto("/wallet");
    await q.getByLabel("Recovery phrase").fill(words.slice(0, 23).join(" ") + " abandon");
    await q.getByRole("button", { name: "Sign in with signature" }).click();
    await q.locator(".field.invalid").getByRole("alert").waitFor();
  });
  await step(q, "wallet restore signs in as the same account with its encryption key", async () => {
    await q.getByLabel("Recovery phrase").fill(words.join(" "));
    await q.getByRole("button", { name: "Sign in with signature" }).click();
    await q.getByRole("button", { name: "Log out" }).waitFor();
    assert.equal(await q.locator(".who").textContent(), username);
    await q.getByRole("link", { name: "Keys" }).click();
    await q.getByText(/This browser holds your encryption key [0-9a-f]{16}/).waitFor();
  });
});
