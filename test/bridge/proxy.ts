// A loopback proxy in front of the remote instance that a test can take down (connections reset)
// or make answer for the remote (e.g. 401 on one page), recording every request path.
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FaultyProxy {
  url: string;
  requests: string[];
  down: boolean;
  /** Answer for the remote when it returns a reply. */
  intercept: ((path: string) => { status: number; body: unknown } | null) | null;
  close(): Promise<void>;
}

export async function faultyProxy(upstream: string): Promise<FaultyProxy> {
  const state: Omit<FaultyProxy, "url" | "close"> = { requests: [], down: false, intercept: null };
  const server = http.createServer(async (req, res) => {
    const path = req.url ?? "/";
    state.requests.push(`${req.method} ${path}`);
    if (state.down) {
      req.socket.destroy();
      return;
    }
    const fake = state.intercept?.(path);
    if (fake) {
      res.writeHead(fake.status, { "Content-Type": "application/json" });
      res.end(JSON.stringify(fake.body));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const ch of req) chunks.push(ch as Buffer);
    const headers: Record<string, string> = {};
    for (const h of ["authorization", "content-type", "accept"]) if (req.headers[h]) headers[h] = String(req.headers[h]);
    const up = await fetch(upstream + path, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    const out: Record<string, string> = { "Content-Type": up.headers.get("content-type") ?? "application/json" };
    for (const h of ["link", "x-result-count", "retry-after"]) {
      const v = up.headers.get(h);
      if (v) out[h] = v;
    }
    res.writeHead(up.status, out);
    res.end(Buffer.from(await up.arrayBuffer()));
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const proxy = Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  }) as FaultyProxy;
  return proxy;
}
