// `npm test`: installs what the tests need (scripts/setup/*.sh, each idempotent), type-checks,
// lints, runs the TypeScript suites with node's test runner and the chain's Go tests, and ends
// with one summary line for all of them.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const RUN_DIR = path.join(ROOT, ".run");
mkdirSync(RUN_DIR, { recursive: true });

interface Tally {
  suite: string;
  passed: number;
  failed: number;
}
const tallies: Tally[] = [];
const stepFailures: string[] = [];

function run(cmd: string, args: string[], opts: { cwd?: string; onLine?: (line: string) => void } = {}) {
  return new Promise<number>((resolve) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? ROOT,
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, FORCE_COLOR: "0" },
    });
    let buf = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buf += chunk.toString();
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (opts.onLine) opts.onLine(line);
        else process.stdout.write(`${line}\n`);
        nl = buf.indexOf("\n");
      }
    });
    child.on("close", (code) => {
      if (buf) (opts.onLine ?? ((l: string) => process.stdout.write(`${l}\n`)))(buf);
      resolve(code ?? 1);
    });
  });
}

async function step(name: string, cmd: string, args: string[], cwd?: string) {
  console.log(`\n=== ${name}`);
  const code = await run(cmd, args, { cwd });
  if (code !== 0) stepFailures.push(`${name} (exit ${code})`);
  return code;
}

async function setup() {
  const dir = path.join(ROOT, "scripts", "setup");
  for (const f of readdirSync(dir).filter((f) => f.endsWith(".sh")).sort()) {
    await step(`setup ${f}`, "bash", [path.join(dir, f)]);
  }
}

async function nodeTests(filter: string[]) {
  console.log("\n=== node tests");
  const tap = path.join(RUN_DIR, "node-tests.tap");
  const files = filter.length > 0 ? filter : ["test/**/*.test.ts"];
  const code = await run(process.execPath, [
    "--import",
    "tsx",
    "--test",
    "--test-reporter=spec",
    "--test-reporter-destination=stdout",
    "--test-reporter=tap",
    `--test-reporter-destination=${tap}`,
    ...files,
  ]);
  const text = existsSync(tap) ? readFileSync(tap, "utf8") : "";
  const num = (k: string) => Number(text.match(new RegExp(`^# ${k} (\\d+)$`, "m"))?.[1] ?? 0);
  tallies.push({ suite: "node", passed: num("pass"), failed: num("fail") + num("cancelled") });
  if (code !== 0) stepFailures.push(`node tests (exit ${code})`);
}

async function goTests() {
  const chain = path.join(ROOT, "chain");
  if (!existsSync(path.join(chain, "go.mod"))) return;
  console.log("\n=== go test ./... (chain)");
  const t: Tally = { suite: "go", passed: 0, failed: 0 };
  const code = await run("go", ["test", "-json", "-count=1", "./..."], {
    cwd: chain,
    onLine: (line) => {
      let ev: { Action?: string; Test?: string; Output?: string; Package?: string };
      try {
        ev = JSON.parse(line);
      } catch {
        process.stdout.write(`${line}\n`);
        return;
      }
      if (ev.Action === "output" && ev.Output) {
        const o = ev.Output;
        if (/^(--- |ok |FAIL|PASS|panic|\s+\S+_test\.go)/.test(o) || !ev.Test) process.stdout.write(o);
      }
      if (ev.Test && ev.Action === "pass") t.passed++;
      if (ev.Test && ev.Action === "fail") t.failed++;
    },
  });
  tallies.push(t);
  if (code !== 0) stepFailures.push(`go test (exit ${code})`);
}

const args = process.argv.slice(2);
const only = args.filter((a) => !a.startsWith("--"));
const quick = args.includes("--quick");

if (!quick) await setup();
await step("portal build (tsc -p portal, vite)", "npm", ["run", "--silent", "portal:build"]);
await step("typecheck (tsc --noEmit)", path.join(ROOT, "node_modules/.bin/tsc"), ["--noEmit"]);
await step("lint (biome)", path.join(ROOT, "node_modules/.bin/biome"), ["lint", "src", "test", "scripts", "bench", "portal/src"]);
await nodeTests(only);
if (!quick && only.length === 0) await goTests();

console.log("\n=== summary");
for (const t of tallies) console.log(`${t.suite}: ${t.passed} passed, ${t.failed} failed`);
for (const f of stepFailures) console.log(`failed step: ${f}`);
const passed = tallies.reduce((a, t) => a + t.passed, 0);
const failed = tallies.reduce((a, t) => a + t.failed, 0) + stepFailures.length;
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
