// A minimal Kubernetes REST client over fetch (runs in workerd: no node modules, no client-node).
// Every call returns a KubeResponse instead of throwing, and kubeError() turns a failed one into a
// PluginError with the API server's Status.message kept for the customer and the provider.
import type { PluginContext, PluginError } from "../types.ts";
import type { KubernetesSettings } from "./settings.ts";

/** meta/v1 Status, the body of every failed API call. */
export interface KubeStatus {
  kind: "Status";
  status?: "Success" | "Failure";
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
    creationTimestamp?: string;
  };
  [key: string]: unknown;
}

export type KubeResponse<T = KubeObject> =
  | { ok: true; status: number; body: T }
  | { ok: false; status: number; reason: string; message: string; transient: boolean };

const isStatus = (b: unknown): b is KubeStatus => !!b && typeof b === "object" && (b as { kind?: unknown }).kind === "Status";

/** Which failures are worth retrying: the server or the path to it, never the request itself. */
function isTransient(status: number, reason: string): boolean {
  if (status === 0 || status === 429 || status >= 500) return true;
  // A 409 Conflict (stale resourceVersion) and a namespace that is still terminating both clear up.
  if (status === 409 && reason === "Conflict") return true;
  if (status === 403 && reason === "NamespaceTerminating") return true;
  return false;
}

export class KubeClient {
  constructor(
    private readonly ctx: PluginContext,
    private readonly settings: KubernetesSettings,
  ) {}

  async request<T = KubeObject>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<KubeResponse<T>> {
    let res: Response;
    try {
      res = await this.ctx.fetch(this.settings.api_url + path, {
        method,
        headers: {
          authorization: `Bearer ${this.settings.token}`,
          accept: "application/json",
          ...(body === undefined ? {} : { "content-type": contentType }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.settings.timeout_ms),
      });
    } catch (e) {
      // Connection refused, reset, DNS, timeout: the API server may be back soon. The error text
      // never carries the token (it is only in a header).
      const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      return { ok: false, status: 0, reason: "Unreachable", message: `Kubernetes API unreachable (${msg})`, transient: true };
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.ok) return { ok: true, status: res.status, body: json as T };
    const st = isStatus(json) ? json : undefined;
    // Proxies in front of the API server answer with HTML or plain text; keep a short excerpt.
    const reason = st?.reason ?? (res.status === 429 ? "TooManyRequests" : res.statusText || "Unknown");
    const cause = st?.details?.causes?.find((c) => c.reason === "NamespaceTerminating");
    const effReason = cause ? "NamespaceTerminating" : reason;
    const message = st?.message ?? (text.slice(0, 200).trim() || `HTTP ${res.status}`);
    return { ok: false, status: res.status, reason: effReason, message, transient: isTransient(res.status, effReason) };
  }

  get<T = KubeObject>(path: string) {
    return this.request<T>("GET", path);
  }
  post<T = KubeObject>(path: string, body: unknown) {
    return this.request<T>("POST", path, body);
  }
  put<T = KubeObject>(path: string, body: unknown) {
    return this.request<T>("PUT", path, body);
  }
  /** JSON merge patch (RFC 7386): a null value removes the key. */
  mergePatch<T = KubeObject>(path: string, body: unknown) {
    return this.request<T>("PATCH", path, body, "application/merge-patch+json");
  }
  delete<T = KubeObject>(path: string) {
    return this.request<T>("DELETE", path, { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" });
  }
}

/** A failed call as a PluginError: what we were doing, then the API server's own words. */
export function kubeError(r: { status: number; reason: string; message: string; transient: boolean }, doing: string): PluginError {
  if (r.status === 401) {
    return { transient: false, message: `${doing}: Kubernetes API refused the credentials (401 Unauthorized): check the offering's token` };
  }
  const code = r.status ? ` (${r.status} ${r.reason})` : "";
  return { transient: r.transient, message: `${doing}: ${r.message}${code}` };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
