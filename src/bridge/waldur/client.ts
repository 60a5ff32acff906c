// A typed client for a provider's Waldur (types generated from openapi/waldur/bridge-subset.yaml),
// with what talking to someone else's server needs: paging by the Link header, a request-rate cap,
// bounded retries with backoff on 429/5xx/network errors, and errors as values with Waldur's message.
import createClient, { type Client } from "openapi-fetch";
import type { paths } from "../../../openapi/waldur/bridge-subset.d.ts";

export type WaldurPaths = paths;

export type WaldurResult<T> = { ok: true; value: T } | { ok: false; status: number; message: string; transient: boolean };

export interface WaldurClientOptions {
  /** API root, e.g. https://waldur.example.org (with or without a trailing /api/). */
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  /** Minimum milliseconds between requests (rate cap); default 20. */
  minIntervalMs?: number;
  /** Retries after the first attempt for 429/5xx/network errors; default 4. */
  retries?: number;
  /** First backoff delay; doubles per retry, capped at 10 s. Retry-After wins when given. */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** 100 per page: a list longer than a million items is not something to mirror. */
const MAX_PAGES = 10_000;

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The URL of a relation (next, last, …) in an RFC 5988 Link header, or null. */
export function relLink(link: string | null, rel: string): string | null {
  if (!link) return null;
  for (const part of link.split(",")) {
    const m = part.match(/<([^>]+)>\s*;\s*rel="?([a-z]+)"?/);
    if (m && m[2] === rel) return m[1]!;
  }
  return null;
}

/** The URL of rel="next" in an RFC 5988 Link header, or null. */
export const nextLink = (link: string | null) => relLink(link, "next");

/** The page number a link points at (1 when it names none), or null for no link or a bad one. */
function pageNumber(url: string | null): number | null {
  if (!url) return null;
  try {
    const p = new URL(url).searchParams.get("page");
    if (p === null) return 1;
    return /^\d{1,6}$/.test(p) ? Number(p) : null;
  } catch {
    return null;
  }
}

/** Only the page number is taken from a next link: the host stays the configured one. */
function followPage(current: string, next: string | null): string | null {
  if (!next) return null;
  const page = new URL(next).searchParams.get("page");
  if (!page) return null;
  const u = new URL(current);
  u.searchParams.set("page", page);
  return u.toString();
}

function describe(status: number, body: unknown): string {
  if (body && typeof body === "object") {
    if ("detail" in body) return String((body as { detail: unknown }).detail);
    return JSON.stringify(body).slice(0, 500);
  }
  return typeof body === "string" && body ? body.slice(0, 500) : `HTTP ${status}`;
}

export class WaldurClient {
  readonly api: Client<paths>;
  private last = 0;
  private readonly opts: Required<Omit<WaldurClientOptions, "fetch">> & { fetch: typeof fetch };

  constructor(opts: WaldurClientOptions) {
    this.opts = {
      minIntervalMs: 20,
      retries: 4,
      backoffMs: 250,
      sleep: defaultSleep,
      fetch: opts.fetch ?? ((...a) => fetch(...a)),
      ...opts,
      baseUrl: opts.baseUrl.replace(/\/+$/, "").replace(/\/api$/, ""),
    };
    // openapi-fetch types its Request with the DOM lib; workerd's is the same object at run time.
    this.api = createClient<paths>({ baseUrl: this.opts.baseUrl, fetch: (req) => this.send(req as unknown as Request) });
  }

