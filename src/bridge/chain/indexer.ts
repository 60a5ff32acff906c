// The indexer: mirrors x/market, x/escrow and x/veid events into D1 read tables (src/db/schema/chain-index.ts),
// block by block from a per-chain cursor. A block's rows and the cursor move in one D1 batch, so a
// crash re-reads at most the block it was on; every write is an upsert keyed by chain ids or by the
// event's place in its block, and state updates never go back to an older height, so indexing a
// range again changes nothing.
import { and, eq, lte, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { chainEscrowEvents, chainIndexCursor, chainOfferings, chainOrders, chainUsage, chainVeidAttestations, chainVeidRounds, chainVeidScores } from "../../db/schema/chain-index.ts";
import { CometHttpClient } from "./client.ts";
import { type ChainBlock, type ChainEvent, fetchBlock, nodeStatus } from "./subscribe.ts";

// biome-ignore lint/suspicious/noExplicitAny: any schema that includes the chain index tables
type AnyDb = DrizzleD1Database<any>;
type Item = BatchItem<"sqlite">;

/** Where blocks come from: the node's JSON-RPC (the same reads the block feed in subscribe.ts makes). */
export interface BlockSource {
  chainId(): Promise<string>;
  /** Latest committed height and the lowest height the node still serves. */
  heights(): Promise<{ latest: number; earliest: number }>;
  block(height: number): Promise<ChainBlock>;
}

export function cometBlockSource(rpcUrl: string): BlockSource {
  const rpc = new CometHttpClient(rpcUrl, { maxInFlight: 4 });
  return {
    chainId: async () => (await nodeStatus(rpc)).chainId,
    heights: () => nodeStatus(rpc),
    block: (height) => fetchBlock(rpc, height),
  };
}

// ------------------------------------------------------------------ decoding typed events

/** Typed events carry their fields JSON-encoded (strings quoted, uint64 as strings, enums by name). */
function attrs(e: ChainEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const a of e.attributes) {
    try {
      out[a.key] = JSON.parse(a.value);
    } catch {
      out[a.key] = a.value;
    }
  }
  return out;
}

const ENUMS: Record<string, string[]> = {
  ORDER_STATE: ["unspecified", "pending_provider", "open", "executing", "done", "erred", "canceled", "rejected"],
  OFFERING_STATE: ["unspecified", "active", "paused", "archived"],
  LEASE_STATE: ["unspecified", "active", "insufficient_funds", "closed"],
};
const REASONS: Record<number, string> = { 0: "unspecified", 1: "customer", 10000: "provider", 10001: "provider_erred", 20000: "insufficient_funds" };

