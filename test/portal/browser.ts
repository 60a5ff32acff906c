// Browser harness for the portal tests: Debian's chromium driven by playwright-core (Playwright's
// own browser download cannot reach this network), screenshots per step, and an axe-core check.
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import axe from "axe-core";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { ROOT } from "../../scripts/lib/build-worker.ts";

export const SHOTS = path.join(ROOT, ".run", "portal-shots");

export interface BrowserSession {
  browser: Browser;
  /** A fresh context (own storage, own IndexedDB): one per person in a journey. */
  person(viewport?: { width: number; height: number }): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/** Debian's chromium with the harness's flags, plus `extraArgs` (e.g. a fake camera). */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    // Playwright gives the browser a fresh temporary profile. No network beyond loopback here: background fetches would only fail and slow the browser.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
      ...extraArgs,
    ],
  });
}

export async function launch(baseURL: string): Promise<BrowserSession> {
  const browser = await launchChromium();
  return {
    browser,
    async person(viewport = { width: 1280, height: 900 }) {
      const context = await browser.newContext({ baseURL, viewport });
      // CI shares two cores with a chain node and other servers: a page can wait on them longer there.
      context.setDefaultTimeout(process.env.CI ? 30_000 : 15_000);
      const page = await context.newPage();
      return { context, page };
    },
    async close() {
      await browser.close();
    },
  };
}

// node --test runs each file in its own process: its shots go to a folder named after the file,
// emptied at the first step so a run never mixes with an older one.
const shotDir = path.join(SHOTS, path.basename(process.argv[1] ?? "portal").replace(/\.test\.ts$/, ""));
let shotNo = 0;
/** Signs in through the log-in form (then the portal goes to `next`, if given) and waits until it is done. */
export async function logIn(page: Page, username: string, password: string, next?: string): Promise<void> {
  await page.goto(next ? `/login?next=${encodeURIComponent(next)}` : "/login");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in", exact: true }).click();
  await page.getByRole("button", { name: "Log out" }).waitFor();
}

/** Runs one step of a journey; its screenshot is saved either way, and a failure fails the test. */
export async function step(page: Page, name: string, body: () => Promise<void>): Promise<void> {
  if (shotNo === 0) rmSync(shotDir, { recursive: true, force: true });
  mkdirSync(shotDir, { recursive: true });
  const file = path.join(
    shotDir,
    `${String(++shotNo).padStart(2, "0")}-${name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`,
  );
  try {
    await body();
    await page.screenshot({ path: `${file}.png`, fullPage: true });
  } catch (e) {
    await page.screenshot({ path: `${file}-FAILED.png`, fullPage: true }).catch(() => undefined);
    // CI keeps only the log, not the screenshots: what the page showed goes into the message.
    const shown = await page
      .locator("main")
      .textContent({ timeout: 2000 })
      .then((t) => t ?? "")
      .catch(() => "(no main element)");
    throw new Error(
      `step "${name}" failed: ${(e as Error).message}\n  page ${page.url()} showed: ${shown.replace(/\s+/g, " ").slice(0, 600)}`,
      { cause: e },
    );
  }
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core on the current page: no serious or critical violations. */
export async function assertAccessible(page: Page, label: string): Promise<void> {
  await page.addScriptTag({ content: axe.source });
  const violations = await page.evaluate(async () => {
    const w = window as unknown as {
      axe: { run: (ctx: Document, o: object) => Promise<{ violations: AxeViolation[] }> };
    };
    const r = await w.axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target.map(String) })),
    }));
  });
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad, [], `${label}: axe found serious violations:\n${JSON.stringify(bad, null, 2)}`);
}

/** Clicks `button` and reloads until `done()` holds (the worker's queue runs orders asynchronously). */
export async function until(
  page: Page,
  what: string,
  done: () => Promise<boolean>,
  refresh: () => Promise<void>,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await done()) return;
    await refresh();
    await page.waitForTimeout(400);
  }
  assert.fail(`timed out waiting for ${what}`);
}
