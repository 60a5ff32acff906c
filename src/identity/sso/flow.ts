// SSO scope and password-less sign-in over OpenID Connect (authorization code + PKCE S256).
// start: a random state and a binding secret go to the client (only the state goes on to the
// provider); D1 keeps their keyed hashes, the purpose and (for linking) the account. The PKCE verifier and the nonce are keyed derivations of the state, so whoever
// completes the flow must hold the state the provider returned, and a copy of D1 completes nothing.
// callback: the state is claimed once, the code exchanged at the provider's token endpoint with the
// verifier, the ID token verified (id-token.ts), and the identity (a keyed hash of issuer and
// subject) linked to the account or used to sign in to the account it is linked to.
import { and, count, eq, gt, isNull, lt } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { identityScopes, identitySsoStates, users } from "../../db/schema/index.ts";
import { ApiError, conflict, fieldError, invalidToken } from "../../http/errors.ts";
import { nowIso } from "../../http/ids.ts";
import { v } from "../../http/validate.ts";
import { addSeconds, constantTimeEqualHex, type IdentityEnv, secretHash, upsertScope } from "../scopes/common.ts";
import { type SsoConfig, SsoConfigError, type SsoProvider, ssoConfig } from "./config.ts";
import { type Discovery, DiscoveryError, discover, signingKeys, TENANT_PLACEHOLDER } from "./discovery.ts";
import { b64urlEncode, type IdTokenClaims, type IdTokenResult, verifyIdToken } from "./id-token.ts";

export const SSO_STATE_TTL_SECONDS = 600;
/** Starts allowed per 10 minutes: per account for linking, for everyone together for anonymous sign-in. */
export const SSO_LINK_STARTS = 20;
export const SSO_LOGIN_STARTS = 600;

export const ssoStartSchema = v.object({
  provider: v.pipe(v.string("Not a valid string."), v.trim(), v.nonEmpty("This field may not be blank."), v.maxLength(32, "Ensure this field has no more than 32 characters.")),
  purpose: v.optional(v.picklist(["link", "login"], (i) => `"${String(i.input)}" is not a valid choice.`), "link"),
});
export const ssoCallbackSchema = v.object({
  state: v.pipe(v.string("Not a valid string."), v.regex(/^[A-Za-z0-9_-]{43}$/, "Not a state this server issued.")),
  /** The binding secret start returned to this client (kept beside the state, never sent to the provider). */
  binding: v.pipe(v.string("Not a valid string."), v.regex(/^[A-Za-z0-9_-]{43}$/, "Not a binding this server issued.")),
  code: v.pipe(v.string("Not a valid string."), v.nonEmpty("This field may not be blank."), v.maxLength(2048, "Ensure this field has no more than 2048 characters.")),
  /** RFC 9207 authorization response issuer, when the provider sends one. */
  iss: v.optional(v.pipe(v.string("Not a valid string."), v.maxLength(512, "Ensure this field has no more than 512 characters."))),
});

function configOrUnavailable(env: IdentityEnv): SsoConfig {
  let cfg: SsoConfig | null;
  try {
    cfg = ssoConfig(env);
  } catch (e) {
    if (!(e instanceof SsoConfigError)) throw e;
    console.error(`identity sso: ${e.message}`);
    cfg = null;
  }
  if (!cfg || cfg.providers.length === 0) throw new ApiError(503, { detail: "Single sign-on is not available on this deployment." });
  return cfg;
}

export function listProviders(env: IdentityEnv) {
  let cfg: SsoConfig | null = null;
  try {
    cfg = ssoConfig(env);
  } catch (e) {
    if (!(e instanceof SsoConfigError)) throw e;
    console.error(`identity sso: ${e.message}`);
  }
  return (cfg?.providers ?? []).map((p) => ({ id: p.id, name: p.name, issuer: p.issuer }));
}

async function discoverOrUnavailable(env: IdentityEnv, p: SsoProvider): Promise<Discovery> {
  try {
    return await discover(env, p);
  } catch (e) {
    if (!(e instanceof DiscoveryError)) throw e;
    console.error(`identity sso ${p.id}: ${e.message}`);
    throw new ApiError(503, { detail: `${p.name} sign-in is unavailable right now; try again later.` });
  }
}

const derived = (env: IdentityEnv, purpose: string, state: string) => secretHash(env, `identity-sso-${purpose}`, state);

async function codeChallenge(verifier: string) {
  return b64urlEncode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
}

