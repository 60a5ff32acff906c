// Domain scope (service providers): a customer proves control of a domain by publishing a token,
// either as a DNS TXT record `_virtengine-challenge.<domain>` (looked up through a DNS-over-HTTPS
// JSON resolver, VE_DOH_URL, default Cloudflare's) or as the body of
// `https://<domain>/.well-known/virtengine-challenge`. The token is returned by start and kept only
// as a keyed hash; it is valid 7 days. VE_DOMAIN_CHECK_INSECURE=local (honoured only in local mode)
// lets tests serve the well-known file over http on a port.
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { CUSTOMER_ROLES, hasRole } from "../../auth/access.ts";
import type { User } from "../../auth/session.ts";
import { customers, identityChallenges, identityScopes } from "../../db/schema/index.ts";
import { ApiError, fieldError, notFound } from "../../http/errors.ts";
import { newUuid, nowIso } from "../../http/ids.ts";
import { hyperlink } from "../../http/links.ts";
import { choice, v } from "../../http/validate.ts";
import { addSeconds, constantTimeEqualHex, type IdentityEnv, secretHash, upsertScope } from "./common.ts";

export const DOMAIN_TOKEN_TTL_SECONDS = 7 * 24 * 3600;
export const DNS_LABEL = "_virtengine-challenge";
export const WELL_KNOWN_PATH = "/.well-known/virtengine-challenge";
const DEFAULT_DOH = "https://cloudflare-dns.com/dns-query";

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Lower-cased domain without a trailing dot, or null. A port is allowed only in insecure local mode. */
export function normalizeDomain(input: string, insecure: boolean): string | null {
  let d = input.trim().toLowerCase().replace(/\.$/, "");
  let port = "";
  const m = d.match(/^(.*):(\d{1,5})$/);
  if (m) {
    if (!insecure || Number(m[2]) < 1 || Number(m[2]) > 65535) return null;
    d = m[1]!;
    port = `:${m[2]}`;
  }
  if (d.length === 0 || d.length > 253) return null;
  const labels = d.split(".");
  if (!labels.every((l) => LABEL.test(l))) return null;
  if (/^\d+$/.test(labels[labels.length - 1]!)) return insecure && /^127\.\d+\.\d+\.\d+$/.test(d) ? d + port : null;
  if (labels.length < 2 && !(insecure && d === "localhost")) return null;
  return d + port;
}

export const insecureChecks = (env: IdentityEnv) => env.VE_MODE === "local" && env.VE_DOMAIN_CHECK_INSECURE === "local";

export const domainField = (insecure: boolean) =>
  v.pipe(
    v.string("Not a valid string."),
    v.maxLength(260, "Ensure this field has no more than 260 characters."),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const d = normalizeDomain(dataset.value, insecure);
      if (!d) {
        addIssue({ message: "Enter a valid domain name." });
        return NEVER;
      }
      return d;
    }),
  );

export const domainStartSchema = (insecure: boolean) => v.object({ domain: domainField(insecure), customer: hyperlink("customers") });
export const domainVerifySchema = (insecure: boolean) =>
  v.object({
    domain: domainField(insecure),
    customer: hyperlink("customers"),
    method: v.optional(choice(["dns", "http"])),
  });

/** The customer by uuid if the caller is its owner or manager (or staff); else 404. */
async function ownedCustomer(db: Db, me: User, uuid: string) {
  const cu = await db.select().from(customers).where(eq(customers.uuid, uuid)).get();
  if (!cu || !(await hasRole(db, me, "customer", cu.id, CUSTOMER_ROLES.filter((r) => r !== "CUSTOMER.SUPPORT")))) throw notFound();
  return cu;
}

const newToken = () => `virtengine-domain-verification=${Array.from(crypto.getRandomValues(new Uint8Array(20)), (b) => b.toString(16).padStart(2, "0")).join("")}`;
const hostOnly = (d: string) => d.replace(/:\d+$/, "");

