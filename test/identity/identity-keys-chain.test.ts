// The identity network key set read from a real localnet: only bonded validators' x/roles keys
// are in it, a validator that bonds joins it and one that unbonds leaves it, key rotation shows
// the new version, and a capture uploaded through the API is sealed to exactly that set (the
// configured VE_IDENTITY_VALIDATORS is ignored once a chain is configured).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { after, test } from "node:test";
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { QueryClient, setupStakingExtension } from "@cosmjs/stargate";
import { PubKey } from "cosmjs-types/cosmos/crypto/ed25519/keys";
import { BondStatus } from "cosmjs-types/cosmos/staking/v1beta1/staking";
import { ensureLocalValidatorIdentityKey } from "../../scripts/lib/chain-bridge-setup.ts";
import { ROOT, startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { cometClient } from "../../src/bridge/chain/client.ts";
import { ensureEncryptionKeyRegistered, identityNetworkKeys, readIdentityNetworkKeys } from "../../src/bridge/chain/identity-keys.ts";
import { hex } from "../../src/crypto/bytes.ts";
import { open } from "../../src/crypto/envelope.ts";
import { parseHeader } from "../../src/crypto/format.ts";
import { exportPrivateKey, generateKeyPair, importPrivateKey, type KeyPair, keyId } from "../../src/crypto/keys.ts";
import { identityCaptures } from "../../src/db/schema/index.ts";
import { CAPTURE_ENVELOPE_KIND } from "../../src/identity/capture/bundle.ts";
import { b64urlEncode } from "../../src/identity/sso/id-token.ts";
import { dbOf, userApi } from "../helpers/api.ts";
import { linkWallet, useChain } from "../helpers/chain.ts";
import { registerDevice, upload } from "../identity-scopes/capture-client.ts";

const ctx = useChain();
let host: WorkerHost | undefined;
after(async () => {
  await host?.dispose();
});

const FEE = { amount: [{ denom: "uve", amount: "0" }], gas: "400000" };
const valoperOf = (address: string, prefix: string) => toBech32(`${prefix}valoper`, fromBech32(address, 90).data);
const register = (name: string, key: KeyPair) =>
  ensureEncryptionKeyRegistered({ rpcUrl: ctx.chain.rpcUrl, mnemonic: ctx.chain.accounts[name]!.mnemonic, publicKey: key.publicKey, prefix: ctx.chain.prefix });
const readSet = () => readIdentityNetworkKeys(ctx.chain.rpcUrl, ctx.chain.prefix);
const summary = (set: Awaited<ReturnType<typeof readSet>>) => set.map((k) => [k.validator, k.account, hex(k.publicKey), k.keyVersion]);

let validatorKey: KeyPair;
let outsiderKey: KeyPair;

test("the set holds the bonded validator's registered key and not an unbonded account's", async () => {
  const { accounts, prefix } = ctx.chain;
  // A fresh chain: the validator is bonded but has no key yet, so nothing can be sealed to it.
  assert.deepEqual(await readSet(), []);

  validatorKey = await generateKeyPair();
  outsiderKey = await generateKeyPair();
  const first = await register("validator", validatorKey);
  assert.deepEqual(first, { registered: true, version: 1, account: accounts.validator!.address });
  // Registering the same key again is a no-op (the scorer does this at every start).
  assert.deepEqual(await register("validator", validatorKey), { registered: false, version: 1, account: accounts.validator!.address });
  // customer2 holds VE but never bonded: its registered key is an ordinary user key.
  assert.equal((await register("customer2", outsiderKey)).registered, true);

  const set = await readSet();
  assert.deepEqual(summary(set), [[valoperOf(accounts.validator!.address, prefix), accounts.validator!.address, hex(validatorKey.publicKey), 1]]);
  assert.ok(!set.some((k) => k.account === accounts.customer2!.address || hex(k.publicKey) === hex(outsiderKey.publicKey)));
});

test("an account that bonds joins the set, and leaves it when it unbonds", async () => {
  const { accounts, prefix } = ctx.chain;
  const c2 = await ctx.chain.clientFor("customer2");
  const addr = accounts.customer2!.address;
  const valoper = valoperOf(addr, prefix);
  try {
    const cons = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"])) as CryptoKeyPair;
    const consKey = new Uint8Array(await crypto.subtle.exportKey("raw", cons.publicKey));
    const self = { denom: "uve", amount: "10000000" };
    const created = await c2.signAndBroadcast(
      addr,
      [
        {
          typeUrl: "/cosmos.staking.v1beta1.MsgCreateValidator",
          value: {
            description: { moniker: "second" },
            commission: { rate: "100000000000000000", maxRate: "200000000000000000", maxChangeRate: "10000000000000000" },
            minSelfDelegation: "1",
            delegatorAddress: "",
            validatorAddress: valoper,
            pubkey: { typeUrl: "/cosmos.crypto.ed25519.PubKey", value: PubKey.encode({ key: consKey }).finish() },
            value: self,
          },
        },
      ],
      FEE,
    );
    assert.equal(created.code, 0, created.rawLog);
    // Bonded from the end of the block that created it; the next read sees it.
    await waitUntil("customer2 bonded", async () => (await readSet()).some((k) => k.validator === valoper));
    const set = await readSet();
    assert.deepEqual(
      summary(set).sort(),
      [
        [valoperOf(accounts.validator!.address, prefix), accounts.validator!.address, hex(validatorKey.publicKey), 1],
        [valoper, addr, hex(outsiderKey.publicKey), 1],
      ].sort(),
    );
    assert.deepEqual(
      set.map((k) => k.validator),
      [...set.map((k) => k.validator)].sort(),
      "recipients come in a stable order",
    );

    const undelegated = await c2.signAndBroadcast(addr, [{ typeUrl: "/cosmos.staking.v1beta1.MsgUndelegate", value: { delegatorAddress: addr, validatorAddress: valoper, amount: self } }], FEE);
    assert.equal(undelegated.code, 0, undelegated.rawLog);
    await waitUntil("customer2 unbonded", async () => !(await readSet()).some((k) => k.validator === valoper));
    // The staking module agrees: customer2's validator is no longer bonded.
    const staking = QueryClient.withExtensions(cometClient(ctx.chain.rpcUrl), setupStakingExtension);
    assert.notEqual((await staking.staking.validator(valoper)).validator?.status, BondStatus.BOND_STATUS_BONDED);
    assert.deepEqual(summary(await readSet()), [[valoperOf(accounts.validator!.address, prefix), accounts.validator!.address, hex(validatorKey.publicKey), 1]]);
  } finally {
    c2.disconnect();
  }
});

test("a rotated key replaces the old one in the set; a read is reused within its TTL", async () => {
  const { chain } = ctx;
  const cachedBefore = identityNetworkKeys(chain.rpcUrl, chain.prefix, 60_000);
  assert.equal(identityNetworkKeys(chain.rpcUrl, chain.prefix, 60_000), cachedBefore, "the same read within the TTL");
  const rotated = await generateKeyPair();
  assert.deepEqual(await register("validator", rotated), { registered: true, version: 2, account: chain.accounts.validator!.address });
  // Within the TTL the cached read stands; a zero TTL reads the chain again.
  assert.equal(hex((await identityNetworkKeys(chain.rpcUrl, chain.prefix, 60_000))[0]!.publicKey), hex(validatorKey.publicKey));
  const fresh = await identityNetworkKeys(chain.rpcUrl, chain.prefix, 0);
  assert.deepEqual(
    fresh.map((k) => [hex(k.publicKey), k.keyVersion]),
    [[hex(rotated.publicKey), 2]],
  );
  validatorKey = rotated;
});

test("a capture upload is sealed to exactly the chain's set, not to the configured keys", async () => {
  const { chain } = ctx;
  const decoy = await generateKeyPair();
  const decoyCfg = [{ validator: toBech32(`${chain.prefix}valoper`, new Uint8Array(20).fill(7)), public_key: b64urlEncode(decoy.publicKey), key_version: 1 }];
  host = await startWorkerHost({ vars: { VE_CHAIN_RPC: chain.rpcUrl, VE_CHAIN_PREFIX: chain.prefix, VE_IDENTITY_VALIDATORS: JSON.stringify(decoyCfg) } });
  const set = await readSet();
  assert.equal(set.length, 1);

  const a = await userApi(host, "chaincapture");
  const r = await upload(a, await registerDevice(a));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.deepEqual(
    r.body.sealed_to.map((s: { validator: string; key_version: number }) => [s.validator, s.key_version]),
    set.map((k) => [k.validator, k.keyVersion]),
  );
  const row = (await dbOf(host).select().from(identityCaptures).all()).find((x) => x.uuid === r.body.uuid)!;
  const stored = new Uint8Array(await (await host.blobs.get(row.objectKey))!.arrayBuffer());
  // The envelope's own header names exactly the chain set's keys.
  const header = parseHeader(stored);
  assert.ok(header.ok);
  assert.deepEqual(
    header.value.recipients.map((x) => [hex(x.keyId), x.keyVersion]),
    await Promise.all(set.map(async (k) => [hex(await keyId(k.publicKey)), k.keyVersion])),
  );
  const context = { kind: CAPTURE_ENVELOPE_KIND, recordId: r.body.uuid, version: 1 };
  assert.equal((await open(stored, { key: validatorKey, context })).ok, true, "the bonded validator's current key opens it");
  for (const other of [decoy, outsiderKey]) assert.equal((await open(stored, { key: other, context })).ok, false, "a configured or unbonded key does not");
});

test("with the chain unreachable an upload answers 503 and stores nothing", async () => {
  const down = await startWorkerHost({ vars: { VE_CHAIN_RPC: "http://127.0.0.1:9", VE_CHAIN_PREFIX: ctx.chain.prefix } });
  try {
    const a = await userApi(down, "chaindown");
    const r = await upload(a, await registerDevice(a));
    assert.equal(r.status, 503, JSON.stringify(r.body));
    assert.match(JSON.stringify(r.body), /identity network/i);
    assert.equal((await dbOf(down).select().from(identityCaptures).all()).length, 0);
    assert.equal((await down.blobs.list({ prefix: "identity/" })).objects.length, 0);
  } finally {
    await down.dispose();
  }
});

test("the local start's validator key and the scorer's start register the key on chain once", async () => {
  const { chain } = ctx;
  // What `npm start` does for the localnet: a key file in the chain home, registered for the validator.
  const local = await ensureLocalValidatorIdentityKey(chain.rpcUrl, chain.home, chain.accounts, chain.prefix);
  assert.equal(local.registered, true);
  assert.equal(local.version, 3);
  assert.equal(statSync(local.file).mode & 0o777, 0o600);
  const localPair = await importPrivateKey(new Uint8Array(Buffer.from(readFileSync(local.file, "utf8"), "base64url")));
  assert.deepEqual(summary(await readSet()).map((x) => x.slice(2)), [[hex(localPair.publicKey), 3]]);
  // A second start reuses the file and registers nothing.
  assert.deepEqual(await ensureLocalValidatorIdentityKey(chain.rpcUrl, chain.home, chain.accounts, chain.prefix), { ...local, registered: false });

  // The scorer started with a new key and the operator's mnemonic makes it the validator's key,
  // and the API then accepts it as the identity validator (its set now names that key).
  const scorerKey = await generateKeyPair();
  const raw = Buffer.from(await exportPrivateKey(scorerKey.privateKey)).toString("base64url");
  const vars = { VE_CHAIN_RPC: chain.rpcUrl, VE_CHAIN_PREFIX: chain.prefix };
  // An account holding only the (not yet registered) key in the directory is no validator.
  // (Its own host: a Worker reuses the set it read for IDENTITY_KEYS_TTL_MS.)
  const early = await startWorkerHost({ vars });
  try {
    const op = await userApi(early, "earlyop");
    await op.expect(201, op.post("/api/encryption-keys/", { public_key: b64urlEncode(scorerKey.publicKey) }));
    assert.equal((await op.get("/api/identity/scoring/pending/")).status, 403);
  } finally {
    await early.dispose();
  }
  const api = await startWorkerHost({ vars });
  try {
    // A public key in the directory is not enough (anyone may register one, and validators' keys
    // are public on chain): the validator is whoever linked its operator wallet by signature.
    const impostor = await userApi(api, "impostor");
    await impostor.expect(201, impostor.post("/api/encryption-keys/", { public_key: b64urlEncode(scorerKey.publicKey) }));
    const op = await userApi(api, "validatorop");
    await linkWallet(op, chain.accounts.validator!, chain.prefix);
    const env = { ...process.env, VE_API_URL: api.url, VE_SCORER_TOKEN: String(op.token), VE_SCORER_KEY: raw, VE_CHAIN_RPC: chain.rpcUrl, VE_CHAIN_PREFIX: chain.prefix, VE_SCORER_OPERATOR_MNEMONIC: chain.accounts.validator!.mnemonic };
    const first = await runScorer(env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`identity key registered on chain for ${chain.accounts.validator!.address} \\(version 4\\)`));
    assert.match(first.stdout, /posted=0 skipped=0 waiting=0/);
    assert.deepEqual(summary(await readSet()).map((x) => x.slice(2)), [[hex(scorerKey.publicKey), 4]]);
    const refused = await impostor.get("/api/identity/scoring/pending/");
    assert.equal(refused.status, 403, "same public key, no operator wallet");
    assert.match(JSON.stringify(refused.body), /operator account/);
    assert.equal((await op.get("/api/identity/scoring/pending/")).status, 200);
    const again = await runScorer(env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /identity key already registered on chain .*\(version 4\)/);
    // Without a token the scorer signs in with the operator wallet: the account linked to it.
    const walletOnly = await runScorer({ ...env, VE_SCORER_TOKEN: "" });
    assert.equal(walletOnly.code, 0, walletOnly.stderr);
    assert.match(walletOnly.stdout, new RegExp(`signed in to the API as ${chain.accounts.validator!.address}`));
    assert.match(walletOnly.stdout, /posted=0 skipped=0 waiting=0/);
    // A wrong mnemonic stops the scorer before it scores anything.
    const bad = await runScorer({ ...env, VE_SCORER_OPERATOR_MNEMONIC: "not a mnemonic" });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /registering the identity key on chain failed/);
    assert.doesNotMatch(bad.stdout + bad.stderr, /posted=/);
  } finally {
    await api.dispose();
  }
});

function runScorer(env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/scorer.ts"), "--once"], { env, cwd: ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
