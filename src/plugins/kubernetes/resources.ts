// What a resource owns in the cluster, as manifests. Names are deterministic from the resource so a
// re-run after a crash addresses the same objects; labels let a re-run find the namespace even if
// the naming inputs (prefix, slug) changed since.
import type { ResourceRef } from "../types.ts";
import { cpuQuantity } from "./quantity.ts";
import type { ContainerSpec } from "./settings.ts";

export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const LABEL_RESOURCE = "virtengine.io/resource-uuid";
export const LABEL_ORDER = "virtengine.io/order-uuid";
export const LABEL_PROJECT = "virtengine.io/project-uuid";
export const MANAGER = "virtengine";

export const NAMES = {
  quota: "ve-quota",
  limitRange: "ve-limits",
  serviceAccount: "ve-customer",
  role: "ve-customer",
  roleBinding: "ve-customer",
  tokenSecret: "ve-customer-token",
  app: "app",
} as const;

/** Order limit component -> ResourceQuota `hard` entries, and how to read usage back. */
interface LimitMapping {
  unit: string;
  integer: boolean;
  hard(n: number): Record<string, string>;
  /** status.used key and the factor from its base unit (cores, bytes, count) to the component unit. */
  usedKey: string;
  perUnit: number;
}

export const LIMIT_COMPONENTS: Record<string, LimitMapping> = {
  cpu: { unit: "cores", integer: false, hard: (n) => ({ "requests.cpu": cpuQuantity(n), "limits.cpu": cpuQuantity(n) }), usedKey: "requests.cpu", perUnit: 1 },
  ram: { unit: "MiB", integer: true, hard: (n) => ({ "requests.memory": `${n}Mi`, "limits.memory": `${n}Mi` }), usedKey: "requests.memory", perUnit: 2 ** 20 },
  storage: { unit: "GiB", integer: true, hard: (n) => ({ "requests.storage": `${n}Gi` }), usedKey: "requests.storage", perUnit: 2 ** 30 },
  pods: { unit: "pods", integer: true, hard: (n) => ({ pods: String(n) }), usedKey: "pods", perUnit: 1 },
  gpu: { unit: "GPUs", integer: true, hard: (n) => ({ "requests.nvidia.com/gpu": String(n) }), usedKey: "requests.nvidia.com/gpu", perUnit: 1 },
};

/** Every quota key this plugin manages: an update sets the ones absent from the new limits to null. */
export const MANAGED_HARD_KEYS = Object.values(LIMIT_COMPONENTS).flatMap((m) => Object.keys(m.hard(1)));

export function quotaHard(limits: Record<string, number>): Record<string, string> {
  const hard: Record<string, string> = {};
  for (const [k, n] of Object.entries(limits)) {
    const m = LIMIT_COMPONENTS[k];
    if (m) Object.assign(hard, m.hard(n));
  }
  return hard;
}

/** Namespace name: `<prefix><slug>-<12 hex of the resource uuid>`, a valid RFC 1123 label. */
export function namespaceName(prefix: string, resource: Pick<ResourceRef, "uuid" | "slug">): string {
  const id = resource.uuid.toLowerCase().replace(/[^0-9a-f]/g, "").slice(0, 12);
  const room = 63 - prefix.length - id.length - 1;
  const slug = resource.slug
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .slice(0, Math.max(0, room))
    .replace(/^-+|-+$/g, "");
  return slug ? `${prefix}${slug}-${id}` : `${prefix}${id}`;
}

export function labels(resource: ResourceRef, orderUuid?: string): Record<string, string> {
  return {
    [LABEL_MANAGED_BY]: MANAGER,
    [LABEL_RESOURCE]: resource.uuid,
    [LABEL_PROJECT]: resource.projectUuid,
    ...(orderUuid ? { [LABEL_ORDER]: orderUuid } : {}),
  };
}

const meta = (name: string, ns: string, l: Record<string, string>) => ({ name, namespace: ns, labels: l });

export function namespaceManifest(name: string, l: Record<string, string>) {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: l } };
}

export function quotaManifest(ns: string, l: Record<string, string>, limits: Record<string, number>) {
  return { apiVersion: "v1", kind: "ResourceQuota", metadata: meta(NAMES.quota, ns, l), spec: { hard: quotaHard(limits) } };
}

/**
 * Container defaults and maxima. With requests.cpu/memory in the quota the API server rejects pods
 * that declare no requests; the LimitRange's defaults fill them in so plain manifests still run.
 */
