import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, test } from "node:test";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { identityScopes, identitySsoStates } from "../../src/db/schema/index.ts";
import { SsoConfigError, ssoConfig } from "../../src/identity/sso/config.ts";
import { b64urlEncode, type Jwk, verifyIdToken } from "../../src/identity/sso/id-token.ts";
import { Api, dbOf, userApi } from "../helpers/api.ts";
import { type OidcTestProvider, startOidcProvider } from "../servers/oidc-test-provider.ts";

const REDIRECT = "http://127.0.0.1:9/sso/callback";
let host: WorkerHost;
let corp: OidcTestProvider;
let partner: OidcTestProvider;

before(async () => {
  corp = await startOidcProvider({ clients: [{ clientId: "virtengine-corp", clientSecret: "corp-secret-123", redirectUri: REDIRECT }] });
  partner = await startOidcProvider({
    clients: [{ clientId: "virtengine-partner", clientSecret: "partner-secret-456", redirectUri: REDIRECT, authMethod: "client_secret_post", alg: "ES256" }],
    authMethods: ["client_secret_post"],
  });
  const down = await startOidcProvider({ clients: [] });
  await down.close();
  host = await startWorkerHost({
    vars: {
      VE_SSO: JSON.stringify({
        redirect_uri: REDIRECT,
        providers: [
          { id: "corp", name: "Corp login", issuer: corp.issuer, client_id: "virtengine-corp", client_secret: { $secret: "VE_SSO_CORP_SECRET" } },
          { id: "partner", issuer: partner.issuer, client_id: "virtengine-partner", client_secret: { $secret: "VE_SSO_PARTNER_SECRET" } },
          { id: "down", issuer: down.issuer, client_id: "x", client_secret: "y" },
        ],
      }),
      VE_SSO_CORP_SECRET: "corp-secret-123",
      VE_SSO_PARTNER_SECRET: "partner-secret-456",
    },
  });
});
after(async () => {
  await host?.dispose();
  await corp?.close();
  await partner?.close();
});

const anon = () => new Api(host);

