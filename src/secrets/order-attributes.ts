// Order attributes sealed to the provider and the customer (openapi/sealed-flows.md). The client
// seals the attributes itself (recommended: the API never sees them) or, for Waldur clients, sends
// them in plaintext and the API seals them on arrival; either way D1 keeps only the public part
// (the resource name and end date, which Waldur shows as resource fields) and the envelope's
// reference, R2 the ciphertext. The plugin path opens them with the executor key.
import { and, eq } from "drizzle-orm";
import type { Db } from "../app-env.ts";
import type { User } from "../auth/session.ts";
import { orders } from "../db/schema/index.ts";
import type { Bindings } from "../env.ts";
import { fieldError } from "../http/errors.ts";
import { newUuid } from "../http/ids.ts";
import { grantHolders, listed, providerReaderIds, type ReaderSet, readerSet } from "./recipients.ts";
import { currentSealed, dropSealed, envelopeFromBase64, openWithExecutor, type SealedBlob, sealAndStore, storeNewRecordEnvelope } from "./sealed-records.ts";

export const ORDER_ATTRIBUTES_KIND = "order-attributes";
/** Attribute keys that stay readable: Waldur turns them into the resource's public fields. */
export const PUBLIC_ATTRIBUTES = ["name", "end_date"] as const;
const ENVELOPE_FIELD = "attributes_envelope";

type Offering = { id: number; customerId: number };
type Project = { id: number; customerId: number };

/**
 * The readers of an order's attributes: the provider (its organization's owners and managers and
 * the offering's managers), the customer (the orderer and the ordering organization's owners), and
 * the executor key for the plugins.
 */
export async function orderReaders(db: Db, env: Bindings, offering: Offering, project: Project, orderer: User): Promise<ReaderSet> {
  const [provider, owners] = await Promise.all([
    providerReaderIds(db, offering),
    grantHolders(db, [{ type: "customer", id: project.customerId, roles: ["CUSTOMER.OWNER"] }]),
  ]);
  return readerSet(db, env, [...provider, ...owners, orderer.id], { executor: true });
}

export const publicPart = (attributes: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(attributes).filter(([k]) => (PUBLIC_ATTRIBUTES as readonly string[]).includes(k)));

export interface SealedOrderAttributes {
  /** The new order's uuid: the envelope's record id. */
  orderUuid: string;
  /** What D1 keeps in the order's and resource's `attributes`. */
  publicAttributes: Record<string, unknown>;
  /** Removes the envelope again when the order is not created after all. */
  undo: () => Promise<void>;
}

/**
 * Seals (or checks and stores the client's envelope of) a new order's attributes, before the order
 * is written: the order never exists without its envelope. A client-sealed envelope names the new
 * order's uuid as its record id (version 1), which binds it to exactly that order.
 */
export async function sealNewOrderAttributes(
  db: Db,
  env: Bindings,
  me: User,
  offering: Offering,
  project: Project,
  input: { attributes: Record<string, unknown>; envelope: string | null },
): Promise<SealedOrderAttributes> {
  const publicAttributes = publicPart(input.attributes);
  if (input.envelope === null) {
    const orderUuid = newUuid();
    if (Object.keys(publicAttributes).length === Object.keys(input.attributes).length) {
      return { orderUuid, publicAttributes, undo: async () => {} };
    }
    const readers = await orderReaders(db, env, offering, project, me);
    const plaintext = new TextEncoder().encode(JSON.stringify(input.attributes));
    try {
      await sealAndStore(db, env, { kind: ORDER_ATTRIBUTES_KIND, recordId: orderUuid, version: 1 }, plaintext, readers, "attributes");
    } finally {
      plaintext.fill(0);
    }
    return { orderUuid, publicAttributes, undo: () => dropSealed(db, env, ORDER_ATTRIBUTES_KIND, orderUuid) };
  }
  const secretKeys = Object.keys(input.attributes).filter((k) => !(k in publicAttributes));
  if (secretKeys.length) {
    throw fieldError("attributes", `With ${ENVELOPE_FIELD}, only ${PUBLIC_ATTRIBUTES.join(" and ")} may be sent in plaintext (got ${secretKeys.join(", ")}).`);
  }
  const readers = await orderReaders(db, env, offering, project, me);
  const ref = await storeNewRecordEnvelope(db, env, ORDER_ATTRIBUTES_KIND, envelopeFromBase64(ENVELOPE_FIELD, input.envelope), {
    field: ENVELOPE_FIELD,
    required: listed(readers),
    allowExtra: true,
    taken: async (uuid) => !!(await db.select({ id: orders.id }).from(orders).where(eq(orders.uuid, uuid)).get()),
  });
  const orderUuid = ref.recordId;
  const undo = () => dropSealed(db, env, ORDER_ATTRIBUTES_KIND, orderUuid);
  // The header MAC and the executor's wrapped key can only be checked by opening: do it now, so an
  // envelope the plugins could not read is a 400 here rather than an erred order later.
  const usable = await openWithExecutor(env, ref)
    .then((p) => {
      const v = parseObject(p);
      p.fill(0);
      return v;
    })
    .catch(() => false);
  if (!usable) {
    await undo();
    throw fieldError(ENVELOPE_FIELD, "The envelope does not open for the executor key as a JSON object of attributes.");
  }
  return { orderUuid, publicAttributes, undo };
}

