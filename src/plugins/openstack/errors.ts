// Turning OpenStack error responses into PluginErrors. Each service wraps its message differently:
// nova/cinder {"badRequest"|"itemNotFound"|"overLimit"|"forbidden"|…: {"code", "message"}},
// neutron {"NeutronError": {"type", "message", "detail"}}, keystone {"error": {"code", "title",
// "message"}}, glance plain text. The backend's own message is kept for customer and provider.
import type { PluginError } from "../types.ts";

/** Thrown inside the plugin's modules and turned into fail() at the interface (index.ts). */
export class OsError extends Error implements PluginError {
  constructor(
    message: string,
    readonly transient: boolean,
    readonly status = 0,
  ) {
    super(message);
  }
}

export function backendMessage(status: number, text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // glance (and proxies) answer text/plain or HTML: the first meaningful line is the message
    const plain = text.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
    return plain ? plain.slice(0, 500) : `HTTP ${status}`;
  }
  if (body && typeof body === "object") {
    const o = body as Record<string, unknown>;
    const neutron = o["NeutronError"] as { type?: string; message?: string } | undefined;
    if (neutron?.message) return neutron.type ? `${neutron.type}: ${neutron.message}` : neutron.message;
    for (const val of Object.values(o)) {
      if (val && typeof val === "object" && typeof (val as { message?: unknown }).message === "string") {
        return (val as { message: string }).message;
      }
    }
    if (typeof o["message"] === "string") return o["message"];
  }
  return text.slice(0, 500) || `HTTP ${status}`;
}

/**
 * 5xx, 429 (rate limited) and 408 are worth retrying; every other 4xx is the backend refusing —
 * including 413 overLimit, which nova/cinder use for exceeded quotas (retrying cannot help).
 */
export function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

export async function errorFromResponse(res: Response, what: string): Promise<OsError> {
  const text = await res.text().catch(() => "");
  return new OsError(`${what}: ${backendMessage(res.status, text)}`, isTransientStatus(res.status), res.status);
}

/** fetch() itself failed: connection refused, reset, DNS — always transient. */
export function networkError(what: string, e: unknown): OsError {
  return new OsError(`${what}: backend unreachable (${(e as Error)?.message ?? String(e)})`, true);
}

export function toPluginError(e: unknown): PluginError {
  if (e instanceof OsError) return { message: e.message, transient: e.transient };
  // A bug in the plugin or an unexpected body: permanent, so it surfaces instead of looping.
  return { message: `openstack plugin: ${(e as Error)?.message ?? String(e)}`, transient: false };
}
