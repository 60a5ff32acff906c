// Shared pieces of the identity scopes: deployment settings read from the Worker's environment,
// keyed hashes for one-time secrets, and the scope records the list endpoint shows.
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { identityScopes, type IdentityScopeKind } from "../../db/schema/index.ts";
import { newUuid, nowIso } from "../../http/ids.ts";
import type { BatchItem } from "drizzle-orm/batch";
import { scopeChainItems, type VerifiedScope } from "./chain-evidence.ts";

/** Scope kinds x/veid has a type for (captures commit their own, in capture/upload.ts). */
const CHAIN_SCOPE_KINDS: ReadonlySet<string> = new Set(["email", "sms", "sso", "totp", "domain"]);

/** Variables these scopes read (string bindings; see the module docs for their formats). */
export interface IdentityEnv {
  VE_MODE: string;
  VE_EXECUTOR_KEY?: string;
  /** Mail transport JSON, see mail.ts. */
  VE_MAIL_TRANSPORT?: string;
  /** DNS-over-HTTPS JSON endpoint (application/dns-json); default Cloudflare's. */
  VE_DOH_URL?: string;
  /** "local" (honoured only when VE_MODE=local): well-known checks over http and with a port. */
  VE_DOMAIN_CHECK_INSECURE?: string;
  [name: string]: unknown;
}

export const identityEnv = (env: unknown): IdentityEnv => env as IdentityEnv;

const enc = new TextEncoder();
const hex = (b: ArrayBuffer) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)) as Uint8Array<ArrayBuffer>;

/** Local mode only, like the sealed-json dev key: lets a fresh checkout run without secrets. */
const LOCAL_PEPPER = "dmlydGVuZ2luZS1sb2NhbC1pZGVudGl0eS1wZXBwZXI="; // not a secret

const keys = new Map<string, Promise<CryptoKey>>();
function hmacKey(env: IdentityEnv): Promise<CryptoKey> {
  const raw = env.VE_EXECUTOR_KEY ?? (env.VE_MODE === "local" ? LOCAL_PEPPER : undefined);
  if (!raw) throw new Error("VE_EXECUTOR_KEY is not configured");
  let k = keys.get(raw);
  if (!k) {
    k = (async () => {
      const base = await crypto.subtle.importKey("raw", unb64(raw), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: enc.encode("virtengine/identity-scopes/v1"), info: enc.encode("code-hmac") },
        base,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        ["sign"],
      );
    })();
    keys.set(raw, k);
  }
  return k;
}

/**
 * Keyed hash of a one-time secret bound to its context (a challenge uuid, a user uuid): a 6-digit
 * code cannot be brute-forced from a copy of D1 without the deployment's key.
 */
export async function secretHash(env: IdentityEnv, context: string, secret: string): Promise<string> {
  return hex(await crypto.subtle.sign("HMAC", await hmacKey(env), enc.encode(`${context}\n${secret}`)));
}

export function constantTimeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return d === 0;
}

/** Uniform random integer below n (rejection sampling, no modulo bias). */
export function randomBelow(n: number): number {
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  for (;;) {
    const x = crypto.getRandomValues(new Uint32Array(1))[0]!;
    if (x < limit) return x % n;
  }
}

export const addSeconds = (iso: string, s: number) => new Date(Date.parse(iso) + s * 1000).toISOString();

/** Creates or updates the caller's scope record for (kind, subject, customer). */
export async function upsertScope(
  db: Db,
  userId: number,
  kind: IdentityScopeKind,
  subject: string,
  customerId: number | null,
  patch: { status: "pending" | "verified"; method?: string; verifiedAt?: string | null; label?: string },
  /** Given with a verification: the scope's x/veid commitment joins the same batch (chain-evidence.ts). */
  env?: IdentityEnv,
) {
  const now = nowIso();
  // The write and its chain records in one batch: either both happen or neither.
  const withChain = async <R>(q: { get(): Promise<R> } & BatchItem<"sqlite">, uuid: string, verifiedAt: string | null): Promise<R> => {
    if (patch.status !== "verified" || !env || !CHAIN_SCOPE_KINDS.has(kind)) return q.get();
    const items = await scopeChainItems(db, env, userId, { uuid, kind: kind as VerifiedScope["kind"], subject, method: patch.method ?? "", verifiedAt: verifiedAt ?? now });
    const res = await db.batch([...items, q] as unknown as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    return (res[res.length - 1] as R[])[0] as R;
  };
  const existing = await db
    .select()
    .from(identityScopes)
    .where(
      and(
        eq(identityScopes.userId, userId),
        eq(identityScopes.kind, kind),
        eq(identityScopes.subject, subject),
        customerId === null ? isNull(identityScopes.customerId) : eq(identityScopes.customerId, customerId),
      ),
    )
    .get();
  if (existing) {
    // A verified scope stays verified when its owner starts again (a new code does not undo a proof).
    if (existing.status === "verified" && patch.status === "pending") return existing;
    return withChain(
      db
        .update(identityScopes)
        .set({
          status: patch.status,
          method: patch.method ?? existing.method,
          verifiedAt: patch.verifiedAt ?? existing.verifiedAt,
          label: patch.label ?? existing.label,
          modified: now,
        })
        .where(eq(identityScopes.id, existing.id))
        .returning(),
      existing.uuid,
      patch.verifiedAt ?? existing.verifiedAt,
    );
  }
  const uuid = newUuid();
  return withChain(
    db
      .insert(identityScopes)
      .values({
        uuid,
        userId,
        kind,
        subject,
        customerId,
        status: patch.status,
        method: patch.method ?? "",
        label: patch.label ?? "",
        verifiedAt: patch.verifiedAt ?? null,
        created: now,
        modified: now,
      })
      .returning(),
    uuid,
    patch.verifiedAt ?? null,
  );
}
