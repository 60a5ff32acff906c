// One Miniflare-hosted Worker per test file: real workerd, in-memory D1/R2, migrations applied.
import { after, before } from "node:test";
import { startWorkerHost, type WorkerHost, type WorkerHostOptions } from "../../scripts/lib/worker-host.ts";

export function useWorker(opts: WorkerHostOptions = {}): { readonly host: WorkerHost } {
  const holder: { host?: WorkerHost } = {};
  before(async () => {
    holder.host = await startWorkerHost(opts);
  });
  after(async () => {
    await holder.host?.dispose();
  });
  return {
    get host() {
      if (!holder.host) throw new Error("worker not started yet");
      return holder.host;
    },
  };
}
