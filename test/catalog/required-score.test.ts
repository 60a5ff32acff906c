// Issue 7: an offering's required_identity_score (0..100) is set by its provider, shown in both
// offering views, carried in the x/market record, and refuses Create orders of customers whose
// identity score (agreed on chain, else latest local, else 0) is below it.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { toBech32 } from "@cosmjs/encoding";
import { and, eq } from "drizzle-orm";
import { BECH32_PREFIX } from "../../src/bridge/chain/client.ts";
import { chainOutbox } from "../../src/db/schema/chain.ts";
import { chainVeidScores } from "../../src/db/schema/chain-index.ts";
import { identityScores, users } from "../../src/db/schema/index.ts";
import { newUuid, nowIso } from "../../src/http/ids.ts";
import { dbOf, type Json } from "../helpers/api.ts";
import { activateOffering, createProvider } from "../helpers/catalog.ts";
import { orderBody, orderFixture } from "../helpers/orders.ts";
import { useWorker } from "../helpers/worker.ts";

const w = useWorker();
const PROVIDER = "/api/marketplace-provider-offerings";

const offeringBody = (f: Json, extra: Json = {}) => ({
  name: `Scored ${Math.random().toString(36).slice(2, 8)}`,
  category: f.category.url,
  customer: f.customer.url,
  type: "Marketplace.Basic",
  plans: [{ name: "Standard", unit: "month" }],
  ...extra,
});

const userIdOf = async (uuid: string) => (await dbOf(w.host).select({ id: users.id }).from(users).where(eq(users.uuid, uuid)).get())!.id;

async function localScore(userUuid: string, score: number) {
  await dbOf(w.host)
    .insert(identityScores)
    .values({
      uuid: newUuid(),
      userId: await userIdOf(userUuid),
      validator: "test-validator",
      validatorKeyId: "test-key",
      score,
      pipelineVersion: "test-1",
      pipelineHash: "0".repeat(64),
      reasons: [],
      created: nowIso(),
    });
}

const address = () => toBech32(BECH32_PREFIX, randomBytes(20));

async function setRequired(f: Json, uuid: string, score: number) {
  return f.provider.expect(200, f.provider.post(`${PROVIDER}/${uuid}/update_required_identity_score/`, { required_identity_score: score }));
}

test("required_identity_score: set on create (default 0), validated by field, changed by its action, shown in both views", async () => {
  const f = await createProvider(w.host);
  const plain = await f.provider.expect(201, f.provider.post(`${PROVIDER}/`, offeringBody(f)));
  assert.equal(plain.required_identity_score, 0);

  for (const bad of [101, -1, "abc", 2.5, null, true]) {
    const r = await f.provider.post(`${PROVIDER}/`, offeringBody(f, { required_identity_score: bad }));
    assert.equal(r.status, 400, `create with ${JSON.stringify(bad)}`);
    assert.deepEqual(Object.keys(r.body as object), ["required_identity_score"], JSON.stringify(r.body));
  }
  // Refused creates wrote nothing: only the first offering exists.
  const mine = await f.provider.expect(200, f.provider.get(`${PROVIDER}/?customer_uuid=${f.customer.uuid}`));
  assert.deepEqual(
    mine.map((o: Json) => o.uuid),
    [plain.uuid],
  );

  const o = await f.provider.expect(201, f.provider.post(`${PROVIDER}/`, offeringBody(f, { required_identity_score: "60" })));
  assert.equal(o.required_identity_score, 60);
  assert.equal((await f.provider.expect(200, f.provider.get(`${PROVIDER}/${o.uuid}/`))).required_identity_score, 60);

  assert.equal((await setRequired(f, o.uuid, 75)).required_identity_score, 75);
  for (const bad of [101, -1, "abc", undefined]) {
    const r = await f.provider.post(`${PROVIDER}/${o.uuid}/update_required_identity_score/`, bad === undefined ? {} : { required_identity_score: bad });
    assert.equal(r.status, 400, `update with ${JSON.stringify(bad)}`);
    assert.deepEqual(Object.keys(r.body as object), ["required_identity_score"], JSON.stringify(r.body));
  }
  assert.equal((await f.provider.expect(200, f.provider.get(`${PROVIDER}/${o.uuid}/`))).required_identity_score, 75, "a refused update changes nothing");

  // Only the offering's provider may change it.
  const stranger = await orderFixture(w.host);
  assert.equal((await stranger.customerApi.post(`${PROVIDER}/${o.uuid}/update_required_identity_score/`, { required_identity_score: 0 })).status, 404);

  await activateOffering(f, o.uuid);
  const pub = await stranger.customerApi.expect(200, stranger.customerApi.get(`/api/marketplace-public-offerings/${o.uuid}/`));
  assert.equal(pub.required_identity_score, 75);
  const list = await stranger.customerApi.expect(200, stranger.customerApi.get(`/api/marketplace-public-offerings/?uuid_list=${o.uuid}`));
  assert.equal(list[0].required_identity_score, 75);
});

