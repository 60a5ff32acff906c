// The 4-validator loopback localnet (chain/scripts/localnet4.sh, driven by consensus-test.sh):
// one validator down and the chain goes on, two down and it halts, both back and it resumes with
// every committed transaction still there. The script owns the steps and their bounded waits; this
// test runs it and requires every step by name, so a step that silently stopped running fails too.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import path from "node:path";
import { test } from "node:test";
import { ROOT } from "../../scripts/lib/build-worker.ts";

const STEPS = [
  /^ok {3}four validators produce blocks$/m,
  /^ok {3}bank send [0-9A-F]{64} committed$/m,
  /^ok {3}chain continues with one validator stopped$/m,
  /^ok {3}chain halts with two of four stopped \(height \d+\)$/m,
  /^ok {3}chain resumes after restarting both$/m,
  /^ok {3}committed send still present via node on 27001$/m,
  /^ok {3}committed send still present via node on 27021$/m,
  /^ok {3}committed send still present via node on 27031$/m,
];

test("4 validators: tolerates one down, halts with two down, resumes with nothing lost", { timeout: 600_000 }, async () => {
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile("bash", [path.join(ROOT, "chain/scripts/consensus-test.sh")], { cwd: ROOT, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}\n${stderr}` });
    });
  });
  for (const step of STEPS) assert.match(output, step, `step missing or failed: ${step}\n${output.slice(-3000)}`);
  assert.match(output, /^8 passed, 0 failed$/m);
  assert.equal(code, 0, output.slice(-3000));
});