/**
 * Keys of an Update or Terminate order's attributes that stay readable: the limits before the
 * change, which the API writes itself from the resource's (already readable) limits, and the order
 * uuid a VirtEngine acting as a remote Waldur's client marks its Terminate with
 * (src/plugins/waldur/: it finds its own order again by that mark, an identifier only).
 */
export const FOLLOW_UP_PUBLIC_ATTRIBUTES = ["old_limits", "virtengine_order_uuid"] as const;

/**
 * Seals the attributes of an Update or Terminate order (what a Waldur client sends with a resource
 * action, e.g. terminate's) the way a Create order's plaintext attributes are: to the order's
 * readers and the executor key, record id the new order's uuid, before the order is written.
 */
export async function sealFollowUpAttributes(
  db: Db,
  env: Bindings | undefined,
  me: User,
  offering: Offering,
  project: Project,
  attributes: Record<string, unknown>,
): Promise<SealedOrderAttributes> {
  const orderUuid = newUuid();
  const publicAttributes = Object.fromEntries(Object.entries(attributes).filter(([k]) => (FOLLOW_UP_PUBLIC_ATTRIBUTES as readonly string[]).includes(k)));
  if (Object.keys(publicAttributes).length === Object.keys(attributes).length) return { orderUuid, publicAttributes, undo: async () => {} };
  if (!env) throw new Error("sealing an order's attributes needs the Worker's bindings");
  const readers = await orderReaders(db, env, offering, project, me);
  const plaintext = new TextEncoder().encode(JSON.stringify(attributes));
  try {
    await sealAndStore(db, env, { kind: ORDER_ATTRIBUTES_KIND, recordId: orderUuid, version: 1 }, plaintext, readers, "attributes");
  } finally {
    plaintext.fill(0);
  }
  return { orderUuid, publicAttributes, undo: () => dropSealed(db, env, ORDER_ATTRIBUTES_KIND, orderUuid) };
}

export const orderAttributesRef = (db: Db, orderUuid: string): Promise<SealedBlob | undefined> => currentSealed(db, ORDER_ATTRIBUTES_KIND, orderUuid);

/**
 * A resource's full attributes for its plugin: the public part D1 keeps, with the sealed
 * attributes of the order that created it opened by the executor key. Only the plugin path calls
 * this; the API never returns what it yields.
 */
export async function resourceAttributesForPlugin(
  db: Db,
  env: Bindings,
  resource: { id: number; attributes: Record<string, unknown> },
): Promise<Record<string, unknown>> {
  const create = await db
    .select({ uuid: orders.uuid })
    .from(orders)
    .where(and(eq(orders.resourceId, resource.id), eq(orders.type, "Create")))
    .get();
  const ref = create ? await orderAttributesRef(db, create.uuid) : undefined;
  return ref ? openOrderAttributes(env, ref, resource.attributes) : resource.attributes;
}

/** Opens sealed order attributes with the executor key, over the public part D1 keeps. */
export async function openOrderAttributes(env: Bindings, ref: SealedBlob, publicAttributes: Record<string, unknown>): Promise<Record<string, unknown>> {
  const plaintext = await openWithExecutor(env, ref);
  const opened = parseObject(plaintext);
  plaintext.fill(0);
  if (!opened) throw new Error("sealed order attributes are not a JSON object");
  return { ...opened, ...publicAttributes };
}

function parseObject(bytes: Uint8Array): Record<string, unknown> | false {
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : false;
  } catch {
    return false;
  }
}