/** ORDER_STATE_EXECUTING (or 3) → "executing". */
function enumName(prefix: string, v: unknown): string {
  if (typeof v === "string" && v.startsWith(`${prefix}_`)) return v.slice(prefix.length + 1).toLowerCase();
  if (typeof v === "number" || (typeof v === "string" && /^\d+$/.test(v))) return ENUMS[prefix]?.[Number(v)] ?? String(v);
  return String(v ?? "unspecified").toLowerCase();
}
function closeReason(v: unknown): string {
  if (typeof v === "string" && v.startsWith("LEASE_CLOSE_REASON_")) return v.slice(19).toLowerCase();
  return REASONS[Number(v)] ?? String(v);
}
const int = (v: unknown): number => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a chain id: ${String(v)}`);
  return n;
};
const coin = (v: unknown): string => {
  if (typeof v === "string") return v;
  if (v && typeof v === "object" && "amount" in v && "denom" in v) return `${(v as { amount: string }).amount}${(v as { denom: string }).denom}`;
  return "";
};

const MARKET = "virtengine.market.v1.";
const ESCROW = "virtengine.escrow.v1.";
const ESCROW_TYPES: Record<string, { account: string; amount?: string }> = {
  EventAccountCreated: { account: "id", amount: "deposit" },
  EventDeposit: { account: "id", amount: "amount" },
  EventPaymentCreated: { account: "account_id", amount: "rate" },
  EventSettled: { account: "account_id", amount: "transferred" },
  EventAccountOverdrawn: { account: "id" },
  EventWithdraw: { account: "account_id", amount: "amount" },
  EventPaymentClosed: { account: "account_id" },
  EventAccountClosed: { account: "id", amount: "refund" },
};
const snake = (s: string) => s.replace(/^Event/, "").replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();

/** The D1 writes one event makes (none for events the read tables do not keep). */
function writesFor(db: AnyDb, chainId: string, height: number, txIndex: number, eventIndex: number, txHashHex: string | null, e: ChainEvent): Item[] {
  const a = attrs(e);
  const at = { height, txHash: txHashHex };
  if (e.type.startsWith(ESCROW)) {
    const spec = ESCROW_TYPES[e.type.slice(ESCROW.length)];
    if (!spec) return [];
    return [
      db
        .insert(chainEscrowEvents)
        .values({ chainId, height, txIndex, eventIndex, type: snake(e.type.slice(ESCROW.length)), accountId: String(a[spec.account] ?? ""), amount: spec.amount ? coin(a[spec.amount]) : "", txHash: txHashHex })
        .onConflictDoNothing(),
    ];
  }
  if (e.type.startsWith(VEID)) return veidWrites(db, chainId, height, txHashHex, e.type.slice(VEID.length), a);
  if (!e.type.startsWith(MARKET)) return [];
  const notNewer = (col: typeof chainOrders.height | typeof chainOfferings.height) => lte(col, height);
  switch (e.type.slice(MARKET.length)) {
    case "EventOfferingCreated":
      return [
        db
          .insert(chainOfferings)
          .values({ chainId, offeringId: int(a.id), provider: String(a.provider), state: "active", createdHeight: height, ...at })
          .onConflictDoNothing(),
      ];
    case "EventOfferingUpdated":
      return [
        db
          .update(chainOfferings)
          .set({ state: enumName("OFFERING_STATE", a.state), ...at })
          .where(and(eq(chainOfferings.chainId, chainId), eq(chainOfferings.offeringId, int(a.id)), notNewer(chainOfferings.height))),
      ];
    case "EventOrderCreated": {
      const offeringId = int(a.offering_id ?? 0);
      return [
        db
          .insert(chainOrders)
          .values({ chainId, orderId: int(a.id), customer: String(a.customer), offeringId, state: offeringId ? "pending_provider" : "open", createdHeight: height, ...at })
          .onConflictDoNothing(),
      ];
    }
    case "EventOrderStateChanged":
      return [
        db
          .update(chainOrders)
          .set({ state: enumName("ORDER_STATE", a.state), ...at })
          .where(and(eq(chainOrders.chainId, chainId), eq(chainOrders.orderId, int(a.id)), notNewer(chainOrders.height))),
      ];
    case "EventLeaseCreated":
      return [
        db
          .update(chainOrders)
          .set({ leaseState: "active", leaseProvider: String(a.provider), leasePrice: coin(a.price), ...at })
          .where(and(eq(chainOrders.chainId, chainId), eq(chainOrders.orderId, int(a.order_id)), notNewer(chainOrders.height))),
      ];
    case "EventLeaseStateChanged":
      return [
        db
          .update(chainOrders)
          .set({ leaseState: enumName("LEASE_STATE", a.state), leaseCloseReason: a.reason === undefined ? null : closeReason(a.reason), ...at })
          .where(and(eq(chainOrders.chainId, chainId), eq(chainOrders.orderId, int(a.order_id)), notNewer(chainOrders.height))),
      ];
    case "EventUsagePosted":
      return [
        db
          .insert(chainUsage)
          .values({ chainId, orderId: int(a.order_id), seq: int(a.seq), component: String(a.component), amount: String(a.amount), cost: coin(a.cost), ...at })
          .onConflictDoNothing(),
      ];
    default:
      return [];
  }
}

// ------------------------------------------------------------------ x/veid

const VEID = "virtengine.veid.v1.";

/** ROUND_STATE_FINALIZED_AT_DEADLINE (or 3) → "finalized_at_deadline". */
function roundState(v: unknown): string {
  const names = ["unspecified", "open", "finalized", "finalized_at_deadline", "expired"];
  if (typeof v === "string" && v.startsWith("ROUND_STATE_")) return v.slice(12).toLowerCase();
  return names[Number(v)] ?? String(v ?? "unspecified").toLowerCase();
}

/**
 * Rounds, attestations and the agreed score per account. Rounds are keyed by their chain id, so a
 * range indexed again rewrites the same rows; a round's state only moves forward in height.
 */
function veidWrites(db: AnyDb, chainId: string, height: number, txHash: string | null, type: string, a: Record<string, unknown>): Item[] {
  const r = chainVeidRounds;
  switch (type) {
    case "EventScoreRequested":
      return [
        db
          .insert(r)
          .values({ chainId, roundId: int(a.round_id), account: String(a.account), state: "open", deadline: Number(a.deadline ?? 0), openedHeight: height, height, txHash })
          .onConflictDoNothing(),
      ];
    case "EventScoreAttested":
      return [
        db
          .insert(chainVeidAttestations)
          .values({ chainId, roundId: int(a.round_id), validator: String(a.validator), score: int(a.score ?? 0), height, txHash })
          .onConflictDoNothing(),
      ];
    case "EventScoreFinalized": {
      const roundId = int(a.round_id);
      const decided = { state: roundState(a.how), score: int(a.score ?? 0), disputed: a.disputed === true || a.disputed === "true", attesters: int(a.attesters ?? 0) };
      const s = chainVeidScores;
      return [
        // A round opened before the indexed range still gets its row (deadline unknown then: 0).
        db
          .insert(r)
          .values({ chainId, roundId, account: String(a.account), deadline: 0, openedHeight: height, height, txHash, ...decided })
          .onConflictDoUpdate({ target: [r.chainId, r.roundId], set: { ...decided, height, txHash }, setWhere: lte(r.height, height) }),
        db
          .insert(s)
          .values({ chainId, account: String(a.account), roundId, how: decided.state, score: decided.score, disputed: decided.disputed, attesters: decided.attesters, height })
          .onConflictDoUpdate({
            target: [s.chainId, s.account],
            set: { roundId, how: decided.state, score: decided.score, disputed: decided.disputed, attesters: decided.attesters, height },
            setWhere: lte(s.roundId, roundId),
          }),
      ];
    }
    case "EventRoundExpired": {
      const roundId = int(a.round_id);
      return [
        db
          .insert(r)
          .values({ chainId, roundId, account: String(a.account), state: "expired", deadline: 0, openedHeight: height, height, txHash })
          .onConflictDoUpdate({ target: [r.chainId, r.roundId], set: { state: "expired", height, txHash }, setWhere: lte(r.height, height) }),
      ];
    }
    default:
      return [];
  }
}

/** Every write a block makes, in the order its events happened. */
export function blockWrites(db: AnyDb, chainId: string, b: ChainBlock): Item[] {
  const out: Item[] = [];
  for (const [index, tx] of b.txs.entries()) {
    if (tx.code !== 0) continue; // a failed tx changed nothing
    for (const [i, e] of tx.events.entries()) out.push(...writesFor(db, chainId, b.height, index, i, tx.hash || null, e));
  }
  for (const [i, e] of b.events.entries()) out.push(...writesFor(db, chainId, b.height, -1, i, null, e));
  return out;
}

// ------------------------------------------------------------------ the loop

export interface IndexReport {
  chainId: string;
  from: number;
  to: number;
  writes: number;
}

const CHUNK = 200;

/** The cursor of a chain (0 before its first run). */
export async function indexedHeight(db: AnyDb, chainId: string): Promise<number> {
  const row = await db.select({ h: chainIndexCursor.height }).from(chainIndexCursor).where(eq(chainIndexCursor.chainId, chainId)).get();
  return row?.h ?? 0;
}

/** Reads blocks after the cursor up to the latest (at most `maxBlocks`, until `deadlineMs`). */
export async function indexChain(db: AnyDb, source: BlockSource, opts: { maxBlocks?: number; deadlineMs?: number; fromHeight?: number } = {}): Promise<IndexReport> {
  const chainId = await source.chainId();
  const { latest, earliest } = await source.heights();
  const cursor = opts.fromHeight !== undefined ? opts.fromHeight - 1 : await indexedHeight(db, chainId);
  const start = Math.max(cursor + 1, earliest);
  const end = Math.min(latest, start + (opts.maxBlocks ?? 2000) - 1);
  const deadline = Date.now() + (opts.deadlineMs ?? 20_000);
  const report: IndexReport = { chainId, from: start, to: start - 1, writes: 0 };
  for (let h = start; h <= end && Date.now() < deadline; h++) {
    const writes = blockWrites(db, chainId, await source.block(h));
    const now = new Date().toISOString();
    // Never move a cursor back (a re-index from an older height only re-applies idempotent writes).
    const move = db
      .insert(chainIndexCursor)
      .values({ chainId, height: h, updated: now })
      .onConflictDoUpdate({ target: chainIndexCursor.chainId, set: { height: sql`max(${chainIndexCursor.height}, ${h})`, updated: now } });
    // One batch per block when it fits; a big block goes in chunks with the cursor in the last one
    // (a crash in between re-applies the block, which the idempotent writes allow).
    const chunks: Item[][] = [];
    for (let i = 0; i < writes.length; i += CHUNK) chunks.push(writes.slice(i, i + CHUNK));
    const last = chunks.pop() ?? [];
    for (const c of chunks) await db.batch(c as [Item, ...Item[]]);
    await db.batch([...last, move] as unknown as [Item, ...Item[]]);
    report.to = h;
    report.writes += writes.length;
  }
  return report;
}
