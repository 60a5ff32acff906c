// JSON values only the Worker reads (offering secret options, TOTP secrets, remote Waldur tokens,
// SLURM job output), sealed to the executor key as VEENV envelopes (openapi/envelope-format.md), the
// same key and recipient that order attributes and access details use. Stored as
// "v2.<base64url envelope>.<base64url HMAC>"; the envelope's context binds the record kind and id, so
// a value copied onto another record (or another kind of record) does not open. The HMAC (a key
// derived from VE_EXECUTOR_KEY, over the envelope) is there because the executor's public key is
// public: without it anyone able to write a D1 column could seal a value of their own choosing
// (e.g. a TOTP secret they know) that would open; the v1 format had no such gap, so neither may v2.
// "v1." values written before the migration are still read by sealed-json-v1.ts, never written.
import { constantTimeEqual, type EnvelopeContext, open, type Recipient, seal } from "../crypto/index.ts";
import { EXECUTOR_KEY_VERSION, executorKeyPair } from "../marketplace/execution/outcome.ts";
import { openLegacyV1 } from "./sealed-json-v1.ts";

/** Local mode only: a fixed development key, so a fresh checkout works without configuring secrets. */
const LOCAL_DEV_KEY = "dmlydGVuZ2luZS1sb2NhbC1kZXYtZXhlY3V0b3Ita2V5"; // "virtengine-local-dev-executor-key" (not a secret)

export interface SecretEnv {
  VE_EXECUTOR_KEY?: string;
  VE_MODE: string;
}

/**
 * The records sealed this way, each with the string the legacy v1 format used as associated data
 * (kept only so "v1." values still open; new values bind kind and id through the envelope context).
 */
const LEGACY_AAD = {
  "offering-secret-options": (id: string) => id,
  "identity-totp": (id: string) => `identity-totp:${id}`,
  "waldur-token": (id: string) => `waldur-connection:${id}`,
  "job-output": (id: string) => `job-output:${id}`,
  // Never written as v1 (sealed only since v2); listed so the kind exists.
  "user-invitation": (id: string) => `user-invitation:${id}`,
  "identity-lifecycle": (id: string) => `identity-lifecycle:${id}`,
} as const;

export type SealedJsonKind = keyof typeof LEGACY_AAD;

/** Which record a sealed value belongs to: an offering uuid, a user uuid, "<job uuid>:<part>"… */
export interface SealedJsonRef {
  kind: SealedJsonKind;
  recordId: string;
}

// These values are overwritten in place (a D1 column or one R2 object), not versioned: version 1 always.
const contextOf = (ref: SealedJsonRef): EnvelopeContext => ({ kind: ref.kind, recordId: ref.recordId, version: 1 });

const V2 = "v2.";

function rawExecutorKey(env: SecretEnv): string {
  const raw = env.VE_EXECUTOR_KEY ?? (env.VE_MODE === "local" ? LOCAL_DEV_KEY : undefined);
  if (!raw) throw new Error("VE_EXECUTOR_KEY is not configured");
  return raw;
}

const macKeys = new Map<string, Promise<CryptoKey>>();

/** HMAC-SHA256 key only the Worker holds: HKDF(VE_EXECUTOR_KEY, salt "virtengine/executor-key/v1", info "sealed-json/v2/mac"). */
function macKey(env: SecretEnv): Promise<CryptoKey> {
  const raw = rawExecutorKey(env);
  let k = macKeys.get(raw);
  if (!k) {
    k = (async () => {
      const enc = new TextEncoder();
      const ikm = await crypto.subtle.importKey("raw", Uint8Array.from(atob(raw), (c) => c.charCodeAt(0)), "HKDF", false, ["deriveKey"]);
      return crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: enc.encode("virtengine/executor-key/v1"), info: enc.encode("sealed-json/v2/mac") },
        ikm,
        { name: "HMAC", hash: "SHA-256", length: 256 },
        false,
        ["sign"],
      );
    })();
    macKeys.set(raw, k);
  }
  return k;
}

const macOf = async (env: SecretEnv, envelope: Uint8Array) =>
  new Uint8Array(await crypto.subtle.sign("HMAC", await macKey(env), envelope as Uint8Array<ArrayBuffer>));

function toB64url(b: Uint8Array): string {
  let s = "";
  // In slices: String.fromCharCode(...b) overflows the argument limit on a large job output.
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64url(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]+$/.test(s)) throw new Error("unknown sealed-secret format");
  return Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
}

/**
 * Seals `value` to the executor key and, where others must read it too (offering secret options:
 * the provider's owners), to `also`.
 */
export async function sealJson(env: SecretEnv, ref: SealedJsonRef, value: Record<string, unknown>, also: Recipient[] = []): Promise<string> {
  const pair = await executorKeyPair(env);
  const plaintext = new TextEncoder().encode(JSON.stringify(value));
  try {
    const recipients = [{ publicKey: pair.publicKey, keyVersion: EXECUTOR_KEY_VERSION }, ...also];
    const envelope = await seal(plaintext, { context: contextOf(ref), recipients });
    try {
      return await attestEnvelope(env, envelope);
    } finally {
      envelope.fill(0);
    }
  } finally {
    plaintext.fill(0);
  }
}

/**
 * The stored form of an envelope the Worker accepted (its own, or one a client sealed and the API
 * checked): the HMAC says the Worker let it in, so a value written to the column any other way
 * does not open.
 */
export const attestEnvelope = async (env: SecretEnv, envelope: Uint8Array): Promise<string> =>
  `${V2}${toB64url(envelope)}.${toB64url(await macOf(env, envelope))}`;

/** The envelope inside a stored "v2." value (for its recipients to download); null for legacy values. */
export function storedEnvelope(sealed: string | null): Uint8Array | null {
  if (!sealed?.startsWith(V2)) return null;
  const body = sealed.slice(V2.length).split(".")[0];
  return body ? fromB64url(body) : null;
}

/** The context a value sealed for `ref` carries (what a client seals a replacement with). */
export const sealedJsonContext = (ref: SealedJsonRef): EnvelopeContext => contextOf(ref);

/** Opens a value sealed for `ref` ({} for none). Throws, naming only the failure, if it does not open. */
export async function openJson(env: SecretEnv, ref: SealedJsonRef, sealed: string | null): Promise<Record<string, unknown>> {
  if (!sealed) return {};
  let plaintext: Uint8Array;
  if (sealed.startsWith(V2)) {
    const [body, mac, extra] = sealed.slice(V2.length).split(".");
    if (!body || !mac || extra !== undefined) throw new Error("unknown sealed-secret format");
    const envelope = fromB64url(body);
    // Checked first, in constant time: an envelope the Worker did not seal is refused unopened.
    if (!constantTimeEqual(await macOf(env, envelope), fromB64url(mac))) throw new Error("sealed value does not open for this record (not sealed by this executor key)");
    const opened = await open(envelope, { key: await executorKeyPair(env), context: contextOf(ref) });
    if (!opened.ok) throw new Error(`sealed value does not open for this record (${opened.error.code})`);
    plaintext = opened.value.plaintext;
  } else {
    plaintext = await openLegacyV1(rawExecutorKey(env), LEGACY_AAD[ref.kind](ref.recordId), sealed);
  }
  try {
    return JSON.parse(new TextDecoder().decode(plaintext)) as Record<string, unknown>;
  } finally {
    plaintext.fill(0);
  }
}
