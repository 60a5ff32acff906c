// Entry point for the Worker: call from the cron (`scheduled`) handler, or right after a batch that
// wrote outbox rows (through ctx.waitUntil), to push pending rows to the chain.
import type { DrizzleD1Database } from "drizzle-orm/d1";
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
  /** Bech32 account prefix (default "ve"). */
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
