// Entry point for the Worker: call from the cron (`scheduled`) handler, or right after a batch that
// wrote outbox rows (through ctx.waitUntil), to push pending rows to the chain.
import { inArray } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { chainOutbox } from "../../db/schema/chain.ts";
import { cometBlockSource, type IndexReport, indexChain } from "./indexer.ts";
import { ChainSender, type ChainSenderConfig, type RoundReport } from "./sender.ts";

/** Worker bindings the bridge reads (add to Bindings in src/env.ts). */
export interface ChainBridgeEnv {
  /** CometBFT RPC URL of a node, e.g. http://127.0.0.1:26657. Unset = bridge off. */
  VE_CHAIN_RPC?: string;
  /** Secret: BIP-39 mnemonic of the bridge account (grantee of the users' x/authz grants). */
  VE_CHAIN_MNEMONIC?: string;
  /** Optional: chain id (default: the node's), gas price in uve per gas unit (default 0). */
  VE_CHAIN_ID?: string;
  VE_CHAIN_GAS_PRICE?: string;
  /** Bech32 account prefix (default "virtengine"). */
  VE_CHAIN_PREFIX?: string;
}

const senders = new WeakMap<object, Promise<ChainSender>>();

/** Drains the outbox within `deadlineMs` (default 25 s). Returns null when the bridge is not configured. */
export async function drainChainOutbox(
  env: ChainBridgeEnv,
  // biome-ignore lint/suspicious/noExplicitAny: any schema that includes the chain tables
  db: DrizzleD1Database<any>,
  opts: { deadlineMs?: number } & Partial<ChainSenderConfig> = {},
): Promise<RoundReport[] | null> {
  if (!env.VE_CHAIN_RPC || !env.VE_CHAIN_MNEMONIC) return null;
  let sender = senders.get(db);
  if (!sender) {
    sender = ChainSender.create(db, {
      rpcUrl: env.VE_CHAIN_RPC,
      mnemonic: env.VE_CHAIN_MNEMONIC,
      chainId: env.VE_CHAIN_ID,
      prefix: env.VE_CHAIN_PREFIX,
      gasPriceUve: env.VE_CHAIN_GAS_PRICE ? Number(env.VE_CHAIN_GAS_PRICE) : 0,
      ...opts,
    });
    senders.set(db, sender);
    sender.catch(() => senders.delete(db));
  }
  return (await sender).drain({ deadlineMs: opts.deadlineMs });
}

// biome-ignore lint/suspicious/noExplicitAny: any schema that includes the chain tables
type AnyDb = DrizzleD1Database<any>;

export interface ChainCronReport {
  sent: RoundReport[] | null;
  indexed: IndexReport | null;
  /** What stopped the run (node down, ...); the next run starts over from the outbox and the cursor. */
  error?: string;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 500);

/** Mirrors new blocks into the read tables (needs only VE_CHAIN_RPC). */
export async function indexChainFromEnv(env: ChainBridgeEnv, db: AnyDb, opts: { deadlineMs?: number; maxBlocks?: number } = {}): Promise<IndexReport | null> {
  if (!env.VE_CHAIN_RPC) return null;
  return indexChain(db, cometBlockSource(env.VE_CHAIN_RPC), opts);
}

/** The cron's chain work: send what waits in the outbox, then index what the chain did. Never throws. */
export async function runChainCron(env: ChainBridgeEnv, db: AnyDb, opts: { deadlineMs?: number } = {}): Promise<ChainCronReport> {
  const report: ChainCronReport = { sent: null, indexed: null };
  const deadline = opts.deadlineMs ?? 25_000;
  try {
    report.sent = await drainChainOutbox(env, db, { deadlineMs: Math.round(deadline * 0.6) });
  } catch (e) {
    report.error = `send: ${errText(e)}`;
  }
  try {
    report.indexed = await indexChainFromEnv(env, db, { deadlineMs: Math.round(deadline * 0.4) });
  } catch (e) {
    report.error = [report.error, `index: ${errText(e)}`].filter(Boolean).join("; ");
  }
  return report;
}

/** True when some outbox row still waits to be sent or confirmed. */
export async function outboxHasWork(db: AnyDb): Promise<boolean> {
  const row = await db.select({ id: chainOutbox.id }).from(chainOutbox).where(inArray(chainOutbox.state, ["pending", "signed"])).limit(1).get();
  return !!row;
}

let background: Promise<unknown> | null = null;
let again = false;

/**
 * After a request that may have written outbox rows: send them (and index the result) in the
 * background through ctx.waitUntil, when the bridge is configured. One run at a time per isolate;
 * a request that arrives during a run makes it go round once more.
 */
export function drainAfterWrite(env: ChainBridgeEnv, db: AnyDb, ctx: { waitUntil(p: Promise<unknown>): void }): void {
  if (!env.VE_CHAIN_RPC || !env.VE_CHAIN_MNEMONIC) return;
  if (background) {
    again = true;
    return;
  }
  const run = async () => {
    do {
      again = false;
      if (!(await outboxHasWork(db))) continue;
      const r = await runChainCron(env, db, { deadlineMs: 20_000 });
      if (r.error) console.log(`chain bridge: ${r.error}`);
    } while (again);
  };
  background = run()
    .catch((e) => console.log(`chain bridge: ${errText(e)}`))
    .finally(() => {
      background = null;
    });
  ctx.waitUntil(background);
}