export async function startDomain(db: Db, env: IdentityEnv, me: User, domain: string, customerUuid: string) {
  const cu = await ownedCustomer(db, me, customerUuid);
  const now = nowIso();
  await db
    .update(identityChallenges)
    .set({ usedAt: now })
    .where(and(eq(identityChallenges.kind, "domain"), eq(identityChallenges.customerId, cu.id), eq(identityChallenges.subject, domain), isNull(identityChallenges.usedAt)));
  const uuid = newUuid();
  const token = newToken();
  const expiresAt = addSeconds(now, DOMAIN_TOKEN_TTL_SECONDS);
  await db.insert(identityChallenges).values({ uuid, userId: me.id, kind: "domain", subject: domain, customerId: cu.id, secretHash: await secretHash(env, uuid, token), expiresAt, created: now });
  await upsertScope(db, me.id, "domain", domain, cu.id, { status: "pending" });
  const scheme = insecureChecks(env) ? "http" : "https";
  return {
    domain,
    customer_uuid: cu.uuid,
    token,
    expires_at: expiresAt,
    dns_record: { name: `${DNS_LABEL}.${hostOnly(domain)}`, type: "TXT", value: token },
    well_known_url: `${scheme}://${domain}${WELL_KNOWN_PATH}`,
  };
}

/** The resolver could not be asked or gave no usable answer: says nothing about the record. */
export class DnsUnavailableError extends Error {}

// RCODEs that are answers about the name: NOERROR (records or none) and NXDOMAIN. Any other
// (SERVFAIL, REFUSED, ...) is the resolver failing.
const DNS_NOERROR = 0;
const DNS_NXDOMAIN = 3;

/**
 * TXT strings at a name through a DoH JSON resolver; [] when the name has none or does not exist.
 * DnsUnavailableError when the resolver is unreachable or its answer is not a DNS JSON answer, so a
 * resolver outage is not reported to the user as a wrong record.
 */
export async function dohTxt(env: IdentityEnv, name: string): Promise<string[]> {
  const url = new URL(env.VE_DOH_URL || DEFAULT_DOH);
  url.searchParams.set("name", name);
  url.searchParams.set("type", "TXT");
  let j: { Status?: unknown; Answer?: unknown };
  try {
    const res = await fetch(url, { headers: { accept: "application/dns-json" }, signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new DnsUnavailableError(`resolver answered HTTP ${res.status}`);
    j = await res.json();
  } catch (e) {
    if (e instanceof DnsUnavailableError) throw e;
    throw new DnsUnavailableError(`resolver unreachable or not JSON: ${(e as Error).name}`);
  }
  if (typeof j !== "object" || j === null || typeof j.Status !== "number") throw new DnsUnavailableError("resolver answer has no Status");
  if (j.Status === DNS_NXDOMAIN) return [];
  if (j.Status !== DNS_NOERROR) throw new DnsUnavailableError(`resolver status ${j.Status}`);
  if (j.Answer === undefined) return [];
  if (!Array.isArray(j.Answer)) throw new DnsUnavailableError("resolver Answer is not a list");
  return (j.Answer as { type?: unknown; data?: unknown }[])
    .filter((a) => typeof a === "object" && a !== null && a.type === 16 && typeof a.data === "string")
    .map((a) => {
      const data = a.data as string;
      // "chunk1" "chunk2" → chunk1chunk2 (a TXT record's strings are concatenated); unquoted data as is.
      const parts = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, "$1"));
      return parts.length > 0 ? parts.join("") : data.trim();
    });
}

/** The well-known file's first line (up to 1 KB; redirects not followed); null on failure. */
export async function wellKnown(env: IdentityEnv, domain: string): Promise<string | null> {
  const scheme = insecureChecks(env) ? "http" : "https";
  try {
    const res = await fetch(`${scheme}://${domain}${WELL_KNOWN_PATH}`, { redirect: "manual", signal: AbortSignal.timeout(5000) });
    if (res.status !== 200 || !res.body) return null;
    const reader = res.body.getReader();
    let text = "";
    const dec = new TextDecoder();
    while (text.length < 1024) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
    }
    await reader.cancel().catch(() => {});
    return text.slice(0, 1024).split(/\r?\n/)[0]!.trim();
  } catch {
    return null;
  }
}

