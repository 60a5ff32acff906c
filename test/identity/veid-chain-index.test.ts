// The indexer's x/veid section and the review trigger, on a D1 (Miniflare) fed with blocks shaped
// as the node serves them (typed events: JSON-encoded fields, enums by name, uint64 as strings):
// rounds, attestations and the agreed score are mirrored idempotently, a failed tx is ignored, and
// a disputed or borderline decided round queues one review of the account's latest pair.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { toBech32 } from "@cosmjs/encoding";
import { and, eq } from "drizzle-orm";
import { type BlockSource, indexChain } from "../../src/bridge/chain/indexer.ts";
import type { ChainBlock, ChainEvent } from "../../src/bridge/chain/subscribe.ts";
import { queueChainRoundReviews, requestAfterRefusals, VEID_KINDS } from "../../src/bridge/chain/veid.ts";
import { chainOutbox, chainVeidAttestations, chainVeidRounds, chainVeidScores, identityCaptures, identityDeviceKeys, identityReviews, users } from "../../src/db/schema/index.ts";
import type { Db } from "../../src/app-env.ts";
import { startD1, type TestDb } from "../helpers/chain.ts";

const A = toBech32("virtengine", new Uint8Array(20).fill(1));
const B = toBech32("virtengine", new Uint8Array(20).fill(2));
const C = toBech32("virtengine", new Uint8Array(20).fill(3));
const V1 = "virtenginevaloper1aaaa";
const V2 = "virtenginevaloper1bbbb";

let d: Awaited<ReturnType<typeof startD1>>;
let db: TestDb;
before(async () => {
  d = await startD1();
  db = d.db;
});
after(async () => {
  await d?.mf.dispose();
});

const ev = (type: string, fields: Record<string, unknown>): ChainEvent => ({
  type: `virtengine.veid.v1.${type}`,
  attributes: Object.entries(fields).map(([key, v]) => ({ key, value: JSON.stringify(v) })),
});
const tx = (events: ChainEvent[], code = 0) => ({ hash: "AB".repeat(32), tx: new Uint8Array(), code, codespace: code ? "veid" : "", log: "", data: new Uint8Array(), gasWanted: 0, gasUsed: 0, events });

const blocks: ChainBlock[] = [
  { height: 1, time: "", txs: [], events: [] },
  // Round 1 for A; a failed tx's events are not mirrored.
  { height: 2, time: "", txs: [tx([ev("EventScoreRequested", { round_id: "1", account: A, deadline: "12" })]), tx([ev("EventScoreRequested", { round_id: "9", account: B, deadline: "12" })], 8)], events: [] },
  // Two attestations far apart; the second finalizes the round as disputed at 51.
  {
    height: 3,
    time: "",
    txs: [
      tx([ev("EventScoreAttested", { round_id: "1", validator: V1, score: 51 })]),
      tx([
        ev("EventScoreAttested", { round_id: "1", validator: V2, score: 90 }),
        ev("EventScoreFinalized", { round_id: "1", account: A, score: 51, how: "ROUND_STATE_FINALIZED", attesters: 2, disputed: true }),
      ]),
    ],
    events: [],
  },
  // Round 2 for B expires at its deadline (a block event); round 3 for B is decided at its deadline, far from any threshold.
  { height: 4, time: "", txs: [tx([ev("EventScoreRequested", { round_id: "2", account: B, deadline: "5" })])], events: [] },
  { height: 5, time: "", txs: [], events: [ev("EventRoundExpired", { round_id: "2", account: B })] },
  { height: 6, time: "", txs: [tx([ev("EventScoreRequested", { round_id: "3", account: B, deadline: "7" })]), tx([ev("EventScoreAttested", { round_id: "3", validator: V1, score: 12 })])], events: [] },
  { height: 7, time: "", txs: [], events: [ev("EventScoreFinalized", { round_id: "3", account: B, score: 12, how: "ROUND_STATE_FINALIZED_AT_DEADLINE", attesters: 1, disputed: false })] },
];

const source: BlockSource = {
  chainId: async () => "veid-test",
  heights: async () => ({ latest: blocks.length, earliest: 1 }),
  block: async (h) => blocks[h - 1]!,
};

const snapshot = async () => ({
  rounds: await db.select().from(chainVeidRounds).orderBy(chainVeidRounds.roundId).all(),
  attestations: await db.select().from(chainVeidAttestations).orderBy(chainVeidAttestations.roundId, chainVeidAttestations.validator).all(),
  scores: await db.select().from(chainVeidScores).orderBy(chainVeidScores.roundId).all(),
});

