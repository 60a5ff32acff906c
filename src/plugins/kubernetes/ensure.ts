// Idempotent building blocks. Create is POST-first: 201 means we made it, 409 AlreadyExists means a
// previous run did (or someone else did: the labels tell), and the existing object is reused or
// converged to the order's spec with a resourceVersion-guarded PUT.
import { fail, ok, type PluginResult, type ResourceRef } from "../types.ts";
import { type KubeClient, type KubeObject, kubeError, sleep } from "./client.ts";
import { LABEL_RESOURCE, namespaceManifest, namespaceName, paths } from "./resources.ts";

type Manifest = { kind: string; metadata: { name: string; labels?: Record<string, string> } } & Record<string, unknown>;

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Creates `manifest` under `collection`, or reuses the existing object of that name. With
 * `convergeField`, an existing object whose field differs (a re-run with other limits) is
 * replaced; a stale resourceVersion (409 Conflict) is re-read and retried.
 */
export async function ensureObject(kc: KubeClient, collection: string, manifest: Manifest, convergeField?: string): Promise<PluginResult<KubeObject>> {
  const what = `creating ${manifest.kind} ${manifest.metadata.name}`;
  const created = await kc.post(collection, manifest);
  if (created.ok) return ok(created.body);
  if (!(created.status === 409 && created.reason === "AlreadyExists")) return { ok: false, error: kubeError(created, what) };
  const item = `${collection}/${manifest.metadata.name}`;
  for (let attempt = 0; attempt < 3; attempt++) {
    const got = await kc.get(item);
    if (!got.ok) return { ok: false, error: kubeError(got, `reading existing ${manifest.kind} ${manifest.metadata.name}`) };
    if (!convergeField || sameJson(got.body[convergeField], manifest[convergeField])) return ok(got.body);
    const body = { ...manifest, metadata: { ...manifest.metadata, resourceVersion: got.body.metadata.resourceVersion } };
    const put = await kc.put(item, body);
    if (put.ok) return ok(put.body);
    if (!(put.status === 409 && put.reason === "Conflict")) return { ok: false, error: kubeError(put, `updating ${manifest.kind} ${manifest.metadata.name}`) };
  }
  return fail(`updating ${manifest.kind} ${manifest.metadata.name}: kept conflicting with concurrent updates`, true);
}

interface NamespaceList {
  items: KubeObject[];
}

/** The resource's namespace, found by its label (so a half-created one is found before a backend id was stored). */
export async function findNamespace(kc: KubeClient, resource: ResourceRef): Promise<PluginResult<KubeObject | null>> {
  const sel = encodeURIComponent(`${LABEL_RESOURCE}=${resource.uuid}`);
  const r = await kc.get<NamespaceList>(`${paths.namespaces()}?labelSelector=${sel}`);
  if (!r.ok) return { ok: false, error: kubeError(r, "looking up the resource's namespace") };
  const items = r.body.items ?? [];
  return ok(items.find((n) => !n.metadata.deletionTimestamp) ?? items[0] ?? null);
}

export const isTerminating = (ns: KubeObject) => !!ns.metadata.deletionTimestamp || (ns["status"] as { phase?: string } | undefined)?.phase === "Terminating";

export async function ensureNamespace(kc: KubeClient, prefix: string, resource: ResourceRef, nsLabels: Record<string, string>): Promise<PluginResult<KubeObject>> {
  const found = await findNamespace(kc, resource);
  if (!found.ok) return found;
  let ns = found.value;
  if (!ns) {
    const name = resource.backendId ?? namespaceName(prefix, resource);
    const r = await ensureObject(kc, paths.namespaces(), namespaceManifest(name, nsLabels));
    if (!r.ok) return r;
    ns = r.value;
    // A same-named namespace that is not labelled for this resource is someone else's: never adopt it.
    if (ns.metadata.labels?.[LABEL_RESOURCE] !== resource.uuid) {
      return fail(`namespace ${name} already exists and does not belong to resource ${resource.uuid}`);
    }
  }
  if (isTerminating(ns)) return fail(`namespace ${ns.metadata.name} is still being deleted; retrying once it is gone`, true);
  return ok(ns);
}

/** Deletes the namespace (everything in it goes with it) and waits until the API server forgets it. */
export async function deleteNamespace(kc: KubeClient, name: string, waitMs: number): Promise<PluginResult<void>> {
  const del = await kc.delete(paths.namespace(name));
  // 404: already gone. 409 Conflict: already terminating ("The system is ensuring all content is removed").
  if (!del.ok && del.status !== 404 && del.status !== 409) return { ok: false, error: kubeError(del, `deleting namespace ${name}`) };
  if (!del.ok && del.status === 404) return ok(undefined);
  const deadline = Date.now() + waitMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    const got = await kc.get(paths.namespace(name));
    if (!got.ok && got.status === 404) return ok(undefined);
    if (!got.ok) return { ok: false, error: kubeError(got, `waiting for namespace ${name} to go`) };
    if (Date.now() + delay > deadline) break;
    await sleep(delay);
  }
  return fail(`namespace ${name} is still terminating`, true);
}

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

/** The service-account token and CA from the token Secret, waiting up to waitMs for the token controller. */
export async function readToken(kc: KubeClient, ns: string, secret: string, waitMs: number): Promise<PluginResult<{ token: string; caData?: string } | null>> {
  const deadline = Date.now() + waitMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 1000)) {
    const got = await kc.get<SecretObject>(paths.core(ns, "secrets", secret));
    if (!got.ok) return { ok: false, error: kubeError(got, `reading the token Secret ${secret}`) };
    const token = got.body.data?.["token"];
    if (token) return ok({ token, caData: got.body.data?.["ca.crt"] });
    if (Date.now() + delay > deadline) return ok(null);
    await sleep(delay);
  }
}
