// What identity changes write to the chain outbox for x/veid: a scope committed (MsgSubmitScope:
// content hash, opaque object key and the validator keys the evidence is sealed to, never the
// evidence), a scope revoked after erasure (MsgRevokeScope), and a request for a new score round
// whenever the account's scopes changed (MsgRequestScore). Every function returns batch items for
// the caller's own db.batch, next to the state change, like marketplace.ts.
//
// Who signs: the user's linked wallet address, through its x/authz grant to the bridge account
// (bridgeMsgTypes covers the three Msgs). A user without a wallet gets one chain_offchain note per
// scope (reason no_customer_wallet): the verification itself still happens.
//
// Score requests. The chain keeps one open round per account and refuses a second (ErrRoundOpen,
// code 8): that refusal is expected, not an error. Each request therefore has a ref of its own, so a
// refused request never holds back a later record of the same scope; it is written after the
// scope's record in the same batch, and the sender broadcasts rows in id order at consecutive
// sequences, so the chain sees the scope before the request. A second request is not written while
// one still waits in the outbox.
import { and, asc, eq, inArray, ne, or, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { chainOutbox } from "../../db/schema/chain.ts";
import { chainVeidRounds, chainVeidScores } from "../../db/schema/chain-index.ts";
import { users } from "../../db/schema/structure.ts";
import type { Db } from "../../app-env.ts";
import { type LifecycleSecretEnv, scoreBand } from "../../identity/lifecycle/config.ts";
import { queueLatestPair } from "../../identity/lifecycle/reviews.ts";
import { ALWAYS } from "./marketplace.ts";
import { offchainInsertWhen, type OffchainNote, outboxInsertWhen } from "./outbox.ts";
import { BECH32_PREFIX } from "./client.ts";
import { ChainRecordError, chainRecords, type OutboxRecord } from "./records.ts";
import { fromBech32 } from "@cosmjs/encoding";

// biome-ignore lint/suspicious/noExplicitAny: any schema that includes the chain tables
type AnyDb = DrizzleD1Database<any>;
type Item = BatchItem<"sqlite">;

export const VEID_KINDS = {
  submitted: "identity.scope_submitted",
  revoked: "identity.scope_revoked",
  requested: "identity.score_requested",
} as const;

/** x/veid error codes the API tells apart (chain/x/veid/types/errors.go). */
export const VEID_CODES = { roundOpen: 8, unapprovedPipeline: 17 } as const;

const VEID_TX = "/virtengine.veid.v1.";

export type VeidScopeType = Parameters<typeof chainRecords.scopeSubmitted>[0]["scopeType"];

/** One scope's commitment as written to x/veid. */
export interface ScopeCommit {
  /** The API record it commits (scope or capture uuid); also the scope id on chain. */
  scopeUuid: string;
  scopeType: VeidScopeType;
  /** Opaque R2 key of the sealed evidence. */
  objectKey: string;
  /** Hex sha-256 committing to the evidence. */
  contentHash: string;
  sealedTo: { validator: string; keyVersion: number }[];
  /** Unix seconds after which validators may drop the evidence. */
  expiresAt: number;
}

function owner(v: string, what: string): string {
  try {
    if (fromBech32(v, 90).prefix !== BECH32_PREFIX) throw new Error("prefix");
  } catch {
    throw new ChainRecordError(`${what} must be a ${BECH32_PREFIX}1… address`);
  }
  return v;
}

export const veidRecords = {
  /** The owner withdraws a scope (its evidence was erased or the scope revoked). */
  scopeRevoked(e: { owner: string; scopeUuid: string }): OutboxRecord {
    return {
      kind: VEID_KINDS.revoked,
      ref: e.scopeUuid,
      signer: owner(e.owner, "owner"),
      typeUrl: `${VEID_TX}MsgRevokeScope`,
      payload: { owner: e.owner, scopeId: e.scopeUuid },
    };
  },
  /** A new score round for the owner; `ref` is a fresh uuid (see the module note). */
  scoreRequested(e: { owner: string; ref: string }): OutboxRecord {
    return { kind: VEID_KINDS.requested, ref: e.ref, signer: owner(e.owner, "owner"), typeUrl: `${VEID_TX}MsgRequestScore`, payload: { owner: e.owner } };
  },
};

/** The user's linked wallet address, or null. */
export async function walletOf(db: AnyDb, userId: number): Promise<string | null> {
  const row = await db.select({ a: users.walletAddress }).from(users).where(eq(users.id, userId)).get();
  return row?.a ?? null;
}

/** The score the chain agreed on for an address (latest decided round the indexer saw), or null. */
export async function agreedScoreOf(db: AnyDb, wallet: string): Promise<number | null> {
  const row = await db
    .select({ score: chainVeidScores.score })
    .from(chainVeidScores)
    .where(eq(chainVeidScores.account, wallet))
    .orderBy(sql`${chainVeidScores.height} desc`)
    .get();
  return row?.score ?? null;
}

/** A note that the scope's commitment stays off chain. */
export function veidOffchainItems(db: AnyDb, note: Omit<OffchainNote, "kind"> & { kind?: string }, guard: SQL = ALWAYS): Item[] {
  return [offchainInsertWhen(db, { kind: VEID_KINDS.submitted, ...note }, guard)];
}

/** No score request of this owner waits in the outbox. */
const noPendingRequest = (signer: string) =>
  sql`not exists (select 1 from ${chainOutbox} where ${chainOutbox.kind} = ${VEID_KINDS.requested} and ${chainOutbox.signer} = ${signer} and ${chainOutbox.state} in ('pending', 'signed'))`;

function requestItem(db: AnyDb, signer: string, guard: SQL): Item {
  return outboxInsertWhen(db, veidRecords.scoreRequested({ owner: signer, ref: crypto.randomUUID() }), and(guard, noPendingRequest(signer)) as SQL);
}

/**
 * A scope was verified or a capture stored: its commitment, then a score request. `wallet` null
 * means the user has no linked wallet: an off-chain note instead.
 */
export function veidScopeItems(db: AnyDb, wallet: string | null, c: ScopeCommit, guard: SQL = ALWAYS): Item[] {
  if (!wallet) return veidOffchainItems(db, { ref: c.scopeUuid, reason: "no_customer_wallet", detail: "the account has no linked wallet" }, guard);
  let rec: OutboxRecord;
  try {
    rec = chainRecords.scopeSubmitted({ owner: wallet, ...c });
  } catch (e) {
    if (!(e instanceof ChainRecordError)) throw e;
    return veidOffchainItems(db, { ref: c.scopeUuid, reason: "not_representable", detail: e.message }, guard);
  }
  return [outboxInsertWhen(db, rec, guard), requestItem(db, rec.signer, guard)];
}

/** The address a scope was committed for (the signer of its first live submit record), if any. */
async function committedBy(db: AnyDb, scopeUuid: string): Promise<string | null> {
  const row = await db
    .select({ signer: chainOutbox.signer })
    .from(chainOutbox)
    .where(and(eq(chainOutbox.ref, scopeUuid.toLowerCase()), eq(chainOutbox.kind, VEID_KINDS.submitted), ne(chainOutbox.state, "failed")))
    .orderBy(asc(chainOutbox.id))
    .get();
  return row?.signer ?? null;
}

/**
 * The scope's evidence was erased or the scope revoked: MsgRevokeScope for the address it was
 * committed for, then a score request. Nothing when it never went on chain.
 */
export async function veidRevokeItems(db: AnyDb, scopeUuid: string, guard: SQL = ALWAYS): Promise<Item[]> {
  const signer = await committedBy(db, scopeUuid);
  if (!signer) return [];
  const ref = scopeUuid.toLowerCase();
  const notRevoked = sql`not exists (select 1 from ${chainOutbox} where ${chainOutbox.ref} = ${ref} and ${chainOutbox.kind} = ${VEID_KINDS.revoked} and ${chainOutbox.state} != 'failed')`;
  const once = and(guard, notRevoked) as SQL;
  return [outboxInsertWhen(db, veidRecords.scopeRevoked({ owner: signer, scopeUuid: ref }), once), requestItem(db, signer, once)];
}

/** The owner's x/veid outbox rows, newest first (for the score view). */
export function veidOutboxFor(db: AnyDb, wallet: string, limit = 20) {
  return db
    .select()
    .from(chainOutbox)
    .where(and(eq(chainOutbox.signer, wallet), inArray(chainOutbox.kind, Object.values(VEID_KINDS))))
    .orderBy(sql`${chainOutbox.id} desc`)
    .limit(limit);
}

/** A request the chain refused because a round was already open: expected, shown as such. */
export const refusedAsOpen = (row: { state: string; chainCodespace?: string | null; chainCode?: number | null }) =>
  row.state === "failed" && row.chainCodespace === "veid" && row.chainCode === VEID_CODES.roundOpen;

/** Rounds of the indexed chain(s) for an address, newest first. */
export function roundsOf(db: AnyDb, account: string, limit = 50) {
  return db.select().from(chainVeidRounds).where(eq(chainVeidRounds.account, account)).orderBy(sql`${chainVeidRounds.roundId} desc`).limit(limit);
}

/**
 * The review queue's chain trigger: a decided round that was disputed (attestations disagreed
 * beyond the chain's tolerance) or whose agreed score is within the review margin of a threshold
 * queues a manual review of the account's latest document/selfie pair (reviews.ts). Each round is
 * looked at once (review_queued is stamped even when the account has no pair to review).
 */
export async function queueChainRoundReviews(db: Db, env: LifecycleSecretEnv, now = new Date()): Promise<number> {
  const { thresholds, margin } = scoreBand(env);
  const r = chainVeidRounds;
  const near = thresholds.map((t) => sql`abs(${r.score} - ${t}) <= ${margin}`);
  const rows = await db
    .select()
    .from(r)
    .where(and(sql`${r.reviewQueued} is null`, inArray(r.state, ["finalized", "finalized_at_deadline"]), or(eq(r.disputed, true), ...near)))
    .limit(100)
    .all();
  let queued = 0;
  for (const row of rows) {
    const user = await db.select({ id: users.id }).from(users).where(eq(users.walletAddress, row.account)).get();
    const t = thresholds.find((x) => Math.abs((row.score ?? 0) - x) <= margin);
    const note = row.disputed
      ? `Chain round ${row.roundId} was disputed: validators' scores disagreed beyond the tolerance (agreed ${row.score}).`
      : `Chain round ${row.roundId} agreed on ${row.score}, within ${margin} of the threshold ${t}.`;
    if (user && (await queueLatestPair(db, env, user.id, "borderline", note))) queued++;
    await db
      .update(r)
      .set({ reviewQueued: now.toISOString() })
      .where(and(eq(r.chainId, row.chainId), eq(r.roundId, row.roundId)));
  }
  return queued;
}

/**
 * A score request the chain refused because a round was open (code 8) came from a scope change
 * that round may not have seen: once the indexer shows no open round for the account, one new
 * request is written (the refused row is then no longer the account's latest request).
 */
export async function requestAfterRefusals(db: AnyDb): Promise<number> {
  const rows = await db.all<{ signer: string }>(sql`
    SELECT DISTINCT o.signer AS signer FROM chain_outbox o
    WHERE o.kind = ${VEID_KINDS.requested} AND o.state = 'failed' AND o.chain_codespace = 'veid' AND o.chain_code = ${VEID_CODES.roundOpen}
      AND NOT EXISTS (SELECT 1 FROM chain_outbox l WHERE l.kind = ${VEID_KINDS.requested} AND l.signer = o.signer AND l.id > o.id)
      AND EXISTS (SELECT 1 FROM chain_veid_rounds r WHERE r.account = o.signer)
      AND NOT EXISTS (SELECT 1 FROM chain_veid_rounds r WHERE r.account = o.signer AND r.state = 'open')
    LIMIT 100`);
  for (const r of rows) await db.batch([requestItem(db, r.signer, ALWAYS)]);
  return rows.length;
}

/** The cron's x/veid follow-ups: reviews of decided rounds, and requests the chain refused while a round was open. */
export async function veidCron(db: Db, env: LifecycleSecretEnv): Promise<{ reviews: number; requests: number }> {
  const requests = await requestAfterRefusals(db);
  return { reviews: await queueChainRoundReviews(db, env), requests };
}
