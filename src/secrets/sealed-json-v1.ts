// LEGACY reader of the pre-envelope executor-key format: "v1.<key id>.<iv>.<ciphertext>", AES-256-GCM
// under a key HKDF-derived from VE_EXECUTOR_KEY, the record id string as associated data. Nothing
// writes this format any more (sealed-json.ts seals VEENV envelopes, "v2."); it stays only so values
// stored before the migration keep opening. Delete it once no "v1." value is left in D1 or R2.

const enc = new TextEncoder();
const unb64 = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0)) as Uint8Array<ArrayBuffer>;

async function legacyKey(raw: string): Promise<{ key: CryptoKey; id: string }> {
  const base = await crypto.subtle.importKey("raw", unb64(raw), "HKDF", false, ["deriveKey", "deriveBits"]);
  const salt = enc.encode("virtengine/executor-key/v1");
  const key = await crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt, info: enc.encode("aes-256-gcm") },
    base,
    { name: "AES-GCM", length: 256 },
    false,
    ["decrypt"],
  );
  const idBits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info: enc.encode("key-id") }, base, 64);
  return { key, id: Array.from(new Uint8Array(idBits), (x) => x.toString(16).padStart(2, "0")).join("") };
}

/**
 * Opens a legacy "v1." value. `executorKey` is the configured VE_EXECUTOR_KEY (base64); `aad` is the
 * record id string the old sealJson was called with. Throws without echoing any of the value.
 */
export async function openLegacyV1(executorKey: string, aad: string, sealed: string): Promise<Uint8Array> {
  const [v, id, iv, ct, extra] = sealed.split(".");
  if (v !== "v1" || !id || !iv || !ct || extra !== undefined) throw new Error("unknown sealed-secret format");
  const km = await legacyKey(executorKey);
  if (km.id !== id) throw new Error("sealed with a different executor key");
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(iv), additionalData: enc.encode(`${id}:${aad}`) }, km.key, unb64(ct)));
  } catch {
    throw new Error("sealed value does not open for this record (moved or modified)");
  }
}