  /** Every request passes here: auth header, rate cap, retries. */
  private async send(req: Request): Promise<Response> {
    let attempt = 0;
    for (;;) {
      // Each request reserves the next free slot first, so concurrent page fetches keep the cap too.
      const slot = Math.max(Date.now(), this.last + this.opts.minIntervalMs);
      this.last = slot;
      const wait = slot - Date.now();
      if (wait > 0) await this.opts.sleep(wait);
      const r = req.clone();
      r.headers.set("Authorization", `Token ${this.opts.token}`);
      let res: Response | null = null;
      try {
        res = await this.opts.fetch(r as never);
      } catch (e) {
        if (attempt >= this.opts.retries) throw e;
      }
      if (res && res.status !== 429 && res.status < 500) return res;
      if (res && attempt >= this.opts.retries) return res;
      const retryAfter = Number(res?.headers.get("retry-after"));
      await res?.body?.cancel();
      const backoff = Math.min(10_000, this.opts.backoffMs * 2 ** attempt);
      await this.opts.sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : backoff);
      attempt++;
    }
  }

  /** Wraps an openapi-fetch call into a result value, catching transport failures. */
  async call<T>(p: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<WaldurResult<T>> {
    try {
      const { data, error, response } = await p;
      if (response.ok) return { ok: true, value: data as T };
      return {
        ok: false,
        status: response.status,
        message: describe(response.status, error),
        transient: response.status === 429 || response.status >= 500,
      };
    } catch (e) {
      return { ok: false, status: 0, message: `cannot reach Waldur: ${(e as Error).message}`, transient: true };
    }
  }

  /**
   * Every page of a list (page_size 100 as Waldur's own SDK uses). The first page's Link header
   * names the last page; the rest are then fetched `concurrency` at a time (each still under the
   * rate cap and retries) and joined in page order. Without rel="last", rel="next" is followed.
   */
  async listAll<T>(path: string, query: Record<string, string | string[]> = {}, concurrency = 4): Promise<WaldurResult<T[]>> {
    const first = new URL(`${this.opts.baseUrl}${path}`);
    for (const [k, v] of Object.entries(query)) for (const x of [v].flat()) first.searchParams.append(k, x);
    first.searchParams.set("page_size", "100");
    const head = await this.page<T>(first.toString());
    if (!head.ok) return head;
    const last = pageNumber(relLink(head.value.link, "last"));
    if (last !== null && last > MAX_PAGES) {
      return { ok: false, status: 0, message: `the remote lists ${last} pages, more than the ${MAX_PAGES} the bridge reads`, transient: false };
    }
    if (last !== null && last > 1) {
      const pages: T[][] = new Array(last);
      pages[0] = head.value.items;
      let nextPage = 2;
      let failure: WaldurResult<T[]> | null = null;
      const worker = async () => {
        while (!failure && nextPage <= last) {
          const n = nextPage++;
          const u = new URL(first);
          u.searchParams.set("page", String(n));
          const r = await this.page<T>(u.toString());
          if (!r.ok) failure = r;
          else pages[n - 1] = r.value.items;
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, last - 1)) }, worker));
      if (failure) return failure;
      return { ok: true, value: pages.flat() };
    }
    const out: T[] = [...head.value.items];
    let url = followPage(first.toString(), relLink(head.value.link, "next"));
    while (url) {
      const r = await this.page<T>(url);
      if (!r.ok) return r;
      out.push(...r.value.items);
      url = followPage(url, relLink(r.value.link, "next"));
    }
    return { ok: true, value: out };
  }

  /** One page of a list: its items and Link header, or the remote's error. */
  private async page<T>(url: string): Promise<WaldurResult<{ items: T[]; link: string | null }>> {
    let res: Response;
    try {
      res = await this.send(new Request(url));
    } catch (e) {
      return { ok: false, status: 0, message: `cannot reach Waldur: ${(e as Error).message}`, transient: true };
    }
    const body = (await res.json().catch(() => null)) as unknown;
    if (!res.ok || !Array.isArray(body)) {
      const message = res.ok ? "the remote sent a list page that is not a JSON array" : describe(res.status, body);
      return { ok: false, status: res.status, message, transient: res.status === 429 || res.status >= 500 };
    }
    return { ok: true, value: { items: body as T[], link: res.headers.get("link") } };
  }
}
