// A real OpenID provider on loopback for the SSO tests: `oidc-provider` (a certified OpenID
// Connect implementation) with PKCE required, its own signing keys, and an interaction endpoint
// that logs in whichever account the test chose (standing in for the provider's login page).
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type ClientAuthMethod } from "oidc-provider";

export interface OidcClientSpec {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** client_secret_basic (default) or client_secret_post. */
  authMethod?: "client_secret_basic" | "client_secret_post";
  /** ID token signing algorithm (RS256 default, ES256). */
  alg?: "RS256" | "ES256";
}

export interface OidcTestProvider {
  issuer: string;
  /** The account the next login page logs in (its `sub`). */
  loginAs: string | null;
  /** Number of token requests answered. */
  tokenRequests: number;
  /** Follows an authorization URL as a browser would; resolves with the redirect back to the client. */
  authorize(authorizationUrl: string): Promise<URL>;
  close(): Promise<void>;
}

const jwk = (type: "rsa" | "ec") => {
  const { privateKey } =
    type === "rsa" ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { ...privateKey.export({ format: "jwk" }), kid: randomBytes(8).toString("hex"), use: "sig" };
};

export async function startOidcProvider(opts: { clients: OidcClientSpec[]; authMethods?: ClientAuthMethod[] }): Promise<OidcTestProvider> {
  const state = { loginAs: null as string | null, tokenRequests: 0 };
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: opts.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: [c.redirectUri],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: c.authMethod ?? "client_secret_basic",
      id_token_signed_response_alg: c.alg ?? "RS256",
    })),
    clientAuthMethods: opts.authMethods ?? ["client_secret_basic", "client_secret_post"],
    jwks: { keys: [jwk("rsa"), jwk("ec")] },
    cookies: { keys: [randomBytes(16).toString("hex")] },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: false } },
    claims: { openid: ["sub"], email: ["email", "email_verified"] },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, email: `${id}@idp.test`, email_verified: true }) }),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });
  provider.on("grant.success", () => {
    state.tokenRequests++;
  });
  provider.on("grant.error", () => {
    state.tokenRequests++;
  });
  const oidc = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse) {
    const details = await provider.interactionDetails(req, res);
    const accountId = state.loginAs;
    if (!accountId) {
      await provider.interactionFinished(req, res, { error: "access_denied", error_description: "no test login chosen" }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = new provider.Grant({ accountId, clientId: String(details.params.client_id) });
    grant.addOIDCScope(String(details.params.scope));
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
  }

  handler = (req, res) => {
    if (req.url?.startsWith("/interaction/")) {
      interaction(req, res).catch((e) => {
        res.statusCode = 500;
        res.end(String(e));
      });
    } else oidc(req, res);
  };

  return {
    issuer,
    get loginAs() {
      return state.loginAs;
    },
    set loginAs(v) {
      state.loginAs = v;
    },
    get tokenRequests() {
      return state.tokenRequests;
    },
    async authorize(authorizationUrl) {
      const jar = new Map<string, string>();
      let url = new URL(authorizationUrl);
      for (let hop = 0; hop < 10; hop++) {
        if (url.origin !== issuer) return url;
        const res = await fetch(url, { redirect: "manual", headers: { Cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } });
        for (const c of res.headers.getSetCookie()) {
          const [pair] = c.split(";");
          const eq = pair!.indexOf("=");
          jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
        }
        const location = res.headers.get("location");
        await res.arrayBuffer();
        if (!location) throw new Error(`authorization stopped at ${url} with ${res.status}`);
        url = new URL(location, url);
      }
      throw new Error("too many redirects");
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
