// Hands orders that reach `executing` to the plugin serving their offering type, through the order
// queue (durable: the queue redelivers until the consumer acknowledges). Types without a plugin
// (Marketplace.Basic, Marketplace.Slurm driven by the site agent) are moved by the provider.
import type { Bindings } from "../../env.ts";
import type { Order } from "../orders/context.ts";
import type { Offering } from "../catalog/serialize.ts";
import { pluginFor } from "../../plugins/registry.ts";

export async function dispatchOrder(env: Bindings, order: Order, offering: Offering): Promise<boolean> {
  if (order.state !== "executing") return false;
  const plugin = pluginFor(env, offering);
  if (!plugin.ok) return false;
  await env.ORDER_QUEUE.send({ kind: "order", orderUuid: order.uuid });
  return true;
}

export async function dispatchPause(env: Bindings, resource: { uuid: string }, offering: Offering): Promise<boolean> {
  const plugin = pluginFor(env, offering);
  if (!plugin.ok || !plugin.plugin.pause) return false;
  await env.ORDER_QUEUE.send({ kind: "pause", resourceUuid: resource.uuid });
  return true;
}