export function limitRangeSpec(limits: Record<string, number>) {
  const cpu = limits["cpu"];
  const ram = limits["ram"];
  const container: Record<string, Record<string, string>> = { default: {}, defaultRequest: {}, max: {} };
  if (cpu !== undefined && cpu > 0) {
    container["default"]!["cpu"] = cpuQuantity(Math.min(1, cpu));
    container["defaultRequest"]!["cpu"] = cpuQuantity(Math.min(0.1, cpu));
    container["max"]!["cpu"] = cpuQuantity(cpu);
  }
  if (ram !== undefined && ram > 0) {
    container["default"]!["memory"] = `${Math.min(512, ram)}Mi`;
    container["defaultRequest"]!["memory"] = `${Math.min(128, ram)}Mi`;
    container["max"]!["memory"] = `${ram}Mi`;
  }
  const items: Record<string, unknown>[] = [{ type: "Container", ...container }];
  const storage = limits["storage"];
  if (storage !== undefined && storage > 0) items.push({ type: "PersistentVolumeClaim", max: { storage: `${storage}Gi` } });
  return { limits: items };
}

export function limitRangeManifest(ns: string, l: Record<string, string>, limits: Record<string, number>) {
  return { apiVersion: "v1", kind: "LimitRange", metadata: meta(NAMES.limitRange, ns, l), spec: limitRangeSpec(limits) };
}

export function serviceAccountManifest(ns: string, l: Record<string, string>) {
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: meta(NAMES.serviceAccount, ns, l) };
}

/**
 * The customer's rights inside their namespace. Resources are listed, not "*": a wildcard on the
 * core group would let the customer edit their own ResourceQuota and LimitRange.
 */
export function roleManifest(ns: string, l: Record<string, string>) {
  const all = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];
  const read = ["get", "list", "watch"];
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "Role",
    metadata: meta(NAMES.role, ns, l),
    rules: [
      {
        apiGroups: [""],
        resources: ["pods", "pods/log", "pods/exec", "pods/portforward", "services", "endpoints", "configmaps", "secrets", "persistentvolumeclaims", "serviceaccounts"],
        verbs: all,
      },
      { apiGroups: [""], resources: ["events", "resourcequotas", "limitranges", "namespaces"], verbs: read },
      { apiGroups: ["apps"], resources: ["deployments", "deployments/scale", "statefulsets", "replicasets", "daemonsets"], verbs: all },
      { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: all },
      { apiGroups: ["networking.k8s.io"], resources: ["ingresses", "networkpolicies"], verbs: all },
      { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: all },
    ],
  };
}

export function roleBindingManifest(ns: string, l: Record<string, string>) {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "RoleBinding",
    metadata: meta(NAMES.roleBinding, ns, l),
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: NAMES.role },
    subjects: [{ kind: "ServiceAccount", name: NAMES.serviceAccount, namespace: ns }],
  };
}

/**
 * A long-lived token: the token controller fills data.token / ca.crt / namespace asynchronously.
 * (TokenRequest tokens expire; a customer's kubeconfig must keep working until termination.)
 */
export function tokenSecretManifest(ns: string, l: Record<string, string>) {
  return {
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/service-account-token",
    metadata: { ...meta(NAMES.tokenSecret, ns, l), annotations: { "kubernetes.io/service-account.name": NAMES.serviceAccount } },
  };
}

const APP_SELECTOR = { "app.kubernetes.io/name": NAMES.app };

export function deploymentManifest(ns: string, l: Record<string, string>, c: ContainerSpec) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: meta(NAMES.app, ns, l),
    spec: {
      replicas: c.replicas,
      selector: { matchLabels: APP_SELECTOR },
      template: {
        metadata: { labels: { ...APP_SELECTOR } },
        spec: {
          // The workload does not need API access; the customer's token is for the customer.
          automountServiceAccountToken: false,
          containers: [{ name: NAMES.app, image: c.image, ...(c.port ? { ports: [{ containerPort: c.port, protocol: "TCP" }] } : {}) }],
        },
      },
    },
  };
}

export function serviceManifest(ns: string, l: Record<string, string>, port: number) {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: meta(NAMES.app, ns, l),
    spec: { type: "ClusterIP", selector: APP_SELECTOR, ports: [{ name: "http", port, targetPort: port, protocol: "TCP" }] },
  };
}

/** REST paths, core group under /api/v1, others under /apis/<group>/<version>. */
export const paths = {
  namespaces: () => "/api/v1/namespaces",
  namespace: (ns: string) => `/api/v1/namespaces/${ns}`,
  core: (ns: string, plural: string, name?: string) => `/api/v1/namespaces/${ns}/${plural}${name ? `/${name}` : ""}`,
  rbac: (ns: string, plural: string, name?: string) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/${plural}${name ? `/${name}` : ""}`,
  apps: (ns: string, plural: string, name?: string) => `/apis/apps/v1/namespaces/${ns}/${plural}${name ? `/${name}` : ""}`,
};
