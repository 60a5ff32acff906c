import type { ExecutionContext, MessageBatch, ScheduledController } from "@cloudflare/workers-types";
import { createApp } from "./app.ts";
import type { Bindings } from "./env.ts";
import type { OrderJob } from "./marketplace/jobs.ts";
import { handleOrderBatch, runScheduled } from "./marketplace/execution/queue.ts";
import "./plugins/builtin.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  queue: (batch: MessageBatch<OrderJob>, env: Bindings) => handleOrderBatch(batch, env),
  scheduled: (_c: ScheduledController, env: Bindings, ctx: ExecutionContext) => ctx.waitUntil(runScheduled(env)),
};
