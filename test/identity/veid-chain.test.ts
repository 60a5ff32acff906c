// The identity score agreed on chain, end to end on a real localnet: a verified scope is committed
// to x/veid (sealed record only the identity network opens) and opens a score round; the scorer
// attests it with the governance-approved pipeline hash and the round finalizes with the model's
// score, which the API then shows. An unapproved hash is refused (x/veid code 17) and changes
// nothing; a second request while a round is open is refused by the chain (code 8) and shown as
// expected; erasure revokes the scope; a user without a wallet gets an off-chain note.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import path from "node:path";
import { after, before, test } from "node:test";
import { createProtobufRpcClient, QueryClient } from "@cosmjs/stargate";
import { and, eq } from "drizzle-orm";
import { ROOT, startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { cometClient } from "../../src/bridge/chain/client.ts";
import { RoundState } from "../../src/bridge/chain/gen/virtengine/veid/v1/veid.ts";
import { ensureEncryptionKeyRegistered } from "../../src/bridge/chain/identity-keys.ts";
import { VeidQueryClient } from "../../src/bridge/chain/proto.ts";
import { VEID_KINDS } from "../../src/bridge/chain/veid.ts";
import { hex } from "../../src/crypto/bytes.ts";
import { open } from "../../src/crypto/envelope.ts";
import { exportPrivateKey, generateKeyPair, type KeyPair } from "../../src/crypto/keys.ts";
import { chainOffchain, chainOutbox, chainVeidAttestations, chainVeidRounds, identityScores, users } from "../../src/db/schema/index.ts";
import { SCOPE_EVIDENCE_KIND } from "../../src/identity/scopes/chain-evidence.ts";
import { base32Decode, hotp, timeStep } from "../../src/identity/scopes/totp.ts";
import { attestOpenRounds, attestScore, operatorSigner } from "../../src/identity/scoring/chain-attest.ts";
import { pipelineVersion } from "../../src/identity/scoring/pipeline.ts";
import { b64urlEncode } from "../../src/identity/sso/id-token.ts";
import { type Api, dbOf, userApi } from "../helpers/api.ts";
import { type Chain, linkWallet, startChain, waitFor } from "../helpers/chain.ts";
import { fixture, registerDevice, upload } from "../identity-scopes/capture-client.ts";

// One root hook: the localnet, then the Worker bound to it (it needs the RPC port).
const ctx = {} as { chain: Chain; stop?: () => Promise<void> };
let host: WorkerHost;
let validatorKey: KeyPair;
let op: Api & { uuid: string };
let user: Api & { uuid: string };
let scopeUuid: string;
let firstRound: number;

before(async () => {
  const started = await startChain();
  ctx.chain = started.chain;
  ctx.stop = started.stop;
  const { chain } = ctx;
  validatorKey = await generateKeyPair();
  await ensureEncryptionKeyRegistered({ rpcUrl: chain.rpcUrl, mnemonic: chain.accounts.validator!.mnemonic, publicKey: validatorKey.publicKey, prefix: chain.prefix });
  host = await startWorkerHost({ vars: chain.env() });
  op = await userApi(host, "veidoperator");
  // A scorer's API account: the validator operator's wallet, with the identity key it registered.
  await linkWallet(op, chain.accounts.validator!, chain.prefix);
  await op.expect(201, op.post("/api/encryption-keys/", { public_key: b64urlEncode(validatorKey.publicKey) }));
  user = await userApi(host, "veidholder");
  await linkWallet(user, chain.accounts.customer1!, chain.prefix);
});
after(async () => {
  await host?.dispose();
  await ctx.stop?.();
});

const db = () => dbOf(host);
const cron = async () => (await host.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });
const veid = () => new VeidQueryClient(createProtobufRpcClient(new QueryClient(cometClient(ctx.chain.rpcUrl))));
const wallet = () => ctx.chain.accounts.customer1!.address;

async function enableTotp(api: Api) {
  const s = await api.expect(200, api.post("/api/identity/totp/setup/"));
  const code = await hotp(base32Decode(s.secret), timeStep(Date.now() / 1000));
  return api.expect(200, api.post("/api/identity/totp/confirm/", { code }));
}

const veidRows = (signer: string) =>
  db()
    .select()
    .from(chainOutbox)
    .where(eq(chainOutbox.signer, signer))
    .orderBy(chainOutbox.id)
    .then((rows) => rows.filter((r) => r.kind.startsWith("identity.")));

const roundRow = (id: number) =>
  db()
    .select()
    .from(chainVeidRounds)
    .where(eq(chainVeidRounds.roundId, id))
    .get();

