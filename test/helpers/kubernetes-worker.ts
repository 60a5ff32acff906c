// A Worker whose kubernetes plugin serves Kubernetes.Namespace offerings against a local
// KubernetesTestServer (the fake API server, named as such in test/servers/), started before the
// file's tests and stopped after them; the plugin's token comes from the offering's sealed secret
// option `k8s_token`, as a provider would set it.
import { after, before } from "node:test";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import type { KubernetesTestServer } from "../servers/kubernetes-test-server.ts";

/** The four limit components a namespace offering is sold by. */
export const NAMESPACE_COMPONENTS = ["cpu", "ram", "storage", "pods"].map((type) => ({
  type,
  name: type,
  measured_unit: "units",
  billing_type: "limit",
  limit_period: "total",
  max_value: 100000,
}));

export function useKubernetesWorker(
  k8s: KubernetesTestServer,
  onReady: (host: WorkerHost) => void,
  extraSettings: Record<string, unknown> = {},
): void {
  let host: WorkerHost | undefined;
  before(async () => {
    await k8s.start();
    const settings = { api_url: k8s.url, token: { $secret: "k8s_token" }, wait_ms: 2000, ...extraSettings };
    host = await startWorkerHost({
      vars: {
        VE_PLUGINS: JSON.stringify({
          plugins: [{ plugin: "kubernetes", offering_types: ["Kubernetes.Namespace"], settings }],
        }),
      },
    });
    onReady(host);
  });
  after(async () => {
    await host?.dispose();
    await k8s.stop();
  });
}
