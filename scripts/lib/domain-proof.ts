// Proves a provider organization's domain through the API's real flow (start → publish the token →
// verify) with a web server on loopback serving /.well-known/virtengine-challenge. Only works
// against a Worker in insecure local mode (VE_MODE=local with VE_DOMAIN_CHECK_INSECURE=local),
// the only mode in which a domain may be an IP with a port and the file is fetched over http.
// Used by the demo seed of `npm start` and by the tests' fixtures (test/helpers/domain.ts).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export const WELL_KNOWN_PATH = "/.well-known/virtengine-challenge";

export interface WellKnownServer {
  server: Server;
  port: number;
  /** `127.0.0.1:<port>`: the domain name this server answers for in insecure local mode. */
  domain: string;
  /** What the file holds, by the Host header the Worker sends; unset hosts get 404. */
  files: Map<string, string>;
  close(): Promise<void>;
}

/** A loopback web server answering the well-known challenge path from `files`. */
export async function startWellKnownServer(): Promise<WellKnownServer> {
  const files = new Map<string, string>();
  const server = createServer((req, res) => {
    const body = req.url === WELL_KNOWN_PATH ? files.get(req.headers.host ?? "") : undefined;
    if (body === undefined) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain" }).end(`${body}\n`);
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
  return {
    server,
    port,
    domain: `127.0.0.1:${port}`,
    files,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** One API call as the organization's owner or manager: status and parsed body. */
export type DomainCall = (method: "GET" | "POST", path: string, body?: unknown) => Promise<{ status: number; body: unknown }>;

export interface ProvenDomain {
  domain: string;
  scope: Record<string, unknown>;
}

/** The organization already has a verified domain scope the caller can see. */
export async function verifiedDomainOf(call: DomainCall, customerUuid: string): Promise<string | null> {
  const r = await call("GET", "/api/identity/scopes/");
  if (r.status !== 200 || !Array.isArray(r.body)) throw new Error(`GET /api/identity/scopes/ -> ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  const hit = (r.body as Record<string, unknown>[]).find((s) => s.scope === "domain" && s.status === "verified" && s.customer_uuid === customerUuid);
  return hit ? String(hit.subject) : null;
}

/**
 * Starts a well-known server for this proof only, runs start → publish → verify for the customer
 * (its hyperlink), and stops the server. Throws with the API's answer when a step is refused.
 */
export async function proveDomainOverWellKnown(call: DomainCall, customerUrl: string): Promise<ProvenDomain> {
  const web = await startWellKnownServer();
  try {
    const started = await call("POST", "/api/identity/domain/start/", { domain: web.domain, customer: customerUrl });
    if (started.status !== 200) {
      const hint = started.status === 400 ? " (is the Worker in local mode with VE_DOMAIN_CHECK_INSECURE=local?)" : "";
      throw new Error(`domain start -> ${started.status} ${JSON.stringify(started.body).slice(0, 300)}${hint}`);
    }
    const s = started.body as { domain: string; token: string };
    web.files.set(s.domain, s.token);
    const verified = await call("POST", "/api/identity/domain/verify/", { domain: s.domain, customer: customerUrl, method: "http" });
    if (verified.status !== 200) throw new Error(`domain verify -> ${verified.status} ${JSON.stringify(verified.body).slice(0, 300)}`);
    return { domain: s.domain, scope: verified.body as Record<string, unknown> };
  } finally {
    await web.close();
  }
}
