// One authenticated session against the catalog's services: microversion headers, error mapping,
// one re-authentication on 401 (token revoked or expired early), and list pagination following
// `<collection>_links` rel=next (nova, neutron, cinder) or `next` (glance).
import type { PluginContext } from "../types.ts";
import { errorFromResponse, networkError, OsError } from "./errors.ts";
import { authUrl, endpointFor, forgetToken, getToken, type ServiceKind, type Token } from "./keystone.ts";
import type { OpenStackSettings } from "./settings.ts";

export interface RequestOpts {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  /** Statuses that count as success besides 2xx handling below (e.g. [404] for "already gone"). */
  accept?: number[];
}
export interface Reply<T> {
  status: number;
  body: T;
}

const SERVICE_LABEL: Record<ServiceKind, string> = {
  compute: "nova",
  network: "neutron",
  volume: "cinder",
  image: "glance",
  identity: "keystone",
};
const MAX_PAGES = 200;

export class OsClient {
  private token: Token | undefined;
  constructor(
    readonly ctx: PluginContext,
    readonly settings: OpenStackSettings,
  ) {}

  async auth(): Promise<Token> {
    this.token ??= await getToken(this.ctx, this.settings);
    return this.token;
  }

  async projectId(): Promise<string> {
    return (await this.auth()).projectId;
  }

  private headers(kind: ServiceKind, token: string): Record<string, string> {
    const h: Record<string, string> = { "X-Auth-Token": token, Accept: "application/json" };
    if (kind === "compute") {
      // Both spellings: OpenStack-API-Version since 2.27, the legacy header for older clouds.
      h["OpenStack-API-Version"] = `compute ${this.settings.compute_microversion}`;
      h["X-OpenStack-Nova-API-Version"] = this.settings.compute_microversion;
    } else if (kind === "volume") {
      h["OpenStack-API-Version"] = `volume ${this.settings.volume_microversion}`;
    }
    return h;
  }

  private async url(kind: ServiceKind, path: string, query?: RequestOpts["query"]): Promise<string> {
    const base = kind === "identity" ? authUrl(this.settings) : endpointFor(await this.auth(), this.settings, kind);
    const u = new URL(/^https?:/.test(path) ? path : base + path);
    for (const [k, val] of Object.entries(query ?? {})) if (val !== undefined) u.searchParams.set(k, String(val));
    return u.toString();
  }

  async request<T = unknown>(kind: ServiceKind, method: string, path: string, opts: RequestOpts = {}): Promise<Reply<T>> {
    const what = `${SERVICE_LABEL[kind]}: ${method} ${path.replace(/^https?:\/\/[^/]+/, "").split("?")[0]}`;
    for (let attempt = 0; ; attempt++) {
      const token = await this.auth();
      const url = await this.url(kind, path, opts.query);
      const headers = this.headers(kind, token.value);
      if (opts.body !== undefined) headers["Content-Type"] = "application/json";
      let res: Response;
      try {
        res = await this.ctx.fetch(url, {
          method,
          headers,
          ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        });
      } catch (e) {
        throw networkError(what, e);
      }
      if (res.status === 401 && attempt === 0) {
        // Revoked or expired before expires_at (clock skew, rotated fernet keys): once more, fresh.
        await res.body?.cancel();
        await forgetToken(this.settings);
        this.token = await getToken(this.ctx, this.settings, true);
        continue;
      }
      if (res.ok || opts.accept?.includes(res.status)) {
        const text = await res.text();
        return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
      }
      throw await errorFromResponse(res, what);
    }
  }

  /** Every page of a list call: `key` is the collection ("servers"), its links `${key}_links`. */
  async list<T>(kind: ServiceKind, path: string, key: string, query: RequestOpts["query"] = {}): Promise<T[]> {
    const out: T[] = [];
    let next: string | undefined = path;
    let q: RequestOpts["query"] = { ...query, limit: this.settings.page_size };
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const { body } = await this.request<Record<string, unknown>>(kind, "GET", next, { query: q });
      const items = body[key];
      if (!Array.isArray(items)) throw new OsError(`${SERVICE_LABEL[kind]}: GET ${path}: no "${key}" list in the response`, false);
      out.push(...(items as T[]));
      next = nextLink(body, key);
      if (next?.startsWith("/") && kind === "image") next = (await this.url("image", "")) + next;
      q = undefined; // the next link carries limit, marker and the filters
      if (items.length === 0) break;
    }
    return out;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }

  /** Calls `probe` until it returns a value (not undefined) or wait_timeout_ms passes. */
  async waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = this.ctx.now().getTime() + this.settings.wait_timeout_ms;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      // transient: the consumer retries the whole (idempotent) call later
      if (this.ctx.now().getTime() >= deadline) throw new OsError(`${what}: still waiting after ${this.settings.wait_timeout_ms} ms`, true);
      await this.sleep(this.settings.wait_interval_ms);
    }
  }
}

function nextLink(body: Record<string, unknown>, key: string): string | undefined {
  const links = body[`${key}_links`];
  if (Array.isArray(links)) {
    const n = links.find((l) => (l as { rel?: string }).rel === "next") as { href?: string } | undefined;
    return n?.href;
  }
  return typeof body["next"] === "string" ? body["next"] : undefined;
}