test("rounds, attestations and agreed scores are mirrored, and indexing again changes nothing", async () => {
  const r = await indexChain(db, source);
  assert.equal(r.to, 7);
  const s = await snapshot();
  assert.deepEqual(
    s.rounds.map((x) => [x.roundId, x.account, x.state, x.score, x.disputed, x.attesters, x.deadline]),
    [
      [1, A, "finalized", 51, true, 2, 12],
      [2, B, "expired", null, false, 0, 5],
      [3, B, "finalized_at_deadline", 12, false, 1, 7],
    ],
  );
  assert.deepEqual(
    s.attestations.map((x) => [x.roundId, x.validator, x.score]),
    [
      [1, V1, 51],
      [1, V2, 90],
      [3, V1, 12],
    ],
  );
  assert.deepEqual(
    s.scores.map((x) => [x.account, x.score, x.roundId, x.how, x.disputed]),
    [
      [A, 51, 1, "finalized", true],
      [B, 12, 3, "finalized_at_deadline", false],
    ],
  );
  await indexChain(db, source, { fromHeight: 1 });
  assert.deepEqual(await snapshot(), s);
});

test("a disputed round queues one review of the account's latest pair; a clear one queues none", async () => {
  const now = new Date().toISOString();
  const [ua] = await db
    .insert(users)
    .values({ uuid: "a".repeat(32), username: "veid-a", slug: "veid-a", walletAddress: A, dateJoined: now, modified: now } as never)
    .returning();
  await db.insert(users).values({ uuid: "b".repeat(32), username: "veid-b", slug: "veid-b", walletAddress: B, dateJoined: now, modified: now } as never);
  const [dev] = await db
    .insert(identityDeviceKeys)
    .values({ uuid: "d".repeat(32), userId: ua!.id, algorithm: "Ed25519", publicKey: "x", created: now, modified: now } as never)
    .returning();
  for (const [i, scope] of (["id_document", "selfie"] as const).entries()) {
    await db.insert(identityCaptures).values({
      uuid: String(i).repeat(32),
      userId: ua!.id,
      scope,
      deviceKeyId: dev!.id,
      imageHash: "0".repeat(64),
      format: "jpeg",
      capturedAt: now,
      objectKey: `identity/captures/x/${i}.veenv`,
      envelopeSha256: "0".repeat(64),
      size: 1,
      sealedTo: [],
      created: now,
    } as never);
  }
  const env = { VE_MODE: "local", VE_IDENTITY_REVIEW_SCORE_THRESHOLDS: "80", VE_IDENTITY_REVIEW_SCORE_MARGIN: "5" } as never;
  assert.equal(await queueChainRoundReviews(db as unknown as Db, env), 1);
  const reviews = await db.select().from(identityReviews).all();
  assert.deepEqual(
    reviews.map((r) => [r.userId, r.trigger, r.status]),
    [[ua!.id, "borderline", "queued"]],
  );
  // Round 1 is stamped; round 3 (12, not disputed, far from 80) was never a candidate.
  const rounds = await db.select().from(chainVeidRounds).orderBy(chainVeidRounds.roundId).all();
  assert.deepEqual(
    rounds.map((r) => [r.roundId, r.reviewQueued !== null]),
    [
      [1, true],
      [2, false],
      [3, false],
    ],
  );
  // Looked at once: a second pass queues nothing.
  assert.equal(await queueChainRoundReviews(db as unknown as Db, env), 0);
  assert.equal((await db.select().from(identityReviews).all()).length, 1);
  assert.ok(await db.select().from(users).where(eq(users.walletAddress, B)).get());
});

test("a request refused while a round was open is made again once no round is open, once", async () => {
  const now = new Date().toISOString();
  let n = 0;
  const request = (signer: string, state: "failed" | "committed", code: number | null) => ({
    uuid: crypto.randomUUID(),
    kind: VEID_KINDS.requested,
    ref: crypto.randomUUID(),
    signer,
    typeUrl: "/virtengine.veid.v1.MsgRequestScore",
    payload: { owner: signer, n: n++ },
    state,
    chainCodespace: code === null ? null : "veid",
    chainCode: code,
    created: now,
    modified: now,
  });
  // C's round is still open; B's refusal was followed by a request that went through.
  await db.insert(chainVeidRounds).values({ chainId: "veid-test", roundId: 4, account: C, state: "open", deadline: 99, openedHeight: 8, height: 8 });
  await db.insert(chainOutbox).values([request(A, "failed", 8), request(C, "failed", 8), request(B, "failed", 8), request(B, "committed", null), request(A, "failed", 17)] as never);
  // A's latest request was refused for another reason (17 here): not a round-open refusal, nothing to redo.
  assert.equal(await requestAfterRefusals(db), 0);
  await db.delete(chainOutbox).where(and(eq(chainOutbox.signer, A), eq(chainOutbox.chainCode, 17)));
  assert.equal(await requestAfterRefusals(db), 1);
  const pending = await db.select().from(chainOutbox).where(eq(chainOutbox.state, "pending")).all();
  assert.deepEqual(
    pending.map((r) => [r.kind, r.signer, r.payload]),
    [[VEID_KINDS.requested, A, { owner: A }]],
  );
  assert.equal(await requestAfterRefusals(db), 0);
});
