// Issue 7 leftovers on a real localnet: an account asks for a new score round after its last round
// expired or was decided (POST /api/identity/score/request/), refused with the reason while a round
// is open, a request is on its way, or nothing can be scored; and GET /api/identity/score/ shows
// rounds and agreed scores without the cron (no scheduled() call anywhere in this file: the reads
// index new blocks themselves).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { ensureEncryptionKeyRegistered } from "../../src/bridge/chain/identity-keys.ts";
import { VEID_KINDS } from "../../src/bridge/chain/veid.ts";
import { generateKeyPair } from "../../src/crypto/keys.ts";
import { chainOutbox } from "../../src/db/schema/index.ts";
import { base32Decode, hotp, timeStep } from "../../src/identity/scopes/totp.ts";
import { attestScore, operatorSigner } from "../../src/identity/scoring/chain-attest.ts";
import { pipelineVersion } from "../../src/identity/scoring/pipeline.ts";
import { Api, dbOf, userApi } from "../helpers/api.ts";
import { type Chain, linkWallet, startChain, waitFor } from "../helpers/chain.ts";

const ctx = {} as { chain: Chain; stop?: () => Promise<void> };
let host: WorkerHost;
let user: Api & { uuid: string };
const REQUEST = "/api/identity/score/request/";
// Polling only: nothing here runs the cron, so whatever the view shows came from the read path.
const noCron = async () => {};

before(async () => {
  const started = await startChain();
  ctx.chain = started.chain;
  ctx.stop = started.stop;
  const { chain } = ctx;
  // Scope evidence is sealed to the bonded validators' keys: the localnet validator needs one.
  const validatorKey = await generateKeyPair();
  await ensureEncryptionKeyRegistered({ rpcUrl: chain.rpcUrl, mnemonic: chain.accounts.validator!.mnemonic, publicKey: validatorKey.publicKey, prefix: chain.prefix });
  host = await startWorkerHost({ vars: chain.env() });
  user = await userApi(host, "rescored");
  await linkWallet(user, chain.accounts.customer1!, chain.prefix);
});
after(async () => {
  await host?.dispose();
  await ctx.stop?.();
});

const view = () => user.expect(200, user.get("/api/identity/score/"));
const requestRows = () =>
  dbOf(host)
    .select()
    .from(chainOutbox)
    .where(eq(chainOutbox.signer, ctx.chain.accounts.customer1!.address))
    .then((rows) => rows.filter((r) => r.kind === VEID_KINDS.requested));

test("refusals: a login, a wallet and a scope on chain are needed", async () => {
  assert.equal((await new Api(host).post(REQUEST)).status, 401);
  const plain = await userApi(host, "nowallet");
  const noWallet = await plain.post(REQUEST);
  assert.equal(noWallet.status, 400);
  assert.match(noWallet.body.wallet_address[0], /Link a wallet/);
  const noScope = await user.post(REQUEST);
  assert.equal(noScope.status, 409);
  assert.match(noScope.body.detail, /No identity scope/);
  assert.deepEqual(await requestRows(), [], "a refused request writes nothing");
});

let firstRound: number;

test("a verified scope opens a round, which the score view shows without the cron; a request meanwhile is refused", async () => {
  const s = await user.expect(200, user.post("/api/identity/totp/setup/"));
  await user.expect(200, user.post("/api/identity/totp/confirm/", { code: await hotp(base32Decode(s.secret), timeStep(Date.now() / 1000)) }));
  const open = await waitFor("the open round in the score view", async () => ((await view()).round?.state === "open" ? view() : undefined), noCron);
  firstRound = open.round.round_id;
  assert.equal(open.chain_state, "pending");
  const refused = await user.post(REQUEST);
  assert.equal(refused.status, 409);
  assert.match(refused.body.detail, new RegExp(`round ${firstRound} is still open`));
  assert.equal((await requestRows()).length, 1, "only the scope's own request");
});

test("after the round expired without attestations, the account requests a new one (no dead end)", { timeout: 240_000 }, async () => {
  // The localnet's attestation window is 50 blocks (about 50 s) and nobody attests.
  const expired = await waitFor("the round expires", async () => ((await view()).round?.state === "expired" ? view() : undefined), noCron, 180_000);
  assert.equal(expired.round.round_id, firstRound);
  assert.equal(expired.score, null);
  const req = await user.expect(202, user.post(REQUEST));
  assert.equal(req.wallet_address, ctx.chain.accounts.customer1!.address);
  assert.match(req.ref, /^[0-9a-f-]{36}$/);
  assert.ok(["pending", "signed", "committed"].includes(req.state), req.state);
  // A second request while the first is on its way or its round is open: refused, nothing written.
  const again = await user.post(REQUEST);
  assert.equal(again.status, 409, JSON.stringify(again.body));
  const reopened = await waitFor("a new round opens", async () => {
    const v = await view();
    return v.round && v.round.round_id !== firstRound && v.round.state === "open" ? v : undefined;
  }, noCron);
  assert.ok(reopened.round.round_id > firstRound);
  const rows = await requestRows();
  assert.equal(rows.length, 2);
  assert.equal(rows[1]!.ref, req.ref);
  assert.equal(rows[1]!.state, "committed");
  firstRound = reopened.round.round_id;
});

test("an attested round's agreed score shows right away; after it the account can ask to be scored again", async () => {
  const s = await operatorSigner(ctx.chain.rpcUrl, ctx.chain.accounts.validator!.mnemonic, ctx.chain.prefix);
  try {
    const res = await attestScore(s, firstRound, 64, (await pipelineVersion()).hash);
    assert.equal(res.code, 0, res.rawLog);
  } finally {
    s.client.disconnect();
  }
  const agreed = await waitFor("the agreed score in the view", async () => ((await view()).chain_state === "on-chain" ? view() : undefined), noCron, 30_000);
  assert.equal(agreed.score.score, 64);
  assert.equal(agreed.score.round_id, firstRound);
  assert.equal(agreed.round.state, "finalized");

  await user.expect(202, user.post(REQUEST));
  const next = await waitFor("another round opens", async () => {
    const v = await view();
    return v.round?.round_id !== firstRound && v.round?.state === "open" ? v : undefined;
  }, noCron);
  // The agreed score stays shown while the next round runs.
  assert.equal(next.score.score, 64);
  assert.equal(next.chain_state, "on-chain");
});

test("without a chain, a request is refused (503) rather than queued for nobody", async () => {
  const offChain = await startWorkerHost();
  try {
    const u = await userApi(offChain, "offchain");
    const r = await u.post(REQUEST);
    assert.equal(r.status, 503);
    assert.match(r.body.detail, /No chain is connected/);
    assert.deepEqual(await dbOf(offChain).select().from(chainOutbox).all(), []);
  } finally {
    await offChain.dispose();
  }
});
