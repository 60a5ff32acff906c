// Kubernetes provider plugin: one namespace per marketplace resource, fenced by a ResourceQuota and
// LimitRange from the order's limits, with a namespace-scoped service account whose token is the
// customer's kubeconfig, and optionally a Deployment + Service from a container manifest.
// Talks to the API server's REST API with fetch only, so it runs inside workerd.
import { fail, ok, type OrderRequest, type PluginContext, type PluginResult, type PollResult, type ProviderPlugin, type Provisioned, type ResourceRef } from "../types.ts";
import { KubeClient, type KubeObject, kubeError } from "./client.ts";
import { deleteNamespace, ensureNamespace, ensureObject, findNamespace, isTerminating, readToken } from "./ensure.ts";
import { base64, buildKubeconfig, unbase64 } from "./kubeconfig.ts";
import { noNamespace, setPaused } from "./pause.ts";
import { decimal2, parseQuantity } from "./quantity.ts";
import {
  deploymentManifest,
  LIMIT_COMPONENTS,
  labels,
  limitRangeManifest,
  limitRangeSpec,
  MANAGED_HARD_KEYS,
  NAMES,
  namespaceName,
  paths,
  quotaHard,
  quotaManifest,
  roleBindingManifest,
  roleManifest,
  serviceAccountManifest,
  serviceManifest,
  tokenSecretManifest,
} from "./resources.ts";
import { type KubernetesSettings, kubernetesSettingsSchema } from "./settings.ts";
import { containerFor, validateKubernetesOrder } from "./validate.ts";

export type { KubernetesSettings } from "./settings.ts";

const OFFERING_TYPES = ["Marketplace.Rancher", "Kubernetes.Namespace"] as const;

function publicMetadata(s: KubernetesSettings, ns: string, app?: { port?: number; replicas: number; image: string }) {
  return {
    namespace: ns,
    api_url: s.public_api_url ?? s.api_url,
    service_account: NAMES.serviceAccount,
    ...(app ? { app: { deployment: NAMES.app, image: app.image, replicas: app.replicas, ...(app.port ? { service: `${NAMES.app}.${ns}.svc`, port: app.port } : {}) } } : {}),
  };
}

function accessDetails(s: KubernetesSettings, ns: string, tok: { token: string; caData?: string }) {
  const caData = s.ca_cert ? base64(s.ca_cert) : tok.caData;
  const server = s.public_api_url ?? s.api_url;
  const kubeconfig = buildKubeconfig({ server, caData, namespace: ns, user: NAMES.serviceAccount, token: unbase64(tok.token) });
  return { kubeconfig, namespace: ns, server };
}