test("the offering's x/market record carries its required identity score", async () => {
  const f = await createProvider(w.host);
  await dbOf(w.host).update(users).set({ walletAddress: address() }).where(eq(users.uuid, f.provider.uuid));
  const o = await f.provider.expect(201, f.provider.post(`${PROVIDER}/`, offeringBody(f, { required_identity_score: 42 })));
  await activateOffering(f, o.uuid);
  const rec = await dbOf(w.host)
    .select()
    .from(chainOutbox)
    .where(and(eq(chainOutbox.ref, o.uuid), eq(chainOutbox.kind, "offering.created")))
    .get();
  assert.ok(rec, "an offering.created outbox record");
  assert.equal(rec.payload.requiredIdentityScore, 42);
});

test("Create orders below the required score are refused naming the offering; a local score at the threshold is accepted", async () => {
  const f = await orderFixture(w.host);
  await setRequired(f, f.offering.uuid, 50);
  const refused = await f.customerApi.post("/api/marketplace-orders/", orderBody(f));
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.body, { offering: ["This offering requires an identity score of at least 50; yours is 0."] });
  const none = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-orders/?project_uuid=${f.project.uuid}`));
  assert.equal(none.length, 0, "a refused order writes nothing");

  await localScore(f.customerApi.uuid, 49);
  const still = await f.customerApi.post("/api/marketplace-orders/", orderBody(f));
  assert.deepEqual(still.body, { offering: ["This offering requires an identity score of at least 50; yours is 49."] });

  // The latest local score counts.
  await localScore(f.customerApi.uuid, 50);
  const ok = await f.customerApi.expect(201, f.customerApi.post("/api/marketplace-orders/", orderBody(f)));
  assert.equal(ok.type, "Create");
});

test("the score the chain agreed on wins over a local one", async () => {
  const f = await orderFixture(w.host);
  await setRequired(f, f.offering.uuid, 60);
  const wallet = address();
  await dbOf(w.host).update(users).set({ walletAddress: wallet }).where(eq(users.uuid, f.customerApi.uuid));
  await localScore(f.customerApi.uuid, 90);
  await dbOf(w.host)
    .insert(chainVeidScores)
    .values({ chainId: "test-chain", account: wallet, score: 40, roundId: 1, how: "finalized", attesters: 3, disputed: false, height: 10 });
  const refused = await f.customerApi.post("/api/marketplace-orders/", orderBody(f));
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.body, { offering: ["This offering requires an identity score of at least 60; yours is 40."] });

  // A later decided round (higher height) is the one that counts.
  await dbOf(w.host)
    .insert(chainVeidScores)
    .values({ chainId: "other-chain", account: wallet, score: 70, roundId: 2, how: "finalized", attesters: 3, disputed: false, height: 20 });
  await f.customerApi.expect(201, f.customerApi.post("/api/marketplace-orders/", orderBody(f)));
});

test("a required score of 0 never blocks, even for an unscored customer", async () => {
  const f = await orderFixture(w.host);
  assert.equal(f.offering.required_identity_score, 0);
  await f.customerApi.expect(201, f.customerApi.post("/api/marketplace-orders/", orderBody(f)));
  // Lowered back to 0 after being raised: orders go through again.
  const g = await orderFixture(w.host);
  await setRequired(g, g.offering.uuid, 30);
  assert.equal((await g.customerApi.post("/api/marketplace-orders/", orderBody(g))).status, 400);
  await setRequired(g, g.offering.uuid, 0);
  await g.customerApi.expect(201, g.customerApi.post("/api/marketplace-orders/", orderBody(g)));
});
