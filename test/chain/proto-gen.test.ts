// The bridge's codecs (src/bridge/chain/gen/) must be what ts-proto makes from chain/proto today:
// regenerated into a temporary folder with the committed script and compared file by file, so a
// .proto edited without regenerating fails here rather than as a wrong field on chain.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { ROOT } from "../../scripts/lib/build-worker.ts";
import { bridgeMsgTypes, chainMsgTypes, msgResponses, typeUrlOf } from "../../src/bridge/chain/index.ts";

const run = promisify(execFile);
const COMMITTED = path.join(ROOT, "src/bridge/chain/gen");

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

test("src/bridge/chain/gen is exactly what chain/scripts/protocgen-ts.sh generates from chain/proto", async () => {
  const out = mkdtempSync(path.join(tmpdir(), "ve-proto-ts-"));
  try {
    await run(path.join(ROOT, "chain/scripts/protocgen-ts.sh"), [out], { cwd: ROOT, timeout: 10 * 60_000 });
    const fresh = filesUnder(out);
    assert.deepEqual(filesUnder(COMMITTED), fresh, "same files");
    assert.ok(fresh.includes("virtengine/veid/v1/tx.ts") && fresh.includes("virtengine/market/v1/tx.ts"));
    for (const f of fresh) {
      assert.equal(readFileSync(path.join(COMMITTED, f), "utf8"), readFileSync(path.join(out, f), "utf8"), `${f} is stale: run chain/scripts/protocgen-ts.sh`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("every rpc of every Msg service is in the Registry with its response codec", () => {
  const protoDir = path.join(ROOT, "chain/proto/virtengine");
  const rpcs = readdirSync(protoDir).flatMap((mod) => {
    const text = readFileSync(path.join(protoDir, mod, "v1/tx.proto"), "utf8");
    return [...text.matchAll(/rpc\s+\w+\((Msg\w+)\)\s+returns\s+\((Msg\w+Response)\)/g)].map((m) => `/virtengine.${mod}.v1.${m[1]}`);
  });
  assert.ok(rpcs.length >= 20, `found ${rpcs.length} rpcs`);
  assert.deepEqual(chainMsgTypes.map(typeUrlOf).sort(), [...rpcs].sort());
  for (const url of rpcs) assert.ok(msgResponses.get(url), `response codec for ${url}`);
  // What users grant the bridge is a subset, and never the authority-only Msgs.
  const granted = bridgeMsgTypes.map(typeUrlOf);
  for (const url of granted) assert.ok(rpcs.includes(url), url);
  for (const url of granted) assert.doesNotMatch(url, /MsgUpdateParams|MsgNominateRole|MsgSetAccountState|MsgAttestScore/);
});