function runScorer(): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    VE_API_URL: host.url,
    VE_SCORER_TOKEN: String(op.token),
    VE_CHAIN_RPC: ctx.chain.rpcUrl,
    VE_CHAIN_PREFIX: ctx.chain.prefix,
    VE_SCORER_OPERATOR_MNEMONIC: ctx.chain.accounts.validator!.mnemonic,
  };
  return exportPrivateKey(validatorKey.privateKey).then(
    (raw) =>
      new Promise((resolve) => {
        execFile(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/scorer.ts"), "--once"], { env: { ...env, VE_SCORER_KEY: b64urlEncode(raw) }, cwd: ROOT, timeout: 180_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      }),
  );
}

test("a verified scope reaches x/veid sealed to the validator's key, and a score round opens", async () => {
  const { chain } = ctx;
  const scope = await enableTotp(user);
  scopeUuid = scope.uuid;
  const rows = await veidRows(wallet());
  assert.deepEqual(
    rows.map((r) => r.kind),
    [VEID_KINDS.submitted, VEID_KINDS.requested],
  );
  const submit = rows[0]!;
  assert.equal(submit.ref, scopeUuid);
  // Only the commitment goes on chain: hash, opaque key, keys, expiry.
  assert.deepEqual(Object.keys(submit.payload as object).sort(), ["contentHash", "expiresAt", "objectKey", "owner", "scopeId", "scopeType", "sealedTo"]);
  const p = submit.payload as { objectKey: string; contentHash: { $b64: string }; sealedTo: { validator: string; keyVersion: number }[]; scopeType: number };
  assert.equal(p.scopeType, 4);
  // The sealed record opens with the validator's key and hashes to the committed content hash.
  const stored = new Uint8Array(await (await host.blobs.get(p.objectKey))!.arrayBuffer());
  const opened = await open(stored, { key: validatorKey, context: { kind: SCOPE_EVIDENCE_KIND, recordId: scopeUuid, version: 1 } });
  assert.ok(opened.ok);
  const committed = Buffer.from(p.contentHash.$b64, "base64").toString("hex");
  assert.equal(createHash("sha256").update(opened.value.plaintext).digest("hex"), committed);
  const record = JSON.parse(new TextDecoder().decode(opened.value.plaintext));
  assert.equal(record.kind, "totp");
  assert.equal(record.scope, scopeUuid);

  await waitFor("the scope and the request committed", async () => (await veidRows(wallet())).every((r) => r.state === "committed"), cron);
  const onChain = (await veid().Scopes({ account: wallet() })).scopes;
  assert.equal(onChain.length, 1);
  assert.equal(onChain[0]!.scopeId, scopeUuid);
  assert.equal(hex(onChain[0]!.contentHash), committed);
  assert.deepEqual(
    onChain[0]!.sealedTo.map((s) => [s.validator, s.keyVersion]),
    p.sealedTo.map((s) => [s.validator, s.keyVersion]),
  );
  assert.match(onChain[0]!.sealedTo[0]!.validator, new RegExp(`^${chain.prefix}valoper1`));

  const round = await waitFor("the indexer mirrors the open round", async () => db().select().from(chainVeidRounds).where(eq(chainVeidRounds.account, wallet())).get(), cron);
  assert.equal(round.state, "open");
  firstRound = round.roundId;
  assert.equal((await veid().Round({ id: BigInt(firstRound) })).round?.state, RoundState.OPEN);

  // Before any round is decided the API shows the round and no agreed score.
  const view = await user.expect(200, user.get("/api/identity/score/"));
  assert.equal(view.wallet_address, wallet());
  assert.equal(view.score, null);
  assert.equal(view.round.round_id, firstRound);
  assert.equal(view.round.state, "open");
});

test("an attestation with an unapproved pipeline hash is refused (code 17) and changes nothing", async () => {
  const s = await operatorSigner(ctx.chain.rpcUrl, ctx.chain.accounts.validator!.mnemonic, ctx.chain.prefix);
  try {
    const res = await attestScore(s, firstRound, 77, "ab".repeat(32));
    assert.equal(res.code, 17, res.rawLog);
    assert.match(res.rawLog ?? "", /not approved/);
  } finally {
    s.client.disconnect();
  }
  const round = (await veid().Round({ id: BigInt(firstRound) })).round!;
  assert.equal(round.state, RoundState.OPEN);
  assert.deepEqual(round.attestations, []);
  await cron();
  assert.equal((await roundRow(firstRound))?.state, "open");
  assert.deepEqual(await db().select().from(chainVeidAttestations).all(), []);
});

test("the scorer attests with the approved hash; the round finalizes with the model's score, which the API shows", async () => {
  const r = await runScorer();
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /scorer: chain attested=1 /);
  const holder = (await db().select({ id: users.id }).from(users).where(eq(users.uuid, user.uuid)).get())!;
  const local = await db().select().from(identityScores).where(eq(identityScores.userId, holder.id)).get();
  assert.ok(local, "the scorer posted the model's score");

  const round = (await veid().Round({ id: BigInt(firstRound) })).round!;
  assert.equal(round.state, RoundState.FINALIZED);
  assert.equal(round.score, local.score);
  assert.equal(round.attestations.length, 1);
  assert.equal(hex(round.attestations[0]!.modelHash), (await pipelineVersion()).hash);
  assert.equal((await veid().Score({ account: wallet() })).score?.score, local.score);

  const mirrored = await waitFor("the indexer mirrors the decision", async () => ((await roundRow(firstRound))?.state === "finalized" ? roundRow(firstRound) : undefined), cron);
  assert.equal(mirrored!.score, local.score);
  assert.equal(mirrored!.attesters, 1);
  assert.equal(mirrored!.disputed, false);
  const view = await user.expect(200, user.get("/api/identity/score/"));
  assert.equal(view.chain_state, "on-chain");
  assert.equal(view.score.score, local.score);
  assert.equal(view.score.round_id, firstRound);
  assert.equal(view.score.how, "finalized");
  assert.equal(view.round.state, "finalized");
  assert.equal(view.pending_score, null);

  // Nothing open any more: a second pass attests nothing and does not fail.
  const again = await runScorer();
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /scorer: chain attested=0 /);
});

