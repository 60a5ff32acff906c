// Pause: nothing runs, nothing is lost. Every Deployment is scaled to 0 (its replica count kept in
// an annotation so unpause restores it) and the quota's pod count drops to 0 so the customer cannot
// start new pods meanwhile. Both directions are idempotent: a second pause keeps the first counts.
import { fail, ok, type PluginResult, type ResourceRef } from "../types.ts";
import type { KubeClient, KubeObject } from "./client.ts";
import { kubeError } from "./client.ts";
import { NAMES, paths, quotaHard } from "./resources.ts";

export const PAUSED_REPLICAS = "virtengine.io/replicas-before-pause";

export async function setPaused(kc: KubeClient, ns: string, resource: ResourceRef, paused: boolean): Promise<PluginResult<void>> {
  // Quota first when pausing (no new pods from here on), last when resuming (pods fit again).
  const podsHard = quotaHard(resource.limits)["pods"] ?? null;
  const quota = () => kc.mergePatch(paths.core(ns, "resourcequotas", NAMES.quota), { spec: { hard: { pods: paused ? "0" : podsHard } } });
  if (paused) {
    const q = await quota();
    if (!q.ok) return { ok: false, error: kubeError(q, `pausing: ResourceQuota ${NAMES.quota} in ${ns}`) };
  }
  const list = await kc.get<{ items: KubeObject[] }>(paths.apps(ns, "deployments"));
  if (!list.ok) return { ok: false, error: kubeError(list, `listing deployments in ${ns}`) };
  for (const d of list.body.items ?? []) {
    const name = d.metadata.name;
    const saved = d.metadata.annotations?.[PAUSED_REPLICAS];
    const current = (d["spec"] as { replicas?: number } | undefined)?.replicas ?? 1;
    let patch: unknown;
    if (paused && saved === undefined) patch = { metadata: { annotations: { [PAUSED_REPLICAS]: String(current) } }, spec: { replicas: 0 } };
    else if (!paused && saved !== undefined) patch = { metadata: { annotations: { [PAUSED_REPLICAS]: null } }, spec: { replicas: Number(saved) || 0 } };
    else continue;
    const r = await kc.mergePatch(paths.apps(ns, "deployments", name), patch);
    if (!r.ok && r.status !== 404) return { ok: false, error: kubeError(r, `${paused ? "scaling down" : "restoring"} deployment ${name}`) };
  }
  if (!paused) {
    const q = await quota();
    if (!q.ok) return { ok: false, error: kubeError(q, `resuming: ResourceQuota ${NAMES.quota} in ${ns}`) };
  }
  return ok(undefined);
}

export const noNamespace = (resource: ResourceRef) => fail(`no namespace exists for resource ${resource.uuid}`);
