// A closed-loop HTTP load generator: N connections, each sending its next request when the last
// one answered, for a fixed count. Reports req/s and latency percentiles. Loopback only.

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
}

export async function runLoad(
  concurrency: number,
  total: number,
  send: (i: number) => Promise<Response>,
  okStatus: (s: number) => boolean = (s) => s >= 200 && s < 300,
): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  async function worker() {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const t0 = performance.now();
      try {
        const res = await send(i);
        await res.arrayBuffer();
        if (!okStatus(res.status)) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t0);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  return { requests: total, errors, seconds, rps: total / seconds, p50: pct(50), p99: pct(99) };
}

export const fmt = (r: LoadResult) =>
  `${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1).padStart(6)} ms  p99 ${r.p99.toFixed(1).padStart(6)} ms  errors ${r.errors}`;
