// The README's start command: serves the API, seeds staff and demo data, and is safe to run again.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { ROOT } from "../scripts/lib/worker-host.ts";

function start(stateDir: string, port: number, env: Record<string, string> = {}): Promise<{ child: ChildProcess; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/start.ts")], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(port), VE_STATE_DIR: stateDir, VE_CHAIN: "off", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const timer = setTimeout(() => reject(new Error(`start did not come up:\n${out}`)), 90_000);
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("Ctrl-C to stop.")) {
        clearTimeout(timer);
        resolve({ child, out });
      }
    });
    child.stderr!.on("data", (d) => {
      out += d;
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (!out.includes("Ctrl-C")) reject(Object.assign(new Error(`start exited ${code}:\n${out}`), { out, code }));
    });
  });
}

const stop = (child: ChildProcess) =>
  new Promise<void>((r) => {
    child.on("exit", () => r());
    child.kill("SIGINT");
  });

test("npm start serves the API with staff and demo logins, and a second start reuses the data", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ve-start-"));
  const port = 18000 + Math.floor(Math.random() * 1000);
  try {
    const first = await start(dir, port, { VE_ADMIN_USERNAME: "root", VE_ADMIN_PASSWORD: "root-password-1" });
    assert.match(first.out, /staff: root \/ \(from VE_ADMIN_PASSWORD\)/);
    assert.ok(!first.out.includes("root-password-1"), "the configured password is not printed");
    const token = first.out.match(/user:\s+alice .* token ([0-9a-f]{40})/)?.[1];
    assert.ok(token, first.out);
    const offers = (await (await fetch(`http://127.0.0.1:${port}/api/marketplace-public-offerings/`)).json()) as { type: string }[];
    assert.ok(new Set(offers.map((o) => o.type)).size >= 3, "offerings in several categories");
    const me = (await (await fetch(`http://127.0.0.1:${port}/api/users/me/`, { headers: { Authorization: `Token ${token}` } })).json()) as { username: string };
    assert.equal(me.username, "alice");
    const login = await fetch(`http://127.0.0.1:${port}/api-auth/password/`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: "root", password: "root-password-1" }),
    });
    assert.equal(login.status, 200);
    await stop(first.child);
    const second = await start(dir, port);
    const again = (await (await fetch(`http://127.0.0.1:${port}/api/marketplace-public-offerings/`)).json()) as unknown[];
    assert.equal(again.length, offers.length, "no duplicate demo data");
    await stop(second.child);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("outside local mode the published default password is refused", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ve-start-"));
  try {
    await assert.rejects(start(dir, 18999, { VE_MODE: "production" }), /refusing to start: VE_ADMIN_USERNAME and VE_ADMIN_PASSWORD must be set/);
    await assert.rejects(
      start(dir, 18999, { VE_MODE: "production", VE_ADMIN_USERNAME: "admin", VE_ADMIN_PASSWORD: "virtengine-local-admin" }),
      /published local default/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
