// Keystone v3 authentication (password or application credential) with a token cache and the
// service catalog. Tokens are cached per isolate until shortly before expires_at, so a queue
// batch of orders costs one POST /v3/auth/tokens, not one per call.
import type { PluginContext } from "../types.ts";
import { errorFromResponse, networkError, OsError } from "./errors.ts";
import type { OpenStackSettings } from "./settings.ts";

export interface CatalogEndpoint {
  interface: string;
  region?: string | null;
  region_id?: string | null;
  url: string;
}
export interface CatalogEntry {
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}
export interface Token {
  value: string;
  expiresAt: number;
  projectId: string;
  userId: string;
  roles: string[];
  catalog: CatalogEntry[];
}

/** Re-authenticate this long before the token expires, so a token never dies mid-flow. */
const EXPIRY_MARGIN_MS = 120_000;
const cache = new Map<string, Token>();

async function cacheKey(s: OpenStackSettings): Promise<string> {
  // The secret is part of the identity (a rotated password must not reuse the old token) but is
  // only kept hashed, so the cache never holds credentials in the clear.
  const who =
    s.auth_type === "password"
      ? ["pw", s.username, s.user_domain_id, s.password, s.project_id ?? "", s.project_name ?? "", s.project_domain_id]
      : ["ac", s.application_credential_id, s.application_credential_secret];
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode([s.auth_url, ...who].join("\u0000")));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function authBody(s: OpenStackSettings): unknown {
  if (s.auth_type === "application_credential") {
    return {
      auth: {
        identity: {
          methods: ["application_credential"],
          application_credential: { id: s.application_credential_id, secret: s.application_credential_secret },
        },
      },
    };
  }
  const scope = s.project_id
    ? { project: { id: s.project_id } }
    : s.project_name
      ? { project: { name: s.project_name, domain: { id: s.project_domain_id } } }
      : undefined;
  return {
    auth: {
      identity: {
        methods: ["password"],
        password: { user: { name: s.username, domain: { id: s.user_domain_id }, password: s.password } },
      },
      ...(scope ? { scope } : {}),
    },
  };
}

export function authUrl(s: OpenStackSettings): string {
  return s.auth_url.replace(/\/+$/, "");
}

export async function getToken(ctx: PluginContext, s: OpenStackSettings, fresh = false): Promise<Token> {
  const key = await cacheKey(s);
  const hit = cache.get(key);
  if (hit && !fresh && hit.expiresAt - EXPIRY_MARGIN_MS > ctx.now().getTime()) return hit;
  let res: Response;
  try {
    res = await ctx.fetch(`${authUrl(s)}/auth/tokens`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(authBody(s)),
    });
  } catch (e) {
    throw networkError("keystone: authenticate", e);
  }
  // 401 here is a wrong password/secret: permanent, Keystone's own message kept.
  if (res.status !== 201) throw await errorFromResponse(res, "keystone: authenticate");
  const value = res.headers.get("X-Subject-Token");
  const body = (await res.json()) as {
    token: {
      expires_at: string;
      project?: { id: string };
      user: { id: string };
      roles?: { name: string }[];
      catalog?: CatalogEntry[];
    };
  };
  if (!value) throw new OsError("keystone: authenticate: no X-Subject-Token in the response", false);
  if (!body.token.project) throw new OsError("keystone: the token is not project-scoped: set project_id or project_name", false);
  const token: Token = {
    value,
    expiresAt: Date.parse(body.token.expires_at),
    projectId: body.token.project.id,
    userId: body.token.user.id,
    roles: (body.token.roles ?? []).map((r) => r.name),
    catalog: body.token.catalog ?? [],
  };
  cache.set(key, token);
  return token;
}

export async function forgetToken(s: OpenStackSettings): Promise<void> {
  cache.delete(await cacheKey(s));
}

/** Catalog types, with the older names some clouds still register. */
const TYPE_ALIASES: Record<string, string[]> = {
  compute: ["compute"],
  network: ["network"],
  volume: ["volumev3", "block-storage", "volume"],
  image: ["image"],
  identity: ["identity"],
};
export type ServiceKind = keyof typeof TYPE_ALIASES;

export function endpointFor(token: Token, s: OpenStackSettings, kind: ServiceKind): string {
  for (const type of TYPE_ALIASES[kind]!) {
    const entry = token.catalog.find((c) => c.type === type);
    if (!entry) continue;
    const ep = entry.endpoints.find(
      (e) => e.interface === s.interface && (!s.region || e.region_id === s.region || e.region === s.region),
    );
    if (ep) return ep.url.replace(/\/+$/, "");
  }
  const where = s.region ? ` in region ${s.region}` : "";
  throw new OsError(`keystone catalog: no ${s.interface} ${kind} endpoint${where}`, false);
}
