// OpenStack.Volume: a cinder volume (create / extend / delete), also used for instances' data
// volumes. Volumes carry the order and resource uuids in their metadata.
import type { OrderRequest, PollResult, Provisioned, ResourceRef, UsageReport } from "../types.ts";
import type { OsClient } from "./client.ts";
import { OsError } from "./errors.ts";
import { baseName, META_ORDER, META_RESOURCE, mibToGib, str } from "./names.ts";
import { ensureGone } from "./wait.ts";

export interface Volume {
  id: string;
  name: string;
  size: number;
  status: string;
  metadata?: Record<string, string>;
  attachments?: { server_id: string }[];
}

export async function getVolume(c: OsClient, id: string): Promise<Volume | undefined> {
  const { status, body } = await c.request<{ volume: Volume }>("volume", "GET", `/volumes/${id}`, { accept: [404] });
  return status === 404 ? undefined : body.volume;
}

export async function findVolumeByMeta(c: OsClient, meta: Record<string, string>, role?: string): Promise<Volume | undefined> {
  const vols = await c.list<Volume>("volume", "/volumes/detail", "volumes", { metadata: JSON.stringify(meta) });
  return vols.find((v) => !role || v.metadata?.["ve_role"] === role);
}

export async function findResourceVolume(c: OsClient, r: ResourceRef, role: string, id?: unknown): Promise<Volume | undefined> {
  if (typeof id === "string" && id) {
    const v = await getVolume(c, id);
    if (v) return v;
  }
  return findVolumeByMeta(c, { [META_RESOURCE]: r.uuid }, role);
}

/** Find-or-create by the order uuid in the metadata (idempotent across crashes). */
export async function ensureVolume(c: OsClient, order: OrderRequest, role: string, sizeGib: number): Promise<Volume> {
  const existing =
    (await findVolumeByMeta(c, { [META_ORDER]: order.orderUuid }, role)) ??
    (await findVolumeByMeta(c, { [META_RESOURCE]: order.resource.uuid }, role));
  if (existing) return existing;
  const a = order.attributes;
  const volumeType = str(a, role === "data" ? "data_volume_type" : "type");
  const { body } = await c.request<{ volume: Volume }>("volume", "POST", "/volumes", {
    body: {
      volume: {
        size: sizeGib,
        name: `${baseName(order.resource)}-${role}`,
        description: String(a["description"] ?? order.resource.name).slice(0, 255),
        metadata: { [META_ORDER]: order.orderUuid, [META_RESOURCE]: order.resource.uuid, ve_role: role },
        ...(volumeType ? { volume_type: volumeType } : {}),
        ...(typeof a["availability_zone"] === "string" ? { availability_zone: a["availability_zone"] } : {}),
      },
    },
  });
  return body.volume;
}

/** Size in GiB from the order: limits.storage, else attributes.size (both MiB, as Waldur). */
export function orderedSizeGib(order: { limits: Record<string, number>; attributes: Record<string, unknown> }): number | undefined {
  const mib = order.limits["storage"] ?? (typeof order.attributes["size"] === "number" ? order.attributes["size"] : undefined);
  return mib === undefined ? undefined : mibToGib(mib);
}

function stateOf(v: Volume): PollResult["state"] {
  if (v.status === "available" || v.status === "in-use") return "OK";
  if (v.status.startsWith("error")) return "Erred";
  return "Creating"; // creating, extending, downloading, attaching, deleting…
}

function metaOf(v: Volume): Record<string, unknown> {
  return { offering_type: "OpenStack.Volume", volume_id: v.id, size_gib: v.size, status: v.status };
}

export async function createVolume(c: OsClient, order: OrderRequest): Promise<Provisioned> {
  const size = orderedSizeGib(order);
  if (size === undefined) throw new OsError("cinder: the order gives no volume size (attributes.size or limits.storage, MiB)", false);
  const v = await ensureVolume(c, order, "volume", size);
  const st = stateOf(v);
  if (st === "Erred") throw new OsError(`cinder: volume ${v.id} is in status ${v.status}`, false);
  return { backendId: v.id, state: st === "OK" ? "OK" : "Creating", metadata: { ...metaOf(v), order_uuid: order.orderUuid } };
}

export async function pollVolume(c: OsClient, r: ResourceRef): Promise<PollResult> {
  const v = await findResourceVolume(c, r, "volume", r.backendId);
  if (!v) return { state: "Terminated", metadata: r.backendMetadata };
  const st = stateOf(v);
  return {
    state: st,
    metadata: { ...r.backendMetadata, ...metaOf(v) },
    ...(st === "Erred" ? { errorMessage: `cinder: volume ${v.id} is in status ${v.status}` } : {}),
  };
}

/** Grows a volume (cinder cannot shrink). In-use volumes need volume microversion ≥ 3.42. */
export async function extendVolume(c: OsClient, v: Volume, sizeGib: number): Promise<Volume> {
  if (sizeGib < v.size) throw new OsError(`cinder: volume ${v.id} is ${v.size} GiB and cannot shrink to ${sizeGib} GiB`, false);
  if (sizeGib === v.size) return v;
  await c.request("volume", "POST", `/volumes/${v.id}/action`, { body: { "os-extend": { new_size: sizeGib } } });
  return (await getVolume(c, v.id)) ?? v;
}

export async function updateVolume(c: OsClient, order: OrderRequest): Promise<Provisioned> {
  const size = orderedSizeGib(order);
  const v = await findResourceVolume(c, order.resource, "volume", order.resource.backendId);
  if (!v) throw new OsError(`cinder: the volume of resource ${order.resource.uuid} does not exist`, false);
  const after = size === undefined ? v : await extendVolume(c, v, size);
  return {
    backendId: v.id,
    state: stateOf(after) === "OK" ? "OK" : "Creating",
    metadata: { ...order.resource.backendMetadata, ...metaOf(after) },
    limits: { ...order.limits, storage: (size ?? after.size) * 1024 },
  };
}

/** States cinder refuses DELETE in but leaves by itself: wait them out (half-created volumes). */
const SETTLING = new Set(["creating", "extending", "reserved", "attaching", "detaching", "downloading", "uploading"]);

export async function deleteVolume(c: OsClient, v: Volume): Promise<void> {
  let cur: Volume | null = v;
  if (SETTLING.has(v.status)) {
    cur = await c.waitFor(`cinder: volume ${v.id} leaving status ${v.status}`, async () => {
      const now = await getVolume(c, v.id);
      return !now ? null : SETTLING.has(now.status) ? undefined : now;
    });
    if (!cur) return;
  }
  if (cur.status !== "deleting") await c.request("volume", "DELETE", `/volumes/${v.id}`, { accept: [404] });
  await ensureGone(c, "volume", `/volumes/${v.id}`, `cinder: volume ${v.id} deletion`);
}

export async function terminateVolume(c: OsClient, r: ResourceRef): Promise<void> {
  const v = await findResourceVolume(c, r, "volume", r.backendId);
  if (v) await deleteVolume(c, v);
}

export async function volumeUsage(c: OsClient, r: ResourceRef): Promise<UsageReport> {
  const v = await findResourceVolume(c, r, "volume", r.backendId);
  return v ? { storage: String(v.size * 1024) } : {};
}