/** start → the provider's login (as `sub`) → the redirect back; returns what the client would post. */
async function signIn(api: Api, idp: OidcTestProvider, provider: string, sub: string, purpose: "link" | "login" = "link") {
  const s = await api.expect(200, api.post("/api/identity/sso/start/", { provider, purpose }));
  idp.loginAs = sub;
  const back = await idp.authorize(s.authorization_url);
  assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
  assert.equal(back.searchParams.get("state"), s.state);
  assert.match(s.binding, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(!s.authorization_url.includes(s.binding), "the binding never goes to the provider");
  return { start: s, state: back.searchParams.get("state")!, binding: s.binding as string, code: back.searchParams.get("code")!, iss: back.searchParams.get("iss") ?? undefined };
}

test("sso providers: public list without secrets", async () => {
  const list = await anon().expect(200, anon().get("/api/identity/sso/providers/"));
  assert.deepEqual(list, [
    { id: "corp", name: "Corp login", issuer: corp.issuer },
    { id: "partner", name: "partner", issuer: partner.issuer },
    { id: "down", name: "down", issuer: list[2].issuer },
  ]);
  assert.ok(!JSON.stringify(list).includes("secret"));
});

test("sso: link an identity with code + PKCE against a real OpenID provider, then sign in without a password", async () => {
  const a = await userApi(host, "ssouser1");
  const flow = await signIn(a, corp, "corp", "alice-sub-1");
  const auth = new URL(flow.start.authorization_url);
  assert.equal(auth.searchParams.get("code_challenge_method"), "S256");
  assert.match(auth.searchParams.get("code_challenge")!, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(auth.searchParams.get("nonce"));
  assert.equal(auth.searchParams.get("redirect_uri"), REDIRECT);
  assert.equal(flow.iss, corp.issuer);
  const scope = await a.expect(200, a.post("/api/identity/sso/callback/", flow));
  assert.equal(scope.scope, "sso");
  assert.equal(scope.status, "verified");
  assert.equal(scope.method, "oidc");
  assert.equal(scope.subject, "Corp login");
  // D1 holds neither the provider's subject nor the email, nor the state, verifier or nonce.
  const db = dbOf(host);
  const dump = JSON.stringify([await db.select().from(identityScopes).all(), await db.select().from(identitySsoStates).all()]);
  for (const s of ["alice-sub-1", "@idp.test", flow.state, auth.searchParams.get("nonce")!]) assert.ok(!dump.includes(s), `${s} in D1`);
  // The state works once.
  const replay = await a.post("/api/identity/sso/callback/", flow);
  assert.deepEqual(replay.body, { state: ["Unknown, used or expired sign-in; start again."] });

  // Password-less sign-in with the linked identity: anonymous start and callback issue a token.
  const login = await signIn(anon(), corp, "corp", "alice-sub-1", "login");
  const r = await anon().expect(200, anon().post("/api/identity/sso/callback/", login));
  assert.equal(r.user_uuid, a.uuid);
  assert.equal(r.provider, "corp");
  const me = await new Api(host, r.token).expect(200, new Api(host, r.token).get("/api/users/me/"));
  assert.equal(me.uuid, a.uuid);
  assert.equal(me.username, "ssouser1");

  // An identity nobody linked signs in to nothing.
  const stranger = await signIn(anon(), corp, "corp", "mallory-sub", "login");
  const refused = await anon().post("/api/identity/sso/callback/", stranger);
  assert.equal(refused.status, 401);
  assert.match(refused.body.detail, /No account is linked/);
  // The same identity cannot be linked to a second account.
  const b = await userApi(host, "ssouser2");
  const steal = await signIn(b, corp, "corp", "alice-sub-1");
  assert.equal((await b.post("/api/identity/sso/callback/", steal)).status, 409);
  assert.deepEqual(await b.expect(200, b.get("/api/identity/scopes/")), []);
});

test("sso: any issuer URL — a provider that only takes client_secret_post and signs with ES256", async () => {
  const a = await userApi(host, "ssouser3");
  const before = partner.tokenRequests;
  const flow = await signIn(a, partner, "partner", "bob-sub");
  const scope = await a.expect(200, a.post("/api/identity/sso/callback/", flow));
  assert.equal(scope.subject, "partner");
  assert.equal(partner.tokenRequests, before + 1);
  const login = await signIn(anon(), partner, "partner", "bob-sub", "login");
  assert.equal((await anon().expect(200, anon().post("/api/identity/sso/callback/", login))).user_uuid, a.uuid);
  // The same subject at another issuer is another identity.
  const other = await signIn(anon(), corp, "corp", "bob-sub", "login");
  assert.equal((await anon().post("/api/identity/sso/callback/", other)).status, 401);
});

test("sso: bad paths — foreign completer, swapped code (PKCE), expired or unknown state, wrong iss, bad fields", async () => {
  const a = await userApi(host, "ssouser4");
  const b = await userApi(host, "ssouser5");
  // A link started by a is not completed by b (nor anonymously), and the state is spent.
  const f1 = await signIn(a, corp, "corp", "carol-sub");
  assert.equal((await b.post("/api/identity/sso/callback/", f1)).status, 403);
  assert.equal((await a.post("/api/identity/sso/callback/", f1)).status, 400);
  // A code issued for one sign-in does not complete another: the PKCE verifier does not match.
  const f2 = await signIn(a, corp, "corp", "carol-sub");
  const f3 = await signIn(a, corp, "corp", "carol-sub");
  const swapped = await a.post("/api/identity/sso/callback/", { state: f3.state, binding: f3.binding, code: f2.code });
  assert.equal(swapped.status, 400);
  assert.match(swapped.body.code[0], /did not accept the code \(invalid_grant\)/);
  // Login CSRF: someone else's state and code, without the binding their client holds.
  const victim = await signIn(anon(), corp, "corp", "carol-sub", "login");
  const csrf = await anon().post("/api/identity/sso/callback/", { ...victim, binding: f3.binding });
  assert.deepEqual(csrf.body, { binding: ["This sign-in was started by another client; start again."] });
  // Expired state.
  const f4 = await signIn(a, corp, "corp", "carol-sub");
  await dbOf(host).update(identitySsoStates).set({ expiresAt: new Date(Date.now() - 1000).toISOString() });
  assert.deepEqual((await a.post("/api/identity/sso/callback/", f4)).body, { state: ["Unknown, used or expired sign-in; start again."] });
  // A response claiming another issuer.
  const f5 = await signIn(a, corp, "corp", "carol-sub");
  assert.deepEqual((await a.post("/api/identity/sso/callback/", { ...f5, iss: partner.issuer })).body, { iss: ["The response comes from another issuer."] });
  assert.deepEqual(await a.expect(200, a.get("/api/identity/scopes/")), []);

  // Field validation.
  assert.equal((await anon().post("/api/identity/sso/start/", { provider: "corp" })).status, 401, "linking needs an account");
  assert.deepEqual((await a.post("/api/identity/sso/start/", { provider: "nope" })).body, { provider: ['"nope" is not a valid choice.'] });
  assert.deepEqual((await a.post("/api/identity/sso/start/", {})).body, { provider: ["This field is required."] });
  assert.deepEqual((await a.post("/api/identity/sso/start/", { provider: "corp", purpose: "admin" })).body, { purpose: ['"admin" is not a valid choice.'] });
  const B = "B".repeat(43);
  assert.deepEqual((await a.post("/api/identity/sso/callback/", { state: "x", binding: B, code: "y" })).body, { state: ["Not a state this server issued."] });
  assert.deepEqual((await a.post("/api/identity/sso/callback/", { state: "A".repeat(43), binding: B, code: "y" })).body, { state: ["Unknown, used or expired sign-in; start again."] });
  assert.deepEqual((await a.post("/api/identity/sso/callback/", { state: "A".repeat(43), binding: B })).body, { code: ["This field is required."] });
  assert.deepEqual((await a.post("/api/identity/sso/callback/", { state: "A".repeat(43), code: "y" })).body, { binding: ["This field is required."] });
  assert.equal((await a.post("/api/identity/sso/callback/", { state: "A".repeat(43), binding: B, code: "c".repeat(3000) })).status, 400);
  assert.equal((await a.post("/api/identity/sso/callback/", [1])).status, 400);
  // A provider that cannot be reached is a 503, not a 500.
  assert.equal((await a.post("/api/identity/sso/start/", { provider: "down" })).status, 503);
});

test("sso: starting flows is rate-limited per account (unfinished flows leave rows)", async () => {
  const a = await userApi(host, "ssouser6");
  for (let i = 0; i < 20; i++) await a.expect(200, a.post("/api/identity/sso/start/", { provider: "corp" }));
  const limited = await a.post("/api/identity/sso/start/", { provider: "corp" });
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "600");
  const b = await userApi(host, "ssouser7");
  await b.expect(200, b.post("/api/identity/sso/start/", { provider: "corp" }));
});

// ID token validation, with tokens signed here by WebCrypto.
async function keyPair(alg: "RS256" | "ES256", kid: string) {
  const { privateKey, publicKey } =
    alg === "RS256" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const priv = await crypto.subtle.importKey(
    "jwk",
    privateKey.export({ format: "jwk" }) as JsonWebKey,
    alg === "RS256" ? { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" } : { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  const jwk = { ...(publicKey.export({ format: "jwk" }) as Jwk), kid, use: "sig", alg };
  const sign = async (payload: Record<string, unknown>, header: Record<string, unknown> = {}) => {
    const enc = (o: unknown) => b64urlEncode(new TextEncoder().encode(JSON.stringify(o)));
    const input = `${enc({ alg, kid, typ: "JWT", ...header })}.${enc(payload)}`;
    const sig = await crypto.subtle.sign(alg === "RS256" ? { name: "RSASSA-PKCS1-v1_5" } : { name: "ECDSA", hash: "SHA-256" }, priv, new TextEncoder().encode(input));
    return `${input}.${b64urlEncode(new Uint8Array(sig))}`;
  };
  return { jwk, sign };
}

test("ID token validation: signature, algorithm, key, issuer, audience/azp, nonce, expiry", async () => {
  const rsa = await keyPair("RS256", "k1");
  const ec = await keyPair("ES256", "k2");
  const other = await keyPair("RS256", "k1");
  const keys = [rsa.jwk, ec.jwk];
  const now = 1_800_000_000;
  const claims = { iss: "https://idp.example", sub: "u1", aud: "client-1", exp: now + 300, iat: now - 5, nonce: "n-1" };
  const expect = { issuer: "https://idp.example", clientId: "client-1", nonce: "n-1", now };
  const check = async (token: string) => {
    const r = await verifyIdToken(token, keys, expect);
    return r.ok ? "ok" : r.error;
  };
  assert.equal(await check(await rsa.sign(claims)), "ok");
  assert.equal(await check(await ec.sign(claims)), "ok");
  const good = await rsa.sign(claims);
  const [h, p, s] = good.split(".");
  const forged = b64urlEncode(new TextEncoder().encode(JSON.stringify({ ...claims, sub: "admin" })));
  assert.equal(await check(`${h}.${forged}.${s}`), "signature");
  assert.equal(await check(await other.sign(claims)), "signature", "same kid, another key");
  assert.equal(await check(`${b64urlEncode(new TextEncoder().encode(JSON.stringify({ alg: "none" })))}.${p}.`), "algorithm");
  assert.equal(await check(await rsa.sign(claims, { alg: "HS256" })), "algorithm");
  assert.equal(await check(await rsa.sign(claims, { kid: "k9" })), "unknown_key");
  assert.equal(await check(await rsa.sign({ ...claims, iss: "https://evil.example" })), "issuer");
  assert.equal(await check(await rsa.sign({ ...claims, aud: "client-2" })), "audience");
  assert.equal(await check(await rsa.sign({ ...claims, aud: ["client-1", "client-2"] })), "audience", "several audiences need azp");
  assert.equal(await check(await rsa.sign({ ...claims, aud: ["client-1", "client-2"], azp: "client-1" })), "ok");
  assert.equal(await check(await rsa.sign({ ...claims, nonce: "n-2" })), "nonce");
  assert.equal(await check(await rsa.sign({ ...claims, nonce: undefined })), "nonce");
  assert.equal(await check(await rsa.sign({ ...claims, exp: now - 120 })), "expired");
  assert.equal(await check(await rsa.sign({ ...claims, iat: now + 600 })), "not_yet_valid");
  assert.equal(await check(await rsa.sign({ ...claims, sub: "" })), "subject");
  assert.equal(await check(await rsa.sign({ ...claims, exp: "soon" })), "malformed");
  for (const junk of ["", "a.b", "a.b.c.d", "!!.!!.!!", `${h}.${p}`, "x".repeat(20_000)]) assert.equal(await check(junk), "malformed", junk.slice(0, 20));
  // Microsoft's multi-tenant issuer template is judged per token.
  const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  const ms = { ...expect, issuer: (iss: string, c: { tid?: unknown }) => iss === `https://login.microsoftonline.com/${String(c.tid)}/v2.0` };
  const msClaims = { ...claims, iss: `https://login.microsoftonline.com/${tenant}/v2.0`, tid: tenant };
  assert.ok((await verifyIdToken(await rsa.sign(msClaims), keys, ms)).ok);
  assert.equal(((await verifyIdToken(await rsa.sign({ ...msClaims, tid: "other" }), keys, ms)) as { error: string }).error, "issuer");
});

test("SSO configuration: presets fill the issuer, any issuer URL works, mistakes are named", () => {
  const env = (cfg: unknown, extra: Record<string, string> = {}) => ({ VE_MODE: "production", VE_SSO: JSON.stringify(cfg), ...extra });
  const cfg = ssoConfig(
    env(
      {
        redirect_uri: "https://portal.example/sso",
        providers: [
          { id: "google", preset: "google", client_id: "g", client_secret: { $secret: "G" } },
          { id: "microsoft", preset: "microsoft", client_id: "m" },
          { id: "contoso", preset: "microsoft", tenant: "contoso.onmicrosoft.com", client_id: "m" },
          { id: "facebook", preset: "facebook", client_id: "f", client_secret: "s" },
          { id: "corp", issuer: "https://idp.corp.example/realms/x/", client_id: "c" },
        ],
      },
      { G: "google-secret" },
    ),
  )!;
  assert.deepEqual(
    cfg.providers.map((p) => [p.id, p.name, p.issuer, p.tenantTemplate, p.clientSecret]),
    [
      ["google", "Google", "https://accounts.google.com", false, "google-secret"],
      ["microsoft", "Microsoft", "https://login.microsoftonline.com/common/v2.0", true, null],
      ["contoso", "Microsoft", "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0", false, null],
      ["facebook", "Facebook", "https://www.facebook.com", false, "s"],
      ["corp", "corp", "https://idp.corp.example/realms/x", false, null],
    ],
  );
  assert.equal(ssoConfig({ VE_MODE: "production" }), null);
  const bad: [unknown, RegExp][] = [
    [{ redirect_uri: "https://p.example", providers: [{ id: "x", client_id: "c" }] }, /give a preset or an issuer/],
    [{ redirect_uri: "https://p.example", providers: [{ id: "x", preset: "yahoo", client_id: "c" }] }, /providers\.0\.preset/],
    [{ redirect_uri: "https://p.example", providers: [{ id: "x", issuer: "http://idp.example", client_id: "c" }] }, /must be https/],
    [{ redirect_uri: "https://p.example", providers: [{ id: "x", preset: "google", client_id: "c", client_secret: { $secret: "MISSING" } }] }, /MISSING is not set/],
    [{ redirect_uri: "https://p.example", providers: [{ id: "g", preset: "google", client_id: "c" }, { id: "g", preset: "facebook", client_id: "c" }] }, /used twice/],
    [{ redirect_uri: "http://p.example", providers: [] }, /redirect_uri/],
    [{ providers: [] }, /redirect_uri/],
  ];
  for (const [c, msg] of bad) assert.throws(() => ssoConfig(env(c)), (e: Error) => e instanceof SsoConfigError && msg.test(e.message), JSON.stringify(c));
  assert.throws(() => ssoConfig({ VE_MODE: "production", VE_SSO: "{" }), /not valid JSON/);
});
