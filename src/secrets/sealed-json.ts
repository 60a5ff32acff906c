// Provider secrets (offering secret_options: plugin credentials, endpoints' passwords) sealed with
// the executor key, a Worker secret (VE_EXECUTOR_KEY, 32 bytes base64) the plugins use. D1 holds
// only "v1.<key id>.<iv>.<ciphertext>" with the offering uuid as associated data, so a sealed value
// copied onto another offering does not open.

const enc = new TextEncoder();
const b64 = (b: Uint8Array) => btoa(String.fromCharCode(...b));
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)) as Uint8Array<ArrayBuffer>;

/** Local mode only: a fixed development key, so a fresh checkout works without configuring secrets. */
const LOCAL_DEV_KEY = "dmlydGVuZ2luZS1sb2NhbC1kZXYtZXhlY3V0b3Ita2V5"; // "virtengine-local-dev-executor-key" (not a secret)

export interface SecretEnv {
  VE_EXECUTOR_KEY?: string;
  VE_MODE: string;
}

async function keyMaterial(env: SecretEnv): Promise<{ key: CryptoKey; id: string }> {
  const raw = env.VE_EXECUTOR_KEY ?? (env.VE_MODE === "local" ? LOCAL_DEV_KEY : undefined);
  if (!raw) throw new Error("VE_EXECUTOR_KEY is not configured");
  const bytes = unb64(raw);
  // HKDF turns whatever length was configured into an AES-256 key and a short public key id.
  const base = await crypto.subtle.importKey("raw", bytes, "HKDF", false, ["deriveKey", "deriveBits"]);
  const salt = enc.encode("virtengine/executor-key/v1");
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt, info: enc.encode("aes-256-gcm") },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
  const idBits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info: enc.encode("key-id") }, base, 64);
  return { key, id: Array.from(new Uint8Array(idBits), (x) => x.toString(16).padStart(2, "0")).join("") };
}

export async function sealJson(env: SecretEnv, recordId: string, value: Record<string, unknown>): Promise<string> {
  const { key, id } = await keyMaterial(env);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: enc.encode(`${id}:${recordId}`) },
    key,
    enc.encode(JSON.stringify(value)),
  );
  return `v1.${id}.${b64(iv)}.${b64(new Uint8Array(ct))}`;
}

export async function openJson(env: SecretEnv, recordId: string, sealed: string | null): Promise<Record<string, unknown>> {
  if (!sealed) return {};
  const [v, id, iv, ct] = sealed.split(".");
  if (v !== "v1" || !id || !iv || !ct) throw new Error("unknown sealed-secret format");
  const km = await keyMaterial(env);
  if (km.id !== id) throw new Error("sealed with a different executor key");
  const pt = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: unb64(iv), additionalData: enc.encode(`${id}:${recordId}`) },
    km.key,
    unb64(ct),
  );
  return JSON.parse(new TextDecoder().decode(pt)) as Record<string, unknown>;
}
