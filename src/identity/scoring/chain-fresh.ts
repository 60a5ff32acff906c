// The score view reads the chain mirror (chain_veid_rounds, chain_veid_scores), which the cron's
// indexer fills every 5 minutes. A scorer's attestation goes straight to the chain, so without help
// an agreed score would show only after the next cron pass. Before reading an account's score the
// API indexes new blocks itself, on a short budget: the indexer is idempotent and moves its cursor
// per block, so a read that runs out of time (or races the cron) leaves nothing half done.
import { sql } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { indexChainFromEnv, type ChainBridgeEnv } from "../../bridge/chain/worker.ts";
import { chainIndexCursor } from "../../db/schema/index.ts";

/** How long a read may spend indexing; the rest waits for the next read or the cron. */
export const READ_INDEX_BUDGET_MS = 1500;
/** A cursor moved this recently is fresh enough: busy pollers do not each re-read the node. */
const FRESH_MS = 2000;

export async function indexBeforeRead(env: ChainBridgeEnv, db: Db, budgetMs = READ_INDEX_BUDGET_MS): Promise<void> {
  if (!env.VE_CHAIN_RPC) return;
  const last = await db.select({ updated: sql<string | null>`max(${chainIndexCursor.updated})` }).from(chainIndexCursor).get();
  if (last?.updated && Date.now() - Date.parse(last.updated) < FRESH_MS) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    // The deadline stops the block loop; the race also bounds a node that does not answer.
    await Promise.race([
      indexChainFromEnv(env, db, { deadlineMs: budgetMs }),
      new Promise((resolve) => {
        timer = setTimeout(resolve, budgetMs + 500);
      }),
    ]);
  } catch (e) {
    // The node is down or slow: the mirror as it is, the cron catches up.
    console.log(`score view: indexing before read failed: ${(e instanceof Error ? e.message : String(e)).slice(0, 200)}`);
  } finally {
    clearTimeout(timer);
  }
}
