// Writes what a plugin call produced back to D1: backend id and metadata on the resource, access
// details sealed (never plaintext in D1), and the order moved to done or erred. The order uuid
// guards every move: a redelivered message for an order that already finished changes nothing.
import { eq } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { orders, resources } from "../../db/schema/index.ts";
import type { Bindings } from "../../env.ts";
import { nowIso } from "../../http/ids.ts";
import { sealJson } from "../../secrets/sealed-json.ts";
import type { Order, Resource } from "../orders/context.ts";
import { moveOrder } from "../orders/workflow.ts";

export interface BackendState {
  backendId?: string;
  metadata?: Record<string, unknown>;
  limits?: Record<string, number>;
  accessDetails?: Record<string, unknown>;
}

/**
 * Access details go to R2 sealed with the executor key under the resource's uuid as associated
 * data; D1 keeps the object key only. (Sealing to the project members' own keys replaces this
 * once their public keys are registered, see src/crypto.)
 */
async function storeAccessDetails(env: Bindings, resource: Resource, details: Record<string, unknown>): Promise<string> {
  const key = `access-details/${resource.uuid}`;
  await env.BLOBS.put(key, await sealJson(env, `access-details:${resource.uuid}`, details), {
    httpMetadata: { contentType: "application/vnd.virtengine.sealed" },
  });
  return key;
}

export async function recordBackendState(db: Db, env: Bindings, resource: Resource, s: BackendState): Promise<void> {
  const set: Partial<typeof resources.$inferInsert> = { modified: nowIso(), lastSync: nowIso() };
  if (s.backendId) set.backendId = s.backendId;
  if (s.metadata) set.backendMetadata = s.metadata;
  if (s.accessDetails) set.accessDetailsKey = await storeAccessDetails(env, resource, s.accessDetails);
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
