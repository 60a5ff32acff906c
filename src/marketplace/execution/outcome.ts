// Writes what a plugin call produced back to D1: backend id and metadata on the resource, access
// details sealed (never plaintext in D1), and the order moved to done or erred. The order uuid
// guards every move: a redelivered message for an order that already finished changes nothing.
import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { getEnvelope, putEnvelope } from "../../crypto/blob-store.ts";
import { type EnvelopeContext, importPrivateKey, type KeyPair, open, type Recipient, seal } from "../../crypto/index.ts";
import { orders, projects, resources, sealedBlobs, type SealedRecipient, users } from "../../db/schema/index.ts";
import type { Bindings } from "../../env.ts";
import { nowIso } from "../../http/ids.ts";
import { recordSealedRef } from "../../secrets/sealed-ref.ts";
import { currentKeys, projectReaderIds, unb64url } from "../../routes/encryption-keys.ts";
import type { Order, Resource } from "../orders/context.ts";
import { moveOrder } from "../orders/workflow.ts";

export interface BackendState {
  backendId?: string;
  metadata?: Record<string, unknown>;
  limits?: Record<string, number>;
  accessDetails?: Record<string, unknown>;
}

export const ACCESS_KIND = "resource-access";

// ---- the executor recipient
// The plugins run in the Worker and must still read access details they handed over (e.g. to
// rotate a kubeconfig): every envelope is also sealed to an X25519 key derived from the executor
// key (VE_EXECUTOR_KEY, the Worker secret the provider authorised for its plugins) with
// HKDF-SHA256(salt "virtengine/executor-key/v1", info "x25519/executor"). Only the Worker can
// derive its private half; its public key is an ordinary recipient (holder "executor", version 1).

/** Same development fallback as src/secrets/sealed-json.ts (local mode only, not a secret). */
const LOCAL_DEV_KEY = "dmlydGVuZ2luZS1sb2NhbC1kZXYtZXhlY3V0b3Ita2V5";
export const EXECUTOR_KEY_VERSION = 1;

const executorCache = new Map<string, Promise<KeyPair>>();

export function executorKeyPair(env: Pick<Bindings, "VE_EXECUTOR_KEY" | "VE_MODE">): Promise<KeyPair> {
  const raw = env.VE_EXECUTOR_KEY ?? (env.VE_MODE === "local" ? LOCAL_DEV_KEY : undefined);
  if (!raw) return Promise.reject(new Error("VE_EXECUTOR_KEY is not configured"));
  let p = executorCache.get(raw);
  if (!p) {
    p = (async () => {
      const ikm = await crypto.subtle.importKey("raw", Uint8Array.from(atob(raw), (ch) => ch.charCodeAt(0)), "HKDF", false, ["deriveBits"]);
      const enc = new TextEncoder();
      const bits = await crypto.subtle.deriveBits(
        { name: "HKDF", hash: "SHA-256", salt: enc.encode("virtengine/executor-key/v1"), info: enc.encode("x25519/executor") },
        ikm,
        256,
      );
      return importPrivateKey(new Uint8Array(bits));
    })();
    executorCache.set(raw, p);
  }
  return p;
}

// ---- access details sealed to the project's readers

const accessContext = (resource: Pick<Resource, "uuid">, version: number): EnvelopeContext => ({
  kind: ACCESS_KIND,
  recordId: resource.uuid,
  version,
});

export type SealedBlob = typeof sealedBlobs.$inferSelect;

/** The env's R2 binding as blob-store's (global workerd) R2Bucket type: the same object. */
const bucketOf = (env: Bindings) => env.BLOBS as unknown as Parameters<typeof putEnvelope>[0];

export const currentAccessBlob = (db: Db, resourceUuid: string): Promise<SealedBlob | undefined> =>
  db.select().from(sealedBlobs).where(and(eq(sealedBlobs.kind, ACCESS_KIND), eq(sealedBlobs.recordId, resourceUuid))).get();

/** The recipients access details of this resource must be sealed to now: the readers' current keys and the executor. */
async function accessRecipients(db: Db, env: Bindings, resource: Resource): Promise<{ recipients: Recipient[]; listed: SealedRecipient[] }> {
  const project = (await db.select().from(projects).where(eq(projects.id, resource.projectId)).get())!;
  const readers = await projectReaderIds(db, project);
  const keys = await currentKeys(db, readers);
  const holders = keys.length ? await db.select({ id: users.id, uuid: users.uuid }).from(users).where(inArray(users.id, keys.map((k) => k.userId))).all() : [];
  const exec = await executorKeyPair(env);
  const execId = Array.from(exec.keyId, (x) => x.toString(16).padStart(2, "0")).join("");
  const recipients: Recipient[] = [
    ...keys.map((k) => ({ publicKey: unb64url(k.publicKey), keyVersion: k.keyVersion })),
    { publicKey: exec.publicKey, keyVersion: EXECUTOR_KEY_VERSION },
  ];
  const listed: SealedRecipient[] = [
    ...keys.map((k) => ({ keyId: k.keyId, keyVersion: k.keyVersion, holder: holders.find((h) => h.id === k.userId)?.uuid ?? "" })),
    { keyId: execId, keyVersion: EXECUTOR_KEY_VERSION, holder: "executor" },
  ];
  return { recipients, listed };
}

