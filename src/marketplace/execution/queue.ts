// Worker handlers for the order queue and the cron trigger.
import type { MessageBatch } from "@cloudflare/workers-types";
import { dbFor } from "../../db/client.ts";
import type { Bindings } from "../../env.ts";
import type { OrderJob } from "../jobs.ts";
import { applyPause, executeOrder } from "./consumer.ts";
import { collectUsages, sweepStuckOrders } from "./scheduled.ts";
import { recordImportedOfferings } from "../../bridge/chain/marketplace.ts";
import { syncAllConnections } from "../../bridge/waldur/sync.ts";

export async function handleOrderBatch(batch: MessageBatch<OrderJob>, env: Bindings): Promise<void> {
  const db = dbFor(env.DB);
  for (const msg of batch.messages) {
    try {
      const job = msg.body;
      const what = job.kind === "order" ? `order ${job.orderUuid}` : `pause of resource ${job.resourceUuid}`;
      const out = job.kind === "order" ? await executeOrder(db, env, job.orderUuid, msg.attempts) : await applyPause(db, env, job.resourceUuid, msg.attempts);
      if (out.kind === "retry") {
        console.log(`${what}: transient failure, retry in ${out.delaySeconds}s: ${out.message}`);
        msg.retry({ delaySeconds: out.delaySeconds });
      } else {
        if (out.kind === "poll") await env.ORDER_QUEUE.send(msg.body, { delaySeconds: out.delaySeconds });
        if (out.kind === "erred") console.log(`${what}: erred: ${out.message}`);
        msg.ack();
      }
    } catch (e) {
      // A bug or a D1 failure: let the queue redeliver rather than lose the order.
      console.error(`queue message ${JSON.stringify(msg.body)}: ${(e as Error).message}`);
      msg.retry({ delaySeconds: 10 });
    }
  }
}

export async function runScheduled(env: Bindings): Promise<void> {
  const db = dbFor(env.DB);
  // Remote Waldur connections first: imported offerings and mirrored resources are current before usage is collected.
  const bridge = await syncAllConnections(db, env);
  const imported = await recordImportedOfferings(db);
  const requeued = await sweepStuckOrders(db, env);
  const usage = await collectUsages(db, env);
  console.log(`cron: waldur_connections=${bridge.connections} waldur_failed=${bridge.failed} imported_offerings_recorded=${imported} requeued=${requeued} usage_collected=${usage.collected} usage_failed=${usage.failed.length}`);
  for (const f of usage.failed) console.log(`cron: usage for resource ${f.resource}: ${f.message}`);
}