test("a capture opens a new round; a second request meanwhile is refused as expected; a bad hash is logged, not fatal; erasure revokes", async () => {
  const device = await registerDevice(user);
  const doc = await upload(user, device, { scope: "id_document", image: fixture("img1.jpg") });
  assert.equal(doc.status, 201, JSON.stringify(doc.body));
  const submit = (await db().select().from(chainOutbox).where(and(eq(chainOutbox.ref, doc.body.uuid), eq(chainOutbox.kind, VEID_KINDS.submitted))).get())!;
  assert.equal((submit.payload as { scopeType: number }).scopeType, 6);
  const second = await waitFor(
    "a second round opens",
    async () => db().select().from(chainVeidRounds).where(and(eq(chainVeidRounds.account, wallet()), eq(chainVeidRounds.state, "open"))).get(),
    cron,
  );
  assert.notEqual(second.roundId, firstRound);

  // Another scope while that round is open: the chain refuses the request (ErrRoundOpen), which is fine.
  const selfie = await upload(user, device, { scope: "selfie" });
  assert.equal(selfie.status, 201, JSON.stringify(selfie.body));
  await waitFor("the selfie's records settle", async () => (await veidRows(wallet())).every((r) => r.state === "committed" || r.state === "failed"), cron);
  const rows = await veidRows(wallet());
  const refused = rows.filter((r) => r.state === "failed");
  assert.deepEqual(
    refused.map((r) => [r.kind, r.chainCodespace, r.chainCode]),
    [[VEID_KINDS.requested, "veid", 8]],
  );
  const view = await user.expect(200, user.get("/api/identity/score/"));
  assert.ok(view.requests.some((q: { state: string }) => q.state === "round_already_open"));
  assert.ok(!view.requests.some((q: { state: string }) => q.state === "failed"));

  // A refused attestation is reported and the pass completes.
  const logs: string[] = [];
  const report = await attestOpenRounds({
    apiUrl: host.url,
    token: String(op.token),
    rpcUrl: ctx.chain.rpcUrl,
    mnemonic: ctx.chain.accounts.validator!.mnemonic,
    prefix: ctx.chain.prefix,
    modelHash: "cd".repeat(32),
    log: (l) => logs.push(l),
  });
  assert.deepEqual(
    report.refused.map((x) => [x.round, x.codespace, x.code]),
    [[second.roundId, "veid", 17]],
  );
  assert.match(logs.join("\n"), new RegExp(`refused the attestation of round ${second.roundId} \\(veid code 17\\)`));
  assert.deepEqual((await veid().Round({ id: BigInt(second.roundId) })).round?.attestations, []);

  // Erasure withdraws the capture's commitment.
  await user.expect(204, user.delete(`/api/identity/captures/${doc.body.uuid}/`));
  await waitFor("the revocation commits", async () => (await veidRows(wallet())).some((r) => r.kind === VEID_KINDS.revoked && r.state === "committed"), cron);
  const scopes = (await veid().Scopes({ account: wallet() })).scopes;
  assert.equal(scopes.find((s) => s.scopeId === doc.body.uuid)?.revoked, true);
  assert.equal(scopes.find((s) => s.scopeId === scopeUuid)?.revoked, false);
});

test("a user without a wallet verifies off chain: a note, no record, no error", async () => {
  const plain = await userApi(host, "veidnowallet");
  const scope = await enableTotp(plain);
  const notes = await db().select().from(chainOffchain).where(eq(chainOffchain.ref, scope.uuid)).all();
  assert.deepEqual(
    notes.map((n) => [n.kind, n.reason]),
    [[VEID_KINDS.submitted, "no_customer_wallet"]],
  );
  assert.deepEqual(await db().select().from(chainOutbox).where(eq(chainOutbox.ref, scope.uuid)).all(), []);
  const view = await plain.expect(200, plain.get("/api/identity/score/"));
  assert.equal(view.chain_state, "off-chain");
  assert.equal(view.offchain_reason, "no_customer_wallet");
  assert.equal(view.score, null);
});

test("the round listing is for identity validators only; the score needs a login", async () => {
  assert.equal((await user.get("/api/identity/score/rounds/")).status, 403);
  assert.equal((await new (user.constructor as typeof Api)(host).get("/api/identity/score/")).status, 401);
  const listed = await op.expect(200, op.get("/api/identity/score/rounds/"));
  assert.ok(Array.isArray(listed));
  for (const r of listed) assert.equal(typeof r.round_id, "number");
});