const sameRecipients = (a: SealedRecipient[], b: SealedRecipient[]) =>
  JSON.stringify(a.map((r) => `${r.keyId}:${r.keyVersion}`).sort()) === JSON.stringify(b.map((r) => `${r.keyId}:${r.keyVersion}`).sort());

/**
 * Seals `details` as a VEENV envelope (kind "resource-access", record id the resource uuid, the
 * next version) to the project's readers and the executor, stores it in R2 under
 * access-details/<resource uuid>/<version> with putEnvelope, records the reference (key, SHA-256,
 * size, recipients) in sealed_blobs and deletes the superseded object. Returns the object key.
 */
export async function sealAccessDetails(db: Db, env: Bindings, resource: Resource, details: Record<string, unknown>): Promise<string> {
  const plaintext = new TextEncoder().encode(JSON.stringify(details));
  try {
    for (let attempt = 0; ; attempt++) {
      const prev = await currentAccessBlob(db, resource.uuid);
      const version = (prev?.version ?? 0) + 1;
      const { recipients, listed } = await accessRecipients(db, env, resource);
      const context = accessContext(resource, version);
      const envelope = await seal(plaintext, { context, recipients });
      const key = `access-details/${resource.uuid}/${version}`;
      const stored = await putEnvelope(bucketOf(env), key, new Blob([envelope]).stream(), envelope.length, {
        context,
        requireRecipients: listed.map((r) => r.keyId),
      });
      envelope.fill(0);
      if (!stored.ok) throw new Error(`access details not stored: ${stored.error.code} ${stored.error.message}`);
      const ref = { version, objectKey: key, sha256: stored.value.sha256, size: stored.value.size, recipients: listed, created: nowIso() };
      const recorded = await recordSealedRef(db, prev, { kind: ACCESS_KIND, recordId: resource.uuid }, ref);
      if (recorded) {
        if (prev && prev.objectKey !== key) await env.BLOBS.delete(prev.objectKey);
        return key;
      }
      await env.BLOBS.delete(key);
      if (attempt >= 3) throw new Error("access details: lost the race to record the envelope");
    }
  } finally {
    plaintext.fill(0);
  }
}

/** Opens the current access details inside the Worker with the executor key (the plugin path). */
export async function openAccessDetails(db: Db, env: Bindings, resourceUuid: string): Promise<Record<string, unknown> | null> {
  const ref = await currentAccessBlob(db, resourceUuid);
  if (!ref) return null;
  const s = await getEnvelope(bucketOf(env), {
    key: ref.objectKey,
    sha256: ref.sha256,
    size: ref.size,
    recipients: ref.recipients,
    context: { kind: ACCESS_KIND, recordId: resourceUuid, version: ref.version },
  });
  if (!s.ok) throw new Error(`access details unreadable: ${s.error.code}`);
  const bytes = new Uint8Array(await new Response(s.value).arrayBuffer());
  const opened = await open(bytes, { key: await executorKeyPair(env), context: { kind: ACCESS_KIND, recordId: resourceUuid, version: ref.version } });
  if (!opened.ok) throw new Error(`access details do not open: ${opened.error.code}`);
  const out = JSON.parse(new TextDecoder().decode(opened.value.plaintext)) as Record<string, unknown>;
  opened.value.plaintext.fill(0);
  return out;
}

/**
 * Re-seals the stored access details when the project's readers (or their current keys) changed
 * since they were sealed: a removed member is no longer a recipient of the new envelope, a new
 * member (or a rotated key) is. Returns the new object key, or null when nothing changed.
 */
export async function resealAccessDetailsIfStale(db: Db, env: Bindings, resource: Resource): Promise<string | null> {
  const ref = await currentAccessBlob(db, resource.uuid);
  if (!ref) return null;
  const { listed } = await accessRecipients(db, env, resource);
  if (sameRecipients(ref.recipients, listed)) return null;
  const details = await openAccessDetails(db, env, resource.uuid);
  return details ? sealAccessDetails(db, env, resource, details) : null;
}

export async function recordBackendState(db: Db, env: Bindings, resource: Resource, s: BackendState): Promise<void> {
  const set: Partial<typeof resources.$inferInsert> = { modified: nowIso(), lastSync: nowIso() };
  if (s.backendId) set.backendId = s.backendId;
  if (s.metadata) set.backendMetadata = s.metadata;
  if (s.accessDetails) set.accessDetailsKey = await sealAccessDetails(db, env, resource, s.accessDetails);
  else {
    const resealed = await resealAccessDetailsIfStale(db, env, resource);
    if (resealed) set.accessDetailsKey = resealed;
  }
  await db.update(resources).set(set).where(eq(resources.id, resource.id));
  if (s.backendId) await db.update(orders).set({ backendId: s.backendId }).where(eq(orders.resourceId, resource.id));
}

export async function finishOrder(db: Db, order: Order): Promise<void> {
  await moveOrder(db, order, ["executing"], "done");
}

/** The backend refused: the order errs with the backend's own message for customer and provider. */
export async function failOrder(db: Db, order: Order, message: string): Promise<void> {
  await moveOrder(db, order, ["executing"], "erred", { errorMessage: message.slice(0, 2000), errorTraceback: "" });
}
