// The queue's ceiling: a Worker whose consumer only acks, on a Miniflare queue configured like the
// order queue (scripts/lib/worker-host.ts: max_batch_size 10, max_batch_timeout 1 s). n messages
// of the order queue's shape are sent (sendBatch, 100 at a time) and the time from the first send
// to the last ack is taken: what the broker can deliver when the consumer does nothing.
import { Miniflare } from "miniflare";

const SCRIPT = `
let acked = 0;
let startedAt = 0;
let doneAt = 0;
let want = 0;
export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    if (url.pathname === "/send") {
      const n = Number(url.searchParams.get("n"));
      acked = 0;
      doneAt = 0;
      want = n;
      startedAt = Date.now();
      for (let i = 0; i < n; i += 100) {
        const k = Math.min(100, n - i);
        await env.Q.sendBatch(Array.from({ length: k }, (_, j) => ({ body: { kind: "order", orderUuid: String(i + j).padStart(32, "0") } })));
      }
      return Response.json({ sent: n });
    }
    return Response.json({ acked, startedAt, doneAt });
  },
  async queue(batch) {
    for (const m of batch.messages) m.ack();
    acked += batch.messages.length;
    // workerd's clock moves at I/O boundaries: a queue event's start is one
    if (acked >= want && !doneAt) doneAt = Date.now();
  },
};`;

export interface CeilingResult {
  messages: number;
  seconds: number;
  perSecond: number;
}

export async function emptyQueueCeiling(n: number): Promise<CeilingResult> {
  const mf = new Miniflare({
    modules: true,
    script: SCRIPT,
    compatibilityDate: "2025-09-01",
    queueProducers: { Q: "bench-empty" },
    queueConsumers: { "bench-empty": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 8 } },
  });
  try {
    await mf.ready;
    type Count = { acked: number; startedAt: number; doneAt: number };
    const count = async () => (await (await mf.dispatchFetch("http://bench/count")).json()) as Count;
    const sent = await mf.dispatchFetch(`http://bench/send?n=${n}`);
    await sent.arrayBuffer();
    const deadline = Date.now() + 120_000;
    let c = await count();
    while (!c.doneAt) {
      if (Date.now() > deadline) throw new Error(`empty queue: only ${c.acked}/${n} acked after 120 s`);
      // polled sparingly: the count requests share workerd with the consumer being measured
      await new Promise((r) => setTimeout(r, 50));
      c = await count();
    }
    const seconds = Math.max(1, c.doneAt - c.startedAt) / 1000;
    return { messages: n, seconds, perSecond: n / seconds };
  } finally {
    await mf.dispose();
  }
}
