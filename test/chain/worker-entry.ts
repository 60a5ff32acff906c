// Test-only Worker: drains the chain outbox from inside workerd (test/chain/workerd.test.ts).
import { drizzle } from "drizzle-orm/d1";
import type { D1Database } from "@cloudflare/workers-types";
import { type ChainBridgeEnv, drainChainOutbox } from "../../src/bridge/chain/index.ts";

export default {
  async fetch(_req: Request, env: ChainBridgeEnv & { DB: D1Database }): Promise<Response> {
    try {
      const reports = await drainChainOutbox(env, drizzle(env.DB), { deadlineMs: 60_000 });
      return Response.json({ reports });
    } catch (e) {
      return Response.json({ error: e instanceof Error ? `${e.message}\n${e.stack}` : String(e) }, { status: 500 });
    }
  },
};
