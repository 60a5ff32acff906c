// The chain's view of API objects (orders, offerings) for their serializers: the x/market id,
// the state the indexer mirrored (or where the outbox is with it), and the last tx hash. Fields are
// additions Waldur's clients ignore: chain_id, chain_state, chain_tx_hash (+ chain_lease_state).
import { and, desc, eq } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { inArray } from "../../db/in-list.ts";
import { chainOutbox } from "../../db/schema/chain.ts";
import { chainIndexCursor, chainOffchain, chainOfferings, chainOrders } from "../../db/schema/chain-index.ts";

// biome-ignore lint/suspicious/noExplicitAny: any schema that includes the chain tables
type AnyDb = DrizzleD1Database<any>;

export interface ChainView {
  /** x/market id (uint64 as a decimal string) once the chain assigned one. */
  chain_id: string | null;
  /**
   * The mirrored x/market state (e.g. pending_provider, executing, done; active for offerings),
   * else where the record is: "pending" (waiting in the outbox), "committed" (on chain, not yet
   * indexed), "failed" (refused by the chain), "off-chain" (not sent, see chain_offchain_reason),
   * or null when the object has no public record.
   */
  chain_state: string | null;
  chain_tx_hash: string | null;
  chain_offchain_reason?: string;
  chain_lease_state?: string | null;
}

const EMPTY: ChainView = { chain_id: null, chain_state: null, chain_tx_hash: null };

/** The chain the indexer followed last (the one the read tables describe now). */
async function currentChain(db: AnyDb): Promise<string | null> {
  const row = await db.select({ id: chainIndexCursor.chainId }).from(chainIndexCursor).orderBy(desc(chainIndexCursor.updated)).limit(1).get();
  return row?.id ?? null;
}

export async function chainViews(db: AnyDb, kind: "order" | "offering", refs: string[]): Promise<Map<string, ChainView>> {
  const out = new Map<string, ChainView>();
  if (refs.length === 0) return out;
  const created = `${kind}.created`;
  const [rows, notes, chain] = await Promise.all([
    db
      .select({ ref: chainOutbox.ref, kind: chainOutbox.kind, state: chainOutbox.state, txHash: chainOutbox.txHash, result: chainOutbox.result, id: chainOutbox.id })
      .from(chainOutbox)
      .where(inArray(chainOutbox.ref, refs))
      .orderBy(chainOutbox.id),
    db.select({ ref: chainOffchain.ref, reason: chainOffchain.reason }).from(chainOffchain).where(and(inArray(chainOffchain.ref, refs), eq(chainOffchain.kind, created))),
    currentChain(db),
  ]);
  const ids = new Map<string, number>();
  for (const ref of refs) {
    const mine = rows.filter((r) => r.ref === ref);
    const creation = mine.filter((r) => r.kind === created).at(-1);
    const note = notes.find((n) => n.ref === ref);
    if (!creation) {
      out.set(ref, note ? { ...EMPTY, chain_state: "off-chain", chain_offchain_reason: note.reason } : { ...EMPTY });
      continue;
    }
    const chainId = creation.result?.chainId ?? null;
    const lastTx = mine.filter((r) => r.state === "committed" && r.txHash).at(-1)?.txHash ?? null;
    const state = creation.state === "committed" ? "committed" : creation.state === "failed" ? "failed" : "pending";
    out.set(ref, { chain_id: chainId, chain_state: state, chain_tx_hash: lastTx });
    if (chainId) ids.set(ref, Number(chainId));
  }
  if (!chain || ids.size === 0) return out;
  const idList = [...ids.values()];
  const mirrored =
    kind === "order"
      ? (await db.select().from(chainOrders).where(and(eq(chainOrders.chainId, chain), inArray(chainOrders.orderId, idList)))).map((r) => ({
          id: r.orderId,
          state: r.state,
          lease: r.leaseState,
        }))
      : (await db.select().from(chainOfferings).where(and(eq(chainOfferings.chainId, chain), inArray(chainOfferings.offeringId, idList)))).map((r) => ({
          id: r.offeringId,
          state: r.state,
          lease: undefined,
        }));
  for (const [ref, id] of ids) {
    const m = mirrored.find((x) => x.id === id);
    const v = out.get(ref);
    if (!m || !v) continue;
    v.chain_state = m.state;
    if (kind === "order") v.chain_lease_state = m.lease ?? null;
  }
  return out;
}

export const chainViewOf = (views: Map<string, ChainView>, ref: string): ChainView => views.get(ref) ?? { ...EMPTY };