export async function verifyDomain(db: Db, env: IdentityEnv, me: User, domain: string, customerUuid: string, method?: "dns" | "http") {
  const cu = await ownedCustomer(db, me, customerUuid);
  const now = nowIso();
  const ch = await db
    .select()
    .from(identityChallenges)
    .where(and(eq(identityChallenges.kind, "domain"), eq(identityChallenges.customerId, cu.id), eq(identityChallenges.subject, domain), isNull(identityChallenges.usedAt)))
    .orderBy(desc(identityChallenges.id))
    .get();
  if (!ch || ch.expiresAt <= now) throw fieldError("domain", "No live verification token for this domain; start again.");
  const matches = async (candidate: string) => constantTimeEqualHex(await secretHash(env, ch.uuid, candidate), ch.secretHash);
  let proven: "dns" | "http" | null = null;
  let dnsDown = false;
  if (method !== "http") {
    try {
      for (const txt of await dohTxt(env, `${DNS_LABEL}.${hostOnly(domain)}`)) if (await matches(txt)) proven = "dns";
    } catch (e) {
      if (!(e instanceof DnsUnavailableError)) throw e;
      console.error(`identity domain: ${e.message}`);
      dnsDown = true;
    }
  }
  if (!proven && method !== "dns") {
    const body = await wellKnown(env, domain);
    if (body !== null && (await matches(body))) proven = "http";
  }
  // Unproven with the record unread is not a wrong record: the token stays live for a retry.
  if (!proven && dnsDown) throw new ApiError(503, { detail: "The DNS resolver could not be reached; try again later." });
  if (!proven) {
    const where = method === "dns" ? `the TXT record ${DNS_LABEL}.${hostOnly(domain)}` : method === "http" ? `${WELL_KNOWN_PATH}` : `the TXT record ${DNS_LABEL}.${hostOnly(domain)} or ${WELL_KNOWN_PATH}`;
    throw fieldError("domain", `The verification token was not found in ${where}.`);
  }
  const used = await db
    .update(identityChallenges)
    .set({ usedAt: now })
    .where(and(eq(identityChallenges.id, ch.id), isNull(identityChallenges.usedAt)))
    .returning({ id: identityChallenges.id })
    .get();
  if (!used) throw fieldError("domain", "No live verification token for this domain; start again.");
  const scope = await upsertScope(db, me.id, "domain", domain, cu.id, { status: "verified", method: proven, verifiedAt: now }, env);
  return { scope, customerUuid: cu.uuid };
}

/**
 * Issue 7: a service provider must have proven a domain before its offerings go live. Any owner or
 * manager of the organization may have proven it (the scope is kept per customer).
 */
export async function hasVerifiedDomain(db: Db, customerId: number): Promise<boolean> {
  const row = await db
    .select({ id: identityScopes.id })
    .from(identityScopes)
    .where(and(eq(identityScopes.kind, "domain"), eq(identityScopes.customerId, customerId), eq(identityScopes.status, "verified")))
    .get();
  return !!row;
}

export const DOMAIN_REQUIRED_MESSAGE =
  "The provider organization has not verified a domain. An owner or manager must prove one with POST /api/identity/domain/start/ and then POST /api/identity/domain/verify/ before an offering can be activated.";

/**
 * Refuses activation of an offering whose provider has no verified domain. Staff cannot override it:
 * staff activate offerings, but the marketplace promises customers a provider that proved who it is.
 * Offerings imported from a remote Waldur never pass here: their state follows the remote's (sync),
 * which vetted its own provider, and local transitions on them are refused.
 */
export async function requireVerifiedDomain(db: Db, customerId: number): Promise<void> {
  if (!(await hasVerifiedDomain(db, customerId))) throw fieldError("customer", DOMAIN_REQUIRED_MESSAGE);
}
