// Domain proofs in tests, through the real flow on loopback: a DNS-over-HTTPS JSON resolver
// (Cloudflare/Google's application/dns-json shape) and the well-known file server of
// scripts/lib/domain-proof.ts. The fixtures verify a provider's domain before activating offerings
// (issue 7: only providers with a verified domain go live).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { type DomainCall, type ProvenDomain, proveDomainOverWellKnown, startWellKnownServer, verifiedDomainOf, type WellKnownServer } from "../../scripts/lib/domain-proof.ts";
import type { Api } from "./api.ts";

export { startWellKnownServer, type WellKnownServer };

export interface DohResolver {
  server: Server;
  /** The VE_DOH_URL to give the Worker. */
  url: string;
  /** TXT strings by name (no trailing dot), as the resolver renders them (quoted chunks). */
  txt: Map<string, string[]>;
  /** `<accept> <path> <name> <type>` of every query. */
  queries: string[];
  /** Every later query gets this raw reply instead (a failing or garbled resolver); null restores answers. */
  setFault(fault: { status: number; body: string } | null): void;
  close(): Promise<void>;
}

export async function startDohResolver(): Promise<DohResolver> {
  const txt = new Map<string, string[]>();
  const queries: string[] = [];
  let fault: { status: number; body: string } | null = null;
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    const name = (u.searchParams.get("name") ?? "").replace(/\.$/, "");
    queries.push(`${req.headers.accept} ${u.pathname} ${name} ${u.searchParams.get("type")}`);
    if (fault) {
      res.writeHead(fault.status, { "content-type": "application/dns-json" });
      res.end(fault.body);
      return;
    }
    const records = txt.get(name) ?? [];
    res.writeHead(200, { "content-type": "application/dns-json" });
    res.end(
      JSON.stringify({
        Status: records.length ? 0 : 3,
        TC: false,
        RD: true,
        RA: true,
        AD: false,
        CD: false,
        Question: [{ name: `${name}.`, type: 16 }],
        ...(records.length ? { Answer: records.map((data) => ({ name: `${name}.`, type: 16, TTL: 300, data })) } : {}),
      }),
    );
  });
  const port = await new Promise<number>((r) => server.listen(0, "127.0.0.1", () => r((server.address() as AddressInfo).port)));
  const setFault = (f: { status: number; body: string } | null) => {
    fault = f;
  };
  return { server, url: `http://127.0.0.1:${port}/dns-query`, txt, queries, setFault, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export const callOf =
  (api: Api): DomainCall =>
  (method, path, body) =>
    api.call(method, path, body);

/**
 * The organization's domain, proven through start → well-known file → verify unless the caller
 * already holds a verified domain scope for it. `api` is an owner or manager of the organization.
 */
export async function verifyProviderDomain(api: Api, customer: { url: string; uuid: string }): Promise<string> {
  const call = callOf(api);
  const known = await verifiedDomainOf(call, customer.uuid);
  if (known) return known;
  return (await proveDomainOverWellKnown(call, customer.url)).domain;
}

export { proveDomainOverWellKnown, type ProvenDomain };
