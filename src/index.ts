import type { ExecutionContext, MessageBatch, ScheduledController } from "@cloudflare/workers-types";
import { createApp } from "./app.ts";
import { drainAfterWrite, runChainCron } from "./bridge/chain/worker.ts";
import { veidCron } from "./bridge/chain/veid.ts";
import { dbFor } from "./db/client.ts";
import type { Bindings } from "./env.ts";
import { runIdentityLifecycleCron } from "./identity/lifecycle/cron.ts";
import { identityEnv } from "./identity/scopes/common.ts";
import { lifecycleEnv } from "./identity/lifecycle/config.ts";
import type { OrderJob } from "./marketplace/jobs.ts";
import { handleOrderBatch, runScheduled } from "./marketplace/execution/queue.ts";
import "./plugins/builtin.ts";
import { sendDueBroadcasts } from "./structure/broadcast/scheduled.ts";

const app = createApp();

export default {
  async fetch(req: Request, env: Bindings, ctx: ExecutionContext) {
    const res = await app.fetch(req, env, ctx);
    // A change may have written chain outbox rows: send them without waiting for the cron.
    if (req.method !== "GET" && req.method !== "HEAD" && res.status < 400) drainAfterWrite(env, dbFor(env.DB), ctx);
    return res;
  },
  async queue(batch: MessageBatch<OrderJob>, env: Bindings, ctx: ExecutionContext) {
    await handleOrderBatch(batch, env);
    // Plugin outcomes move orders (done, erred): their chain records go out like a request's.
    drainAfterWrite(env, dbFor(env.DB), ctx);
  },
  scheduled: (_c: ScheduledController, env: Bindings, ctx: ExecutionContext) => {
    ctx.waitUntil(runScheduled(env));
    ctx.waitUntil(
      runIdentityLifecycleCron(dbFor(env.DB), env.BLOBS as never, lifecycleEnv(env)).then((r) => {
        console.log("error" in r ? `cron: identity lifecycle error=${r.error}` : `cron: identity evidence_deleted=${r.deleted} reviews_queued=${r.queued}`);
      }),
    );
    ctx.waitUntil(
      sendDueBroadcasts(dbFor(env.DB), identityEnv(env)).then(
        (r) => {
          if (r.sent || r.skipped || r.error) console.log(`cron: broadcasts sent=${r.sent} skipped=${r.skipped}${r.error ? ` error=${r.error}` : ""}`);
          for (const x of r.invalid) console.log(`cron: broadcast ${x.uuid} not sent, back to DRAFT: ${x.error}`);
        },
        (e) => console.log(`cron: broadcasts error=${e instanceof Error ? e.message : String(e)}`),
      ),
    );
    ctx.waitUntil(
      runChainCron(env, dbFor(env.DB)).then((r) => {
        if (r.sent || r.indexed || r.error) console.log(`cron: chain sent_rounds=${r.sent?.length ?? 0} indexed_to=${r.indexed?.to ?? "-"}${r.error ? ` error=${r.error}` : ""}`);
      }),
    );
    // Decided x/veid rounds the indexer mirrored: disputed or borderline ones into the review queue,
    // and score requests the chain refused while a round was open are made again.
    ctx.waitUntil(
      veidCron(dbFor(env.DB), lifecycleEnv(env)).then(
        (n) => (n.reviews || n.requests) && console.log(`cron: identity chain_reviews_queued=${n.reviews} score_requests_retried=${n.requests}`),
        (e) => console.log(`cron: identity chain reviews error=${e instanceof Error ? e.message : String(e)}`),
      ),
    );
  },
};
