// The order queue's consumer: runs one executing order through its offering's plugin. Transient
// failures are retried by the queue with exponential backoff; permanent ones err the order with
// the backend's message. The plugin is idempotent by order uuid, so a consumer killed between the
// backend call and the D1 write is simply run again (by redelivery or the cron's sweep).
import { eq } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { orders, resources } from "../../db/schema/index.ts";
import type { Bindings } from "../../env.ts";
import type { PluginContext, PluginResult } from "../../plugins/types.ts";
import { loadExecution, orderRequest, planUuidOf } from "./context.ts";
import { failOrder, finishOrder, recordBackendState } from "./outcome.ts";

export type Outcome =
  | { kind: "done" }
  | { kind: "erred"; message: string }
  | { kind: "retry"; delaySeconds: number; message: string }
  /** Backend still building: poll again after the delay. */
  | { kind: "poll"; delaySeconds: number }
  | { kind: "skipped"; reason: string };

/** After this many transient failures the order errs (VE_PLUGIN_MAX_ATTEMPTS; the queue's own max_retries is higher). */
const maxAttempts = (env: Bindings) => Math.max(1, Number(env.VE_PLUGIN_MAX_ATTEMPTS ?? "6") || 6);

export const backoffSeconds = (attempt: number) => Math.min(300, 2 ** Math.max(0, attempt - 1) * 2);

export function pluginContext(): PluginContext {
  return { fetch: (input, init) => fetch(input, init), now: () => new Date() };
}

/** Applies resource.paused on the backend, when the offering's plugin can pause. */
export async function applyPause(db: Db, env: Bindings, resourceUuid: string, attempt: number, ctx = pluginContext()): Promise<Outcome> {
  const resource = await db.select().from(resources).where(eq(resources.uuid, resourceUuid)).get();
  if (!resource) return { kind: "skipped", reason: "no such resource" };
  if (!["OK", "Erred"].includes(resource.state) || !resource.backendId) return { kind: "skipped", reason: `resource is ${resource.state}` };
  const x = await loadExecution(db, env, resource);
  if (!x.ok) return { kind: "skipped", reason: x.error };
  if (!x.value.plugin.pause) return { kind: "skipped", reason: `plugin ${x.value.plugin.name} cannot pause` };
  const r = await x.value.plugin.pause(ctx, x.value.settings, x.value.ref, resource.paused);
  if (!r.ok && r.error.transient && attempt < maxAttempts(env)) return { kind: "retry", delaySeconds: backoffSeconds(attempt), message: r.error.message };
  // The outcome is kept beside the backend metadata, so the provider sees whether it took.
  const metadata = { ...resource.backendMetadata, paused: resource.paused, pause_error: r.ok ? "" : r.error.message };
  await db.update(resources).set({ backendMetadata: metadata, modified: new Date().toISOString() }).where(eq(resources.id, resource.id));
  return r.ok ? { kind: "done" } : { kind: "erred", message: r.error.message };
}

export async function executeOrder(db: Db, env: Bindings, orderUuid: string, attempt: number, ctx = pluginContext()): Promise<Outcome> {
  const order = await db.select().from(orders).where(eq(orders.uuid, orderUuid)).get();
  if (!order) return { kind: "skipped", reason: "no such order" };
  if (order.state !== "executing") return { kind: "skipped", reason: `order is ${order.state}` };
  if (!order.resourceId) return { kind: "skipped", reason: "order has no resource" };
  const resource = (await db.select().from(resources).where(eq(resources.id, order.resourceId)).get())!;
  const x = await loadExecution(db, env, resource);
  if (!x.ok) {
    if (x.none) return { kind: "skipped", reason: x.error };
    await failOrder(db, order, x.error);
    return { kind: "erred", message: x.error };
  }
  const { plugin, settings } = x.value;
  const req = orderRequest(order, x.value, await planUuidOf(db, order.planId));
  const problems = plugin.validateOrder(req);
  if (problems.length) {
    const message = problems.map((p) => `${p.field}: ${p.message}`).join("; ");
    await failOrder(db, order, message);
    return { kind: "erred", message };
  }

  const onError = async (r: Extract<PluginResult<unknown>, { ok: false }>): Promise<Outcome> => {
    if (r.error.transient && attempt < maxAttempts(env)) return { kind: "retry", delaySeconds: backoffSeconds(attempt), message: r.error.message };
    await failOrder(db, order, r.error.message);
    return { kind: "erred", message: r.error.message };
  };

  if (req.type === "Terminate") {
    const r = await plugin.terminate(ctx, settings, req);
    if (!r.ok) return onError(r);
    await finishOrder(db, order);
    return { kind: "done" };
  }

  // A Create whose backend object already exists (an earlier run stored its id) is followed by polling.
  if (req.type === "Create" && resource.backendId && resource.backendMetadata.provisioning === true) {
    const p = await plugin.poll(ctx, settings, x.value.ref);
    if (!p.ok) return onError(p);
    if (p.value.state === "Creating") return { kind: "poll", delaySeconds: 2 };
    if (p.value.state === "Erred" || p.value.state === "Terminated") {
      const message = p.value.errorMessage || `backend reports ${p.value.state}`;
      await recordBackendState(db, env, resource, { metadata: { ...p.value.metadata, provisioning: false } });
      await failOrder(db, order, message);
      return { kind: "erred", message };
    }
    await recordBackendState(db, env, resource, { metadata: { ...p.value.metadata, provisioning: false }, accessDetails: p.value.accessDetails });
    await finishOrder(db, order);
    return { kind: "done" };
  }

  const r = req.type === "Create" ? await plugin.create(ctx, settings, req) : await plugin.updateLimits(ctx, settings, req);
  if (!r.ok) return onError(r);
  const creating = r.value.state === "Creating";
  await recordBackendState(db, env, resource, {
    backendId: r.value.backendId,
    metadata: { ...r.value.metadata, provisioning: creating },
    accessDetails: r.value.accessDetails,
  });
  if (creating) return { kind: "poll", delaySeconds: 2 };
  await finishOrder(db, order);
  return { kind: "done" };
}
