// SSO providers a deployment offers, from VE_SSO (JSON):
//   {"redirect_uri": "https://portal.example/sso/callback",
//    "providers": [
//      {"id": "google", "preset": "google", "client_id": "…", "client_secret": {"$secret": "VE_SSO_GOOGLE_SECRET"}},
//      {"id": "microsoft", "preset": "microsoft", "tenant": "common", "client_id": "…", "client_secret": {"$secret": "…"}},
//      {"id": "facebook", "preset": "facebook", "client_id": "…", "client_secret": {"$secret": "…"}},
//      {"id": "corp", "name": "Corp login", "issuer": "https://idp.corp.example", "client_id": "…", "client_secret": {"$secret": "…"}}]}
// A preset fills the issuer (endpoints always come from the issuer's discovery document); any other
// provider names its issuer URL. {"$secret": NAME} reads the Worker secret NAME, so client secrets
// never sit in the JSON variable. Plain http issuers only on loopback in local mode.
import * as v from "valibot";
import type { IdentityEnv } from "../scopes/common.ts";

export class SsoConfigError extends Error {}

export interface SsoProvider {
  id: string;
  name: string;
  issuer: string;
  /** Microsoft's multi-tenant endpoints: the discovered issuer is a template with {tenantid}. */
  tenantTemplate: boolean;
  clientId: string;
  clientSecret: string | null;
  scopes: string;
}

export interface SsoConfig {
  redirectUri: string;
  providers: SsoProvider[];
}

const PRESETS = {
  google: { name: "Google", issuer: () => "https://accounts.google.com", scopes: "openid email profile" },
  microsoft: {
    name: "Microsoft",
    issuer: (tenant: string) => `https://login.microsoftonline.com/${tenant}/v2.0`,
    scopes: "openid email profile",
  },
  facebook: { name: "Facebook", issuer: () => "https://www.facebook.com", scopes: "openid email" },
} as const;
const MULTI_TENANT = new Set(["common", "organizations", "consumers"]);

const secretRef = v.union([v.string(), v.object({ $secret: v.pipe(v.string(), v.nonEmpty()) })]);
const providerSchema = v.object({
  id: v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, "lowercase letters, digits, - and _ (max 32)")),
  name: v.optional(v.pipe(v.string(), v.nonEmpty(), v.maxLength(64))),
  preset: v.optional(v.picklist(["google", "microsoft", "facebook"])),
  tenant: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9.-]{1,64}$/))),
  issuer: v.optional(v.pipe(v.string(), v.url())),
  client_id: v.pipe(v.string(), v.nonEmpty(), v.maxLength(256)),
  client_secret: v.optional(secretRef),
  scopes: v.optional(v.pipe(v.string(), v.regex(/^openid( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'space-separated, starting with "openid"'))),
});
const configSchema = v.object({
  redirect_uri: v.pipe(v.string(), v.url()),
  providers: v.pipe(v.array(providerSchema), v.maxLength(32)),
});

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** https, or http to loopback when the deployment runs in local mode. */
export function allowedUrl(env: IdentityEnv, raw: string): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (u.protocol === "https:") return true;
  return env.VE_MODE === "local" && u.protocol === "http:" && LOOPBACK.has(u.hostname);
}

/** The configured providers; none when VE_SSO is unset; SsoConfigError naming the bad field. */
export function ssoConfig(env: IdentityEnv): SsoConfig | null {
  const raw = env.VE_SSO;
  if (typeof raw !== "string" || raw.trim() === "") return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new SsoConfigError("VE_SSO is not valid JSON");
  }
  const r = v.safeParse(configSchema, json);
  if (!r.success) {
    const i = r.issues[0]!;
    throw new SsoConfigError(`VE_SSO ${(i.path ?? []).map((p) => String(p.key)).join(".")}: ${i.message}`);
  }
  const seen = new Set<string>();
  const providers = r.output.providers.map((p, i): SsoProvider => {
    const at = `VE_SSO providers.${i}`;
    if (seen.has(p.id)) throw new SsoConfigError(`${at}.id: "${p.id}" is used twice`);
    seen.add(p.id);
    const preset = p.preset ? PRESETS[p.preset] : null;
    const tenant = p.tenant ?? "common";
    const issuer = p.issuer ?? preset?.issuer(tenant);
    if (!issuer) throw new SsoConfigError(`${at}: give a preset or an issuer`);
    if (!allowedUrl(env, issuer)) throw new SsoConfigError(`${at}.issuer: must be https`);
    let clientSecret: string | null = null;
    if (typeof p.client_secret === "string") clientSecret = p.client_secret;
    else if (p.client_secret) {
      const val = env[p.client_secret.$secret];
      if (typeof val !== "string" || val === "") throw new SsoConfigError(`${at}.client_secret: secret ${p.client_secret.$secret} is not set`);
      clientSecret = val;
    }
    return {
      id: p.id,
      name: p.name ?? preset?.name ?? p.id,
      issuer: issuer.replace(/\/+$/, ""),
      tenantTemplate: p.preset === "microsoft" && !p.issuer && MULTI_TENANT.has(tenant),
      clientId: p.client_id,
      clientSecret,
      scopes: p.scopes ?? preset?.scopes ?? "openid email profile",
    };
  });
  if (!allowedUrl(env, r.output.redirect_uri)) throw new SsoConfigError("VE_SSO redirect_uri: must be https");
  return { redirectUri: r.output.redirect_uri, providers };
}
