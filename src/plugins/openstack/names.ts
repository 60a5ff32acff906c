// How backend objects carry VirtEngine's identity, so any re-run finds what already exists:
// the order uuid (the idempotency key of a create) and the resource uuid (stable across the
// resource's Create/Update/Terminate orders, used to find half-created leftovers on terminate).
import type { OrderRequest, ResourceRef } from "../types.ts";

export const OFFERING_TYPES = ["OpenStack.Tenant", "OpenStack.Instance", "OpenStack.Volume"] as const;
export type OfferingType = (typeof OFFERING_TYPES)[number];

export const orderTag = (orderUuid: string) => `ve-order-${orderUuid}`;
export const resourceTag = (resourceUuid: string) => `ve-resource-${resourceUuid}`;
/** Metadata keys on servers and volumes (nova/cinder metadata: key and value ≤ 255 chars). */
export const META_ORDER = "ve_order_uuid";
export const META_RESOURCE = "ve_resource_uuid";

/** Backend names: readable, unique per resource (Keystone project names are unique per domain). */
export function baseName(r: ResourceRef): string {
  const slug = (r.slug || r.name || "resource").toLowerCase().replace(/[^a-z0-9-]+/g, "-").slice(0, 40);
  return `${slug}-${r.uuid.slice(0, 8)}`;
}

export function tagsFor(order: OrderRequest): string[] {
  return [orderTag(order.orderUuid), resourceTag(order.resource.uuid)];
}

/**
 * The offering type of an order or resource. OrderRequest does not carry it, so in this order:
 * an explicit `offering_type` (order attributes, then what create() stored in backend metadata),
 * the entry's settings.offering_type, then the shape of the attributes (flavor/image → instance,
 * size → volume, otherwise tenant).
 */
export function resolveKind(
  attrs: Record<string, unknown>,
  metadata: Record<string, unknown>,
  settingsType: OfferingType | undefined,
): OfferingType {
  for (const c of [attrs["offering_type"], metadata["offering_type"], settingsType]) {
    if (typeof c === "string" && (OFFERING_TYPES as readonly string[]).includes(c)) return c as OfferingType;
  }
  if ("flavor" in attrs || "image" in attrs) return "OpenStack.Instance";
  if ("size" in attrs) return "OpenStack.Volume";
  return "OpenStack.Tenant";
}

/** Waldur sizes (ram, storage, volume size) are MiB; nova takes MiB for ram, cinder whole GiB. */
export const mibToGib = (mib: number) => Math.max(1, Math.ceil(mib / 1024));

export function str(attrs: Record<string, unknown>, key: string): string | undefined {
  const v = attrs[key];
  if (typeof v !== "string" || v === "") return undefined;
  // Waldur passes hyperlinks (…/api/openstack-flavors/<uuid>/): the last path segment is the id
  return /^https?:\/\//.test(v) ? (v.replace(/\/+$/, "").split("/").pop() ?? v) : v;
}
