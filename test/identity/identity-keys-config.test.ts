// Where the identity network's keys come from when no chain answers: the configured list is a
// local-mode fallback only, a configured chain always wins (its failure is not papered over with
// the configured keys), and the chain codecs of identity-keys.ts read what x/roles writes.
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { test } from "node:test";
import { toBech32 } from "@cosmjs/encoding";
import { identityNetworkKeys, readIdentityNetworkKeys } from "../../src/bridge/chain/identity-keys.ts";
import { generateKeyPair } from "../../src/crypto/keys.ts";
import { identityValidators, ValidatorConfigError } from "../../src/identity/capture/validators.ts";
import { b64urlEncode } from "../../src/identity/sso/id-token.ts";

const VALOPER = toBech32("virtenginevaloper", new Uint8Array(20).fill(3));

async function configured() {
  const key = await generateKeyPair();
  return { key, json: JSON.stringify([{ validator: VALOPER, public_key: b64urlEncode(key.publicKey), key_version: 2 }]) };
}

test("without a chain, local mode seals to the configured validators", async () => {
  const { key, json } = await configured();
  const set = await identityValidators({ VE_MODE: "local", VE_IDENTITY_VALIDATORS: json });
  assert.equal(set?.length, 1);
  assert.equal(set![0]!.source, "config");
  assert.equal(set![0]!.validator, VALOPER);
  assert.deepEqual(set![0]!.publicKey, key.publicKey);
  assert.equal(set![0]!.keyVersion, 2);
  assert.equal(await identityValidators({ VE_MODE: "local" }), null, "nothing configured: no identity network");
});

test("outside local mode the configured list is refused and only a chain gives the set", async () => {
  const { json } = await configured();
  await assert.rejects(identityValidators({ VE_MODE: "production", VE_IDENTITY_VALIDATORS: json }), (e: Error) => e instanceof ValidatorConfigError && /only in local mode/.test(e.message));
  assert.equal(await identityValidators({ VE_MODE: "production" }), null);
});

/** A CometBFT RPC stand-in that answers every JSON-RPC call with `reply(method)`. */
async function fakeRpc(reply: (method: string) => unknown): Promise<{ url: string; server: Server; calls: string[] }> {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const rpc = JSON.parse(body) as { id: number; method: string; params?: { path?: string } };
      calls.push(rpc.params?.path ?? rpc.method);
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify({ jsonrpc: "2.0", id: rpc.id, ...(reply(rpc.method) as object) }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const addr = server.address();
  return { url: `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`, server, calls };
}

test("a configured chain that fails is an error, never a fall back to the configured keys", async () => {
  const { json } = await configured();
  // Nothing listens on port 9 (discard): the node is unreachable.
  await assert.rejects(
    identityValidators({ VE_MODE: "local", VE_CHAIN_RPC: "http://127.0.0.1:9", VE_IDENTITY_VALIDATORS: json }),
    (e: Error) => e instanceof ValidatorConfigError && /could not be read from chain/.test(e.message),
  );
  // A node that answers queries with an error (e.g. a node of another chain without x/staking).
  const rpc = await fakeRpc(() => ({ error: { code: -32603, message: "Internal error", data: "unknown query path" } }));
  try {
    await assert.rejects(readIdentityNetworkKeys(rpc.url), /reading the bonded validators .* failed/);
    await assert.rejects(identityValidators({ VE_MODE: "local", VE_CHAIN_RPC: rpc.url, VE_IDENTITY_VALIDATORS: json }), ValidatorConfigError);
    // A failed read is not cached: the next call asks the node again.
    const before = rpc.calls.length;
    await assert.rejects(identityNetworkKeys(rpc.url, "virtengine", 60_000));
    await assert.rejects(identityNetworkKeys(rpc.url, "virtengine", 60_000));
    assert.ok(rpc.calls.length >= before + 2, "each failed read went to the node");
  } finally {
    rpc.server.close();
  }
});

test("a chain whose bonded validators registered no key gives no identity network (503 upstream)", async () => {
  // An empty bonded set: abci_query answers an empty QueryValidatorsResponse.
  const rpc = await fakeRpc(() => ({ result: { response: { code: 0, log: "", info: "", index: "0", key: null, value: "", proofOps: null, height: "5", codespace: "" } } }));
  try {
    assert.deepEqual(await readIdentityNetworkKeys(rpc.url), []);
    await assert.rejects(identityValidators({ VE_MODE: "local", VE_CHAIN_RPC: rpc.url }), (e: Error) => e instanceof ValidatorConfigError && /no bonded validator has registered/.test(e.message));
    assert.ok(rpc.calls.every((p) => p === "/cosmos.staking.v1beta1.Query/Validators"), rpc.calls.join());
  } finally {
    rpc.server.close();
  }
});
