// The bridge runs inside workerd: the sender is bundled like the edge Worker (browser platform,
// no node built-ins), hosted by Miniflare with a D1 binding, and sends outbox rows to the localnet.
import assert from "node:assert/strict";
import path from "node:path";
import { after, test } from "node:test";
import type { D1Database } from "@cloudflare/workers-types";
import { drizzle } from "drizzle-orm/d1";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { ROOT } from "../../scripts/lib/build-worker.ts";
import { applyMigrations } from "../../scripts/lib/migrations.ts";
import { chainRecords, outboxForRef, outboxInsert } from "../../src/bridge/chain/index.ts";
import * as schema from "../../src/db/schema/index.ts";
import { useChain } from "../helpers/chain.ts";

const ctx = useChain();
let mf: Miniflare | undefined;
after(async () => {
  await mf?.dispose();
});

test("the outbox sender works inside workerd", async () => {
  const out = await build({
    entryPoints: [path.join(ROOT, "test/chain/worker-entry.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    external: ["cloudflare:*"],
    logLevel: "silent",
  });
  const script = out.outputFiles[0]?.text as string;
  assert.doesNotMatch(script, /from\s*["']node:/, "no node built-ins in the bundle");
  mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: "2025-09-01",
    d1Databases: { DB: "chain-workerd" },
    bindings: ctx.chain.env(),
  });
  await mf.ready;
  const d1 = (await mf.getD1Database("DB")) as unknown as D1Database;
  await applyMigrations(d1);
  const db = drizzle(d1, { schema });
  const owner = ctx.chain.accounts.customer1?.address as string;
  await db.batch([outboxInsert(db, chainRecords.encryptionKeyRegistered({ owner, publicKey: new Uint8Array(32).fill(9), version: 5 }))]);
  const orderUuid = crypto.randomUUID();
  // Offering 1 does not exist on this fresh chain: the chain's error must come back through workerd too.
  await db.batch([
    outboxInsert(db, chainRecords.orderCreated({ orderUuid, customer: owner, offering: 1, plan: "small", depositUve: 2_000_000 })),
  ]);
  const res = await mf.dispatchFetch("http://worker/drain", { method: "POST" });
  const body = (await res.json()) as { reports?: unknown; error?: string };
  assert.equal(res.status, 200, body.error);
  const rows = await db.select().from(schema.chainOutbox);
  const key = rows.find((r) => r.kind === "key.registered");
  assert.equal(key?.state, "committed", JSON.stringify(body));
  const [order] = await outboxForRef(db, orderUuid);
  assert.equal(order?.state, "failed");
  assert.equal(order?.chainCodespace, "market");
  assert.equal(order?.chainCode, 6);
});
