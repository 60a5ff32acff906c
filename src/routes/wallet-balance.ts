// GET /api/wallet/balance/: what the signed-in user's linked chain address holds, read live from
// the chain (never from D1's mirrors, which lag): the bank balance in uve and the x/escrow accounts
// funding the user's orders. Amounts stay the chain's exact integer strings; the portal formats VE.
import { createProtobufRpcClient, QueryClient, setupBankExtension } from "@cosmjs/stargate";
import { and, desc, eq } from "drizzle-orm";
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireUser } from "../auth/session.ts";
import { cometClient, DENOM } from "../bridge/chain/client.ts";
import { EscrowQueryClient } from "../bridge/chain/proto.ts";
import { chainViews } from "../bridge/chain/view.ts";
import { chainIndexCursor, chainOrders, orders } from "../db/schema/index.ts";
import { ApiError } from "../http/errors.ts";

/** The most recent orders looked at: the page shows current funds, not a full history. */
const MAX_ORDERS = 100;

const ESCROW_STATES: Record<number, string> = { 0: "unspecified", 1: "open", 2: "overdrawn", 3: "closed" };

const unavailable = (detail: string) => new ApiError(503, { detail });

/** Chain order ids of the user's orders: the ones the API sent for them, and any the indexer saw them place. */
async function userOrderIds(db: AppEnv["Variables"]["db"], userId: number, address: string): Promise<Map<string, string | null>> {
  const mine = await db.select({ uuid: orders.uuid }).from(orders).where(eq(orders.createdById, userId)).orderBy(desc(orders.id)).limit(MAX_ORDERS);
  const views = await chainViews(db, "order", mine.map((o) => o.uuid));
  const ids = new Map<string, string | null>();
  for (const [uuid, v] of views) if (v.chain_id) ids.set(v.chain_id, uuid);
  const cursor = await db.select({ id: chainIndexCursor.chainId }).from(chainIndexCursor).orderBy(desc(chainIndexCursor.updated)).limit(1).get();
  if (cursor) {
    const seen = await db
      .select({ orderId: chainOrders.orderId })
      .from(chainOrders)
      .where(and(eq(chainOrders.chainId, cursor.id), eq(chainOrders.customer, address)))
      .orderBy(desc(chainOrders.orderId))
      .limit(MAX_ORDERS);
    for (const r of seen) if (!ids.has(String(r.orderId))) ids.set(String(r.orderId), null);
  }
  return ids;
}

const isNotFound = (e: unknown) => /not found|NotFound|code = 5\b/i.test((e as Error).message ?? "");

export function mountWalletBalance(app: Hono<AppEnv>) {
  app.get("/api/wallet/balance/", async (c) => {
    const me = requireUser(c.var.user);
    const rpc = typeof c.env.VE_CHAIN_RPC === "string" ? c.env.VE_CHAIN_RPC.trim() : "";
    if (!rpc) throw unavailable("No chain is configured for this deployment (VE_CHAIN_RPC); balances cannot be read.");
    const address = me.walletAddress;
    if (!address) return c.json({ address: null, denom: DENOM, balance: null, escrow: [], escrow_total: "0" });

    const ids = await userOrderIds(c.var.db, me.id, address);
    let balance: string;
    const escrow: Record<string, unknown>[] = [];
    try {
      const base = new QueryClient(cometClient(rpc, { timeoutMs: 10_000, retries: 1 }));
      const bank = setupBankExtension(base);
      const esc = new EscrowQueryClient(createProtobufRpcClient(base));
      balance = (await bank.bank.balance(address, DENOM)).amount;
      const answers = await Promise.all(
        [...ids].map(async ([orderId, uuid]) => {
          try {
            return { orderId, uuid, account: (await esc.Account({ id: `order/${orderId}` })).account };
          } catch (e) {
            if (isNotFound(e)) return null; // the order never funded an account (refused, or from another chain)
            throw e;
          }
        }),
      );
      for (const a of answers) {
        if (!a?.account) continue;
        escrow.push({
          account_id: a.account.id,
          order_id: a.orderId,
          order_uuid: a.uuid,
          owner: a.account.owner,
          state: ESCROW_STATES[a.account.state] ?? "unspecified",
          balance: a.account.balance?.amount ?? "0",
          transferred: a.account.transferred?.amount ?? "0",
          settled_at: Number(a.account.settledAt),
          overdrawn_at: Number(a.account.overdrawnAt),
        });
      }
    } catch (e) {
      console.error(`wallet balance: chain query failed: ${(e as Error).message}`);
      throw unavailable("The chain could not be reached; try again shortly.");
    }
    escrow.sort((a, b) => (BigInt(b.order_id as string) > BigInt(a.order_id as string) ? 1 : -1));
    const total = escrow.reduce((sum, a) => sum + BigInt(a.balance as string), 0n);
    return c.json({ address, denom: DENOM, balance, escrow, escrow_total: total.toString() });
  });
}