export async function startSso(db: Db, env: IdentityEnv, me: User | null, provider: string, purpose: "link" | "login") {
  const cfg = configOrUnavailable(env);
  const p = cfg.providers.find((x) => x.id === provider);
  if (!p) throw fieldError("provider", `"${provider}" is not a valid choice.`);
  if (purpose === "link" && !me) throw new ApiError(401, { detail: "Authentication credentials were not provided." }, { "WWW-Authenticate": "Token" });
  const d = await discoverOrUnavailable(env, p);
  await db.delete(identitySsoStates).where(lt(identitySsoStates.expiresAt, addSeconds(nowIso(), -3600)));
  // Unfinished flows leave rows: cap how fast they can be made (anonymous starts share one budget).
  const since = addSeconds(nowIso(), -600);
  const recent = await db
    .select({ n: count() })
    .from(identitySsoStates)
    .where(and(gt(identitySsoStates.created, since), purpose === "link" ? eq(identitySsoStates.userId, me!.id) : eq(identitySsoStates.purpose, "login")))
    .get();
  if ((recent?.n ?? 0) >= (purpose === "link" ? SSO_LINK_STARTS : SSO_LOGIN_STARTS)) {
    throw new ApiError(429, { detail: "Too many sign-ins started; try again in a few minutes." }, { "Retry-After": "600" });
  }
  const state = b64urlEncode(crypto.getRandomValues(new Uint8Array(32)));
  const binding = b64urlEncode(crypto.getRandomValues(new Uint8Array(32)));
  const now = nowIso();
  const expiresAt = addSeconds(now, SSO_STATE_TTL_SECONDS);
  await db.insert(identitySsoStates).values({
    stateHash: await derived(env, "state", state),
    bindingHash: await derived(env, "binding", binding),
    provider: p.id,
    purpose,
    userId: purpose === "link" ? me!.id : null,
    expiresAt,
    created: now,
  });
  const url = new URL(d.authorizationEndpoint);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", p.clientId);
  url.searchParams.set("redirect_uri", cfg.redirectUri);
  url.searchParams.set("scope", p.scopes);
  url.searchParams.set("state", state);
  url.searchParams.set("nonce", await derived(env, "nonce", state));
  url.searchParams.set("code_challenge", await codeChallenge(await derived(env, "pkce", state)));
  url.searchParams.set("code_challenge_method", "S256");
  return { provider: p.id, purpose, authorization_url: url.toString(), state, binding, expires_at: expiresAt };
}

/** Exchanges the code for an ID token (RFC 6749 §4.1.3 with the RFC 7636 verifier). */
async function exchangeCode(p: SsoProvider, d: Discovery, redirectUri: string, code: string, verifier: string): Promise<string> {
  const form = new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier });
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" };
  if (p.clientSecret !== null && d.tokenAuthMethods.includes("client_secret_basic")) {
    const id = encodeURIComponent(p.clientId);
    const secret = encodeURIComponent(p.clientSecret);
    headers.Authorization = `Basic ${btoa(`${id}:${secret}`)}`;
  } else {
    form.set("client_id", p.clientId);
    if (p.clientSecret !== null) form.set("client_secret", p.clientSecret);
  }
  let res: Response;
  try {
    res = await fetch(d.tokenEndpoint, { method: "POST", headers, body: form.toString(), signal: AbortSignal.timeout(15_000) });
  } catch (e) {
    console.error(`identity sso ${p.id}: token endpoint unreachable: ${(e as Error).name}`);
    throw new ApiError(503, { detail: `${p.name} sign-in is unavailable right now; try again later.` });
  }
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = await res.json();
    if (parsed && typeof parsed === "object") json = parsed as Record<string, unknown>;
  } catch {
    // judged by status below
  }
  if (res.status === 400 || res.status === 401) {
    const err = typeof json.error === "string" && /^[\x20-\x7e]{1,64}$/.test(json.error) ? json.error : "invalid_request";
    throw fieldError("code", `${p.name} did not accept the code (${err}); start again.`);
  }
  if (!res.ok || typeof json.id_token !== "string") {
    console.error(`identity sso ${p.id}: token endpoint answered ${res.status}${typeof json.id_token === "string" ? "" : " without an id_token"}`);
    throw new ApiError(503, { detail: `${p.name} sign-in is unavailable right now; try again later.` });
  }
  return json.id_token;
}

