// OpenID Connect ID token validation with WebCrypto only (OpenID Connect Core 1.0 §3.1.3.7): a
// compact JWS whose signature verifies under a key from the provider's JWKS (asymmetric algorithms
// only; "none" and HMAC are refused), then issuer, audience (and azp when there are several),
// nonce, expiry and issue time. Errors are values: the caller names them to the user.

export type IdTokenError =
  | "malformed"
  | "algorithm"
  | "unknown_key"
  | "signature"
  | "issuer"
  | "audience"
  | "nonce"
  | "expired"
  | "not_yet_valid"
  | "subject";

export type IdTokenResult = { ok: true; claims: IdTokenClaims; kid: string | null } | { ok: false; error: IdTokenError; kid?: string | null };

export interface IdTokenClaims {
  iss: string;
  sub: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nonce?: string;
  azp?: string;
  tid?: string;
  email?: string;
  email_verified?: boolean;
  [claim: string]: unknown;
}

export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  crv?: string;
  n?: string;
  e?: string;
  x?: string;
  y?: string;
  [k: string]: unknown;
}

export interface IdTokenExpectations {
  /** The issuer, or a function judging the token's iss (Microsoft's multi-tenant {tenantid} template). */
  issuer: string | ((iss: string, claims: IdTokenClaims) => boolean);
  clientId: string;
  nonce: string;
  /** Unix seconds; tolerance for clock skew either way. */
  now: number;
  skewSeconds?: number;
}

type Alg = { import: RsaHashedImportParams | EcKeyImportParams; verify: AlgorithmIdentifier | RsaPssParams | EcdsaParams; kty: string; crv?: string };

const ALGS: Record<string, Alg> = {
  RS256: { kty: "RSA", import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, verify: { name: "RSASSA-PKCS1-v1_5" } },
  RS384: { kty: "RSA", import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-384" }, verify: { name: "RSASSA-PKCS1-v1_5" } },
  RS512: { kty: "RSA", import: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-512" }, verify: { name: "RSASSA-PKCS1-v1_5" } },
  PS256: { kty: "RSA", import: { name: "RSA-PSS", hash: "SHA-256" }, verify: { name: "RSA-PSS", saltLength: 32 } },
  ES256: { kty: "EC", crv: "P-256", import: { name: "ECDSA", namedCurve: "P-256" }, verify: { name: "ECDSA", hash: "SHA-256" } },
  ES384: { kty: "EC", crv: "P-384", import: { name: "ECDSA", namedCurve: "P-384" }, verify: { name: "ECDSA", hash: "SHA-384" } },
};
export const SUPPORTED_ALGS = Object.keys(ALGS);

const enc = new TextEncoder();

export function b64urlDecode(s: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  try {
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)) as Uint8Array<ArrayBuffer>;
  } catch {
    return null;
  }
}

export const b64urlEncode = (b: Uint8Array) => btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

function jsonPart(s: string): Record<string, unknown> | null {
  const bytes = b64urlDecode(s);
  if (!bytes) return null;
  try {
    const v: unknown = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** Constant-time string comparison (lengths may leak; the nonce's length is public anyway). */
function sameString(a: string, b: string): boolean {
  const x = enc.encode(a);
  const y = enc.encode(b);
  if (x.length !== y.length) return false;
  let d = 0;
  for (let i = 0; i < x.length; i++) d |= x[i]! ^ y[i]!;
  return d === 0;
}

/** The token's header, for choosing a key before verifying (kid may be absent with one key). */
export function peekHeader(token: string): { alg: string; kid: string | null } | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const h = jsonPart(parts[0]!);
  if (!h || typeof h.alg !== "string") return null;
  return { alg: h.alg, kid: typeof h.kid === "string" ? h.kid : null };
}

async function verifySignature(alg: Alg, jwk: Jwk, signingInput: string, signature: Uint8Array<ArrayBuffer>): Promise<boolean> {
  try {
    const { kid: _kid, alg: _alg, use: _use, key_ops: _ops, ...material } = jwk;
    const key = await crypto.subtle.importKey("jwk", material as JsonWebKey, alg.import, false, ["verify"]);
    return await crypto.subtle.verify(alg.verify, key, signature, enc.encode(signingInput));
  } catch {
    return false;
  }
}

export async function verifyIdToken(token: string, keys: readonly Jwk[], expect: IdTokenExpectations): Promise<IdTokenResult> {
  if (token.length > 16_384) return { ok: false, error: "malformed" };
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, error: "malformed" };
  const header = jsonPart(parts[0]!);
  const payload = jsonPart(parts[1]!);
  const signature = b64urlDecode(parts[2]!);
  if (!header || !payload || !signature) return { ok: false, error: "malformed" };
  const algName = typeof header.alg === "string" ? header.alg : "";
  const alg = ALGS[algName];
  if (!alg || header.crit !== undefined) return { ok: false, error: "algorithm" };
  const kid = typeof header.kid === "string" ? header.kid : null;
  const candidates = keys.filter(
    (k) => k.kty === alg.kty && (alg.crv === undefined || k.crv === alg.crv) && (k.use === undefined || k.use === "sig") && (k.alg === undefined || k.alg === algName) && (kid === null || k.kid === kid),
  );
  if (candidates.length === 0) return { ok: false, error: "unknown_key", kid };
  let verified = false;
  for (const k of candidates) if (await verifySignature(alg, k, `${parts[0]}.${parts[1]}`, signature)) verified = true;
  if (!verified) return { ok: false, error: "signature", kid };

  const c = payload as IdTokenClaims;
  if (typeof c.iss !== "string" || typeof c.sub !== "string" || typeof c.exp !== "number" || typeof c.iat !== "number") return { ok: false, error: "malformed", kid };
  if (c.sub.length === 0 || c.sub.length > 255) return { ok: false, error: "subject", kid };
  const issuerOk = typeof expect.issuer === "string" ? c.iss === expect.issuer : expect.issuer(c.iss, c);
  if (!issuerOk) return { ok: false, error: "issuer", kid };
  const aud = typeof c.aud === "string" ? [c.aud] : Array.isArray(c.aud) && c.aud.every((a) => typeof a === "string") ? (c.aud as string[]) : null;
  if (!aud?.includes(expect.clientId)) return { ok: false, error: "audience", kid };
  if ((aud.length > 1 || c.azp !== undefined) && c.azp !== expect.clientId) return { ok: false, error: "audience", kid };
  if (typeof c.nonce !== "string" || !sameString(c.nonce, expect.nonce)) return { ok: false, error: "nonce", kid };
  const skew = expect.skewSeconds ?? 60;
  if (c.exp <= expect.now - skew) return { ok: false, error: "expired", kid };
  if (c.iat > expect.now + skew || (typeof c.nbf === "number" && c.nbf > expect.now + skew)) return { ok: false, error: "not_yet_valid", kid };
  return { ok: true, claims: c, kid };
}
