// /api/chain-status/ (staff and support): how the chain bridge is doing. Outbox rows by state,
// public events kept off chain by reason, the indexer's height per chain, the latest refusals.
import { desc, eq } from "drizzle-orm";
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { seesEverything } from "../auth/access.ts";
import { requireUser } from "../auth/session.ts";
import { offchainStats, outboxStats } from "../bridge/chain/outbox.ts";
import { chainIndexCursor, chainOutbox } from "../db/schema/index.ts";
import { permissionDenied } from "../http/errors.ts";

export function mountChainStatus(app: Hono<AppEnv>) {
  app.get("/api/chain-status/", async (c) => {
    const me = requireUser(c.var.user);
    if (!seesEverything(me)) throw permissionDenied();
    const db = c.var.db;
    const [outbox, offChain, cursors, failures] = await Promise.all([
      outboxStats(db),
      offchainStats(db),
      db.select().from(chainIndexCursor).orderBy(desc(chainIndexCursor.updated)),
      db
        .select({ uuid: chainOutbox.uuid, kind: chainOutbox.kind, ref: chainOutbox.ref, codespace: chainOutbox.chainCodespace, code: chainOutbox.chainCode, log: chainOutbox.chainLog, modified: chainOutbox.modified })
        .from(chainOutbox)
        .where(eq(chainOutbox.state, "failed"))
        .orderBy(desc(chainOutbox.id))
        .limit(10),
    ]);
    return c.json({
      bridge_configured: !!(c.env.VE_CHAIN_RPC && c.env.VE_CHAIN_MNEMONIC),
      indexer_configured: !!c.env.VE_CHAIN_RPC,
      outbox,
      off_chain: offChain,
      indexer: cursors.map((r) => ({ chain_id: r.chainId, height: r.height, updated: r.updated })),
      latest_failures: failures.map((f) => ({ uuid: f.uuid, kind: f.kind, ref: f.ref, chain_codespace: f.codespace, chain_code: f.code, chain_log: f.log, modified: f.modified })),
    });
  });
}