const TOKEN_ERRORS: Record<string, string> = {
  malformed: "is malformed",
  algorithm: "uses an algorithm that is not accepted",
  unknown_key: "is signed by an unknown key",
  signature: "has an invalid signature",
  issuer: "is from another issuer",
  audience: "is for another client",
  nonce: "does not answer this sign-in (nonce)",
  expired: "has expired",
  not_yet_valid: "is not valid yet",
  subject: "has no usable subject",
};

function issuerCheck(d: Discovery): string | ((iss: string, c: IdTokenClaims) => boolean) {
  if (!d.issuer.includes(TENANT_PLACEHOLDER)) return d.issuer;
  return (iss, c) => typeof c.tid === "string" && /^[0-9a-f-]{36}$/.test(c.tid) && iss === d.issuer.replace(TENANT_PLACEHOLDER, c.tid);
}

async function validIdToken(env: IdentityEnv, p: SsoProvider, d: Discovery, idToken: string, state: string): Promise<IdTokenClaims> {
  const expect = { issuer: issuerCheck(d), clientId: p.clientId, nonce: await derived(env, "nonce", state), now: Date.now() / 1000 };
  let r: IdTokenResult;
  try {
    r = await verifyIdToken(idToken, await signingKeys(d.jwksUri), expect);
    if (!r.ok && r.error === "unknown_key") r = await verifyIdToken(idToken, await signingKeys(d.jwksUri, true), expect);
  } catch (e) {
    if (!(e instanceof DiscoveryError)) throw e;
    console.error(`identity sso ${p.id}: ${e.message}`);
    throw new ApiError(503, { detail: `${p.name} sign-in is unavailable right now; try again later.` });
  }
  if (!r.ok) throw fieldError("code", `The ID token from ${p.name} ${TOKEN_ERRORS[r.error]}; start again.`);
  return r.claims;
}

const stateRejected = () => fieldError("state", "Unknown, used or expired sign-in; start again.");

export async function completeSso(db: Db, env: IdentityEnv, me: User | null, b: { state: string; binding: string; code: string; iss?: string }) {
  const cfg = configOrUnavailable(env);
  const now = nowIso();
  // Claimed before anything else: a state completes at most one exchange.
  const row = await db
    .update(identitySsoStates)
    .set({ usedAt: now })
    .where(and(eq(identitySsoStates.stateHash, await derived(env, "state", b.state)), isNull(identitySsoStates.usedAt)))
    .returning()
    .get();
  if (!row || row.expiresAt <= now) throw stateRejected();
  // Login CSRF: a state and code from a flow someone else started do not come with its binding.
  if (!constantTimeEqualHex(await derived(env, "binding", b.binding), row.bindingHash)) {
    throw fieldError("binding", "This sign-in was started by another client; start again.");
  }
  const p = cfg.providers.find((x) => x.id === row.provider);
  if (!p) throw stateRejected();
  if (row.purpose === "link" && (!me || me.id !== row.userId)) {
    throw new ApiError(403, { detail: "Complete the link signed in as the account that started it." });
  }
  const d = await discoverOrUnavailable(env, p);
  if (b.iss !== undefined && b.iss.replace(/\/+$/, "") !== d.issuer && !d.issuer.includes(TENANT_PLACEHOLDER)) {
    throw fieldError("iss", "The response comes from another issuer.");
  }
  const idToken = await exchangeCode(p, d, cfg.redirectUri, b.code, await derived(env, "pkce", b.state));
  const claims = await validIdToken(env, p, d, idToken, b.state);
  const subject = await secretHash(env, "identity-sso-subject", `${claims.iss}\n${claims.sub}`);
  const linked = await db
    .select({ userId: identityScopes.userId })
    .from(identityScopes)
    .where(and(eq(identityScopes.kind, "sso"), eq(identityScopes.subject, subject), eq(identityScopes.status, "verified")))
    .get();

  if (row.purpose === "link") {
    if (linked && linked.userId !== me!.id) throw conflict(`This ${p.name} identity is linked to another account.`);
    const scope = await upsertScope(db, me!.id, "sso", subject, null, { status: "verified", method: "oidc", verifiedAt: nowIso(), label: p.name }, env);
    return { kind: "link" as const, scope };
  }
  if (!linked) throw invalidToken(`No account is linked to this ${p.name} identity; sign in another way and link it first.`);
  const user = await db.select().from(users).where(eq(users.id, linked.userId)).get();
  if (!user?.isActive) throw invalidToken("User account is disabled.");
  return { kind: "login" as const, user, provider: p.id };
}