interface DeploymentStatus {
  replicas?: number;
  availableReplicas?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

/** A Deployment's rollout as a resource state: failures the controller reports are the customer's message. */
function appState(dep: KubeObject): { state: "OK" | "Creating" | "Erred"; message?: string } {
  const want = (dep["spec"] as { replicas?: number } | undefined)?.replicas ?? 1;
  const st = (dep["status"] ?? {}) as DeploymentStatus;
  const cond = (t: string) => st.conditions?.find((c) => c.type === t);
  const failure = cond("ReplicaFailure");
  if (failure?.status === "True") return { state: "Erred", message: failure.message ?? failure.reason ?? "ReplicaFailure" };
  const prog = cond("Progressing");
  if (prog?.status === "False") return { state: "Erred", message: prog.message ?? prog.reason ?? "rollout failed" };
  if (want === 0 || ((st.availableReplicas ?? 0) >= want && cond("Available")?.status === "True")) return { state: "OK" };
  return { state: "Creating" };
}

async function namespaceOf(kc: KubeClient, resource: ResourceRef): Promise<PluginResult<string | null>> {
  if (resource.backendId) return ok(resource.backendId);
  const found = await findNamespace(kc, resource);
  if (!found.ok) return found;
  return ok(found.value?.metadata.name ?? null);
}

async function create(ctx: PluginContext, s: KubernetesSettings, order: OrderRequest): Promise<PluginResult<Provisioned>> {
  const kc = new KubeClient(ctx, s);
  const l = labels(order.resource, order.orderUuid);
  const nsr = await ensureNamespace(kc, s.namespace_prefix, order.resource, l);
  if (!nsr.ok) return nsr;
  const ns = nsr.value.metadata.name;
  // Quota and LimitRange converge to this order's limits; the rest is reused as found.
  const steps: [string, Parameters<typeof ensureObject>[2], string?][] = [
    [paths.core(ns, "resourcequotas"), quotaManifest(ns, l, order.limits), "spec"],
    [paths.core(ns, "limitranges"), limitRangeManifest(ns, l, order.limits), "spec"],
    [paths.core(ns, "serviceaccounts"), serviceAccountManifest(ns, l)],
    [paths.rbac(ns, "roles"), roleManifest(ns, l), "rules"],
    [paths.rbac(ns, "rolebindings"), roleBindingManifest(ns, l)],
    [paths.core(ns, "secrets"), tokenSecretManifest(ns, l)],
  ];
  const container = containerFor(order.attributes, s.container);
  if (container) {
    steps.push([paths.apps(ns, "deployments"), deploymentManifest(ns, l, container)]);
    if (container.port) steps.push([paths.core(ns, "services"), serviceManifest(ns, l, container.port)]);
  }
  let deployment: KubeObject | undefined;
  for (const [collection, manifest, converge] of steps) {
    const r = await ensureObject(kc, collection, manifest, converge);
    if (!r.ok) return r;
    if (manifest.kind === "Deployment") deployment = r.value;
  }
  const tok = await readToken(kc, ns, NAMES.tokenSecret, s.wait_ms);
  if (!tok.ok) return tok;
  const app = deployment ? appState(deployment) : { state: "OK" as const };
  if (app.state === "Erred") return fail(`deployment ${NAMES.app}: ${app.message}`);
  return ok({
    backendId: ns,
    // Creating until the token controller filled the Secret and the app rolled out; poll() follows.
    state: tok.value && app.state === "OK" ? "OK" : "Creating",
    metadata: publicMetadata(s, ns, container),
    ...(tok.value ? { accessDetails: accessDetails(s, ns, tok.value) } : {}),
  });
}

async function updateLimits(ctx: PluginContext, s: KubernetesSettings, order: OrderRequest): Promise<PluginResult<Provisioned>> {
  const kc = new KubeClient(ctx, s);
  const nsr = await namespaceOf(kc, order.resource);
  if (!nsr.ok) return nsr;
  if (!nsr.value) return noNamespace(order.resource);
  const ns = nsr.value;
  const l = labels(order.resource);
  // Merge patch: keys this plugin manages but the new limits drop are removed with null.
  const hard: Record<string, string | null> = Object.fromEntries(MANAGED_HARD_KEYS.map((k) => [k, null]));
  Object.assign(hard, quotaHard(order.limits));
  const patches: [string, string, unknown, Parameters<typeof ensureObject>[2]][] = [
    [paths.core(ns, "resourcequotas"), NAMES.quota, { spec: { hard } }, quotaManifest(ns, l, order.limits)],
    // Arrays are replaced whole by a merge patch, which is what the LimitRange wants.
    [paths.core(ns, "limitranges"), NAMES.limitRange, { spec: limitRangeSpec(order.limits) }, limitRangeManifest(ns, l, order.limits)],
  ];
  for (const [collection, name, patch, manifest] of patches) {
    const r = await kc.mergePatch(`${collection}/${name}`, patch);
    if (r.ok) continue;
    if (r.status === 404 && r.reason === "NotFound") {
      // Half-created before: the namespace exists but this object does not; create it now.
      const nsGot = await kc.get(paths.namespace(ns));
      if (!nsGot.ok) return { ok: false, error: kubeError(nsGot, `updating limits of namespace ${ns}`) };
      const c = await ensureObject(kc, collection, manifest, "spec");
      if (!c.ok) return c;
      continue;
    }
    return { ok: false, error: kubeError(r, `updating ${manifest.kind} ${name} in ${ns}`) };
  }
  return ok({ backendId: ns, state: "OK", metadata: publicMetadata(s, ns), limits: order.limits });
}

async function terminate(ctx: PluginContext, s: KubernetesSettings, order: OrderRequest): Promise<PluginResult<void>> {
  const kc = new KubeClient(ctx, s);
  // By label first: a resource whose create crashed before its backend id was stored is found too.
  const found = await findNamespace(kc, order.resource);
  if (!found.ok) return found;
  const names = new Set<string>();
  if (found.value) names.add(found.value.metadata.name);
  if (order.resource.backendId) names.add(order.resource.backendId);
  for (const name of names) {
    const r = await deleteNamespace(kc, name, s.wait_ms);
    if (!r.ok) return r;
  }
  return ok(undefined);
}

async function poll(ctx: PluginContext, s: KubernetesSettings, resource: ResourceRef): Promise<PluginResult<PollResult>> {
  const kc = new KubeClient(ctx, s);
  const nsr = await namespaceOf(kc, resource);
  if (!nsr.ok) return nsr;
  const name = nsr.value ?? namespaceName(s.namespace_prefix, resource);
  const got = await kc.get(paths.namespace(name));
  if (!got.ok && got.status === 404) return ok({ state: "Terminated", metadata: { namespace: name, phase: "Gone" } });
  if (!got.ok) return { ok: false, error: kubeError(got, `reading namespace ${name}`) };
  const phase = (got.body["status"] as { phase?: string } | undefined)?.phase ?? "Active";
  if (isTerminating(got.body)) {
    // There is no "Terminating" resource state; a namespace going away under an active resource is an error.
    return ok({ state: "Erred", metadata: { namespace: name, phase: "Terminating" }, errorMessage: `namespace ${name} is being deleted` });
  }
  const tok = await readToken(kc, name, NAMES.tokenSecret, 0);
  if (!tok.ok) {
    return tok.error.transient ? tok : ok({ state: "Erred", metadata: { namespace: name, phase }, errorMessage: tok.error.message });
  }
  const dep = await kc.get(paths.apps(name, "deployments", NAMES.app));
  if (!dep.ok && dep.status !== 404) return { ok: false, error: kubeError(dep, `reading deployment ${NAMES.app}`) };
  const app = dep.ok ? appState(dep.body) : { state: "OK" as const };
  const metadata: Record<string, unknown> = { ...publicMetadata(s, name), phase };
  if (dep.ok) {
    const st = (dep.body["status"] ?? {}) as DeploymentStatus;
    metadata["app"] = { deployment: NAMES.app, replicas: st.replicas ?? 0, available_replicas: st.availableReplicas ?? 0 };
  }
  const result: PollResult = { state: !tok.value && app.state === "OK" ? "Creating" : app.state, metadata };
  if (app.state === "Erred") result.errorMessage = `deployment ${NAMES.app}: ${app.message}`;
  if (tok.value) result.accessDetails = accessDetails(s, name, tok.value);
  return ok(result);
}

interface QuotaObject extends KubeObject {
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

/**
 * Current allocation from ResourceQuota status.used, in the components' units. Quota "used" is the
 * sum of requests of the namespace's live objects: a point-in-time reading, which matches Waldur's
 * limit-type components (billed on what is reserved, not an integral over the month).
 */
async function collectUsage(ctx: PluginContext, s: KubernetesSettings, resource: ResourceRef): Promise<PluginResult<Record<string, string>>> {
  const kc = new KubeClient(ctx, s);
  const nsr = await namespaceOf(kc, resource);
  if (!nsr.ok) return nsr;
  if (!nsr.value) return noNamespace(resource);
  const q = await kc.get<QuotaObject>(paths.core(nsr.value, "resourcequotas", NAMES.quota));
  if (!q.ok) return { ok: false, error: kubeError(q, `reading ResourceQuota ${NAMES.quota} in ${nsr.value}`) };
  const used = q.body.status?.used ?? {};
  const report: Record<string, string> = {};
  const keys = Object.keys(resource.limits).length ? Object.keys(resource.limits) : Object.keys(LIMIT_COMPONENTS);
  for (const k of keys) {
    const m = LIMIT_COMPONENTS[k];
    if (!m) continue;
    const n = parseQuantity(used[m.usedKey]);
    if (n === null && !(m.usedKey in used)) {
      report[k] = "0";
      continue;
    }
    if (n === null) return fail(`ResourceQuota ${NAMES.quota} reports an unreadable ${m.usedKey}: ${used[m.usedKey]}`);
    report[k] = decimal2(n / m.perUnit);
  }
  return ok(report);
}

async function pause(ctx: PluginContext, s: KubernetesSettings, resource: ResourceRef, paused: boolean): Promise<PluginResult<void>> {
  const kc = new KubeClient(ctx, s);
  const nsr = await namespaceOf(kc, resource);
  if (!nsr.ok) return nsr;
  if (!nsr.value) return noNamespace(resource);
  return setPaused(kc, nsr.value, resource, paused);
}

export const kubernetesPlugin: ProviderPlugin<KubernetesSettings> = {
  name: "kubernetes",
  offeringTypes: OFFERING_TYPES,
  settingsSchema: kubernetesSettingsSchema,
  validateOrder: validateKubernetesOrder,
  create,
  updateLimits,
  terminate,
  pause,
  poll,
  collectUsage,
};
