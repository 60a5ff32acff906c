// A signed-in page opened where the first frame comes late (a background tab: no animation frames,
// timers clamped) must still leave "Loading…": the answer from /api/users/me/ can arrive before the
// page subscribes to the session, and that answer must not be lost.
import { after, before, test } from "node:test";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { createUser } from "../../src/structure/users.ts";
import { dbOf, login } from "../helpers/api.ts";
import { type BrowserSession, launch, step } from "./browser.ts";

let host: WorkerHost;
let browser: BrowserSession;
before(async () => {
  await ensurePortal();
  host = await startWorkerHost({ portal: true });
  await createUser(dbOf(host), { username: "tess", password: "tess-password-1", email: "tess@example.org", firstName: "Tess" });
  browser = await launch(host.url);
});
after(async () => {
  await browser?.close();
  await host?.dispose();
});

test("a signed-in page opened as a background tab shows the user, not Loading… for good", { timeout: 60_000 }, async () => {
  const token = (await login(host, "tess", "tess-password-1")).token ?? "";
  const { page } = await browser.person();
  await page.addInitScript((t: string) => {
    sessionStorage.setItem("virtengine.token", t);
    // What a background tab does: no animation frames, and timers wait at least a few seconds,
    // so the page's effects run long after the API has answered.
    const later = window.setTimeout.bind(window);
    window.requestAnimationFrame = () => 0;
    window.setTimeout = ((fn: TimerHandler, ms?: number, ...args: unknown[]) => later(fn, Math.max(ms ?? 0, 3000), ...args)) as typeof setTimeout;
  }, token);
  await step(page, "dashboard of a background tab", async () => {
    await page.goto("/dashboard");
    await page.getByRole("heading", { name: "Welcome, Tess" }).waitFor();
    await page.getByRole("button", { name: "Log out" }).waitFor();
  });
});
