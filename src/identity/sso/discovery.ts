// The provider's discovery document (OpenID Connect Discovery 1.0) and its signing keys, cached per
// isolate for a few minutes; an ID token signed by a key we do not know yet triggers one refetch
// of the JWKS (providers rotate keys).
import type { IdentityEnv } from "../scopes/common.ts";
import { allowedUrl, type SsoProvider } from "./config.ts";
import type { Jwk } from "./id-token.ts";

export class DiscoveryError extends Error {}

export interface Discovery {
  issuer: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
  jwksUri: string;
  tokenAuthMethods: string[];
}

const TTL_MS = 5 * 60_000;
const discoveries = new Map<string, { at: number; doc: Promise<Discovery> }>();
const jwksCache = new Map<string, { at: number; keys: Promise<Jwk[]> }>();

async function getJson(url: string): Promise<Record<string, unknown>> {
  let res: Response;
  try {
    res = await fetch(url, { headers: { Accept: "application/json" }, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new DiscoveryError(`${url}: ${(e as Error).name}`);
  }
  if (!res.ok) throw new DiscoveryError(`${url}: HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > 512_000) throw new DiscoveryError(`${url}: too large`);
  try {
    const v: unknown = JSON.parse(text);
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new DiscoveryError(`${url}: not a JSON object`);
}

/** Microsoft's common endpoints publish "https://login.microsoftonline.com/{tenantid}/v2.0". */
export const TENANT_PLACEHOLDER = "{tenantid}";

async function load(env: IdentityEnv, p: SsoProvider): Promise<Discovery> {
  const doc = await getJson(`${p.issuer}/.well-known/openid-configuration`);
  const str = (k: string) => (typeof doc[k] === "string" ? (doc[k] as string) : "");
  const issuer = str("issuer").replace(/\/+$/, "");
  const issuerOk = issuer === p.issuer || (p.tenantTemplate && issuer.includes(TENANT_PLACEHOLDER));
  if (!issuerOk) throw new DiscoveryError(`discovery issuer ${issuer || "(none)"} is not ${p.issuer}`);
  const out: Discovery = {
    issuer,
    authorizationEndpoint: str("authorization_endpoint"),
    tokenEndpoint: str("token_endpoint"),
    jwksUri: str("jwks_uri"),
    tokenAuthMethods: Array.isArray(doc.token_endpoint_auth_methods_supported)
      ? doc.token_endpoint_auth_methods_supported.filter((m): m is string => typeof m === "string")
      : ["client_secret_basic"],
  };
  for (const [k, u] of [
    ["authorization_endpoint", out.authorizationEndpoint],
    ["token_endpoint", out.tokenEndpoint],
    ["jwks_uri", out.jwksUri],
  ] as const) {
    if (!allowedUrl(env, u)) throw new DiscoveryError(`discovery ${k} is missing or not https`);
  }
  return out;
}

export function discover(env: IdentityEnv, p: SsoProvider): Promise<Discovery> {
  const key = `${p.id}\n${p.issuer}`;
  const hit = discoveries.get(key);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.doc;
  const doc = load(env, p);
  discoveries.set(key, { at: Date.now(), doc });
  doc.catch(() => discoveries.delete(key));
  return doc;
}

export function signingKeys(jwksUri: string, refresh = false): Promise<Jwk[]> {
  const hit = jwksCache.get(jwksUri);
  if (hit && !refresh && Date.now() - hit.at < TTL_MS) return hit.keys;
  const keys = getJson(jwksUri).then((doc) => {
    if (!Array.isArray(doc.keys)) throw new DiscoveryError("jwks has no keys");
    return doc.keys.filter((k): k is Jwk => !!k && typeof k === "object" && typeof (k as Jwk).kty === "string");
  });
  jwksCache.set(jwksUri, { at: Date.now(), keys });
  keys.catch(() => jwksCache.delete(jwksUri));
  return keys;
}
