// OpenStack.Instance: a nova server (flavor, image, key pair, security groups, networks), an
// optional cinder data volume attached at boot, an optional floating IP once ACTIVE. create()
// submits the server and returns Creating; poll() follows BUILD → ACTIVE/ERROR and adds the
// floating IP; terminate() removes floating IP, server, data volume and key pair.
import type { OrderRequest, PollResult, Provisioned, ResourceRef, UsageReport } from "../types.ts";
import type { OsClient } from "./client.ts";
import { OsError } from "./errors.ts";
import { baseName, META_ORDER, META_RESOURCE, mibToGib, orderTag, resourceTag, str } from "./names.ts";
import { deleteVolume, ensureVolume, extendVolume, findResourceVolume, getVolume } from "./volume.ts";
import { ensureGone } from "./wait.ts";

interface Flavor {
  id: string;
  name: string;
  vcpus: number;
  ram: number;
}
interface Image {
  id: string;
  name: string;
  status: string;
}
interface Address {
  addr: string;
  "OS-EXT-IPS:type"?: string;
}
interface Server {
  id: string;
  name: string;
  status: string;
  "OS-EXT-STS:task_state"?: string | null;
  fault?: { message: string; code?: number };
  addresses?: Record<string, Address[]>;
  flavor?: { vcpus?: number; ram?: number; original_name?: string; id?: string };
  metadata?: Record<string, string>;
}
interface Port {
  id: string;
}
interface FloatingIp {
  id: string;
  floating_ip_address: string;
  port_id: string | null;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const keypairName = (resourceUuid: string) => `ve-${resourceUuid}`;

async function resolveFlavor(c: OsClient, ref: string): Promise<Flavor> {
  // flavors/detail is paginated (flavors_links): a large cloud's list spans several pages
  const flavors = await c.list<Flavor>("compute", "/flavors/detail", "flavors");
  const f = flavors.find((x) => x.id === ref) ?? flavors.find((x) => x.name === ref);
  if (!f) throw new OsError(`nova: flavor "${ref}" does not exist`, false);
  return f;
}

async function resolveImage(c: OsClient, ref: string): Promise<Image> {
  let img: Image | undefined;
  if (UUID.test(ref)) {
    const { status, body } = await c.request<Image>("image", "GET", `/v2/images/${ref}`, { accept: [404] });
    img = status === 404 ? undefined : body;
  } else {
    img = (await c.list<Image>("image", "/v2/images", "images", { name: ref }))[0];
  }
  if (!img) throw new OsError(`glance: image "${ref}" does not exist`, false);
  if (img.status !== "active") throw new OsError(`glance: image "${ref}" is ${img.status}, not active`, false);
  return img;
}

async function ensureKeypair(c: OsClient, order: OrderRequest): Promise<string | undefined> {
  const named = str(order.attributes, "key_name");
  if (named) return named;
  const pub = order.attributes["ssh_public_key"];
  if (typeof pub !== "string" || !pub.trim()) return undefined;
  const name = keypairName(order.resource.uuid);
  const { status } = await c.request("compute", "GET", `/os-keypairs/${name}`, { accept: [404] });
  if (status === 404) await c.request("compute", "POST", "/os-keypairs", { body: { keypair: { name, public_key: pub.trim() } } });
  return name;
}

async function serverByTag(c: OsClient, tag: string): Promise<Server | undefined> {
  // tag filters need compute ≥ 2.26; soft-deleted/deleting servers still count as "exists"
  return (await c.list<Server>("compute", "/servers/detail", "servers", { tags: tag }))[0];
}

async function getServer(c: OsClient, id: string): Promise<Server | undefined> {
  const { status, body } = await c.request<{ server: Server }>("compute", "GET", `/servers/${id}`, { accept: [404] });
  return status === 404 ? undefined : body.server;
}

export async function findInstanceServer(c: OsClient, r: ResourceRef): Promise<Server | undefined> {
  if (r.backendId) {
    const s = await getServer(c, r.backendId);
    if (s) return s;
  }
  return serverByTag(c, resourceTag(r.uuid));
}

function securityGroups(a: Record<string, unknown>): { name: string }[] | undefined {
  const sg = a["security_groups"];
  if (!Array.isArray(sg) || sg.length === 0) return undefined;
  return sg.map((g) => ({ name: typeof g === "string" ? g : String((g as { name?: string; url?: string }).name ?? str(g as Record<string, unknown>, "url")) }));
}

function networks(c: OsClient, a: Record<string, unknown>): { uuid: string }[] | "auto" {
  const given = Array.isArray(a["networks"]) ? a["networks"].filter((n): n is string => typeof n === "string") : [];
  const ids = given.length ? given : c.settings.default_network_ids;
  // compute ≥ 2.37 requires "networks": "auto" lets nova pick/allocate the project's network
  return ids.length ? ids.map((uuid) => ({ uuid })) : "auto";
}

function dataVolumeGib(order: { limits: Record<string, number>; attributes: Record<string, unknown> }): number | undefined {
  const mib = order.limits["storage"] ?? order.attributes["data_volume_size"];
  return typeof mib === "number" && mib > 0 ? mibToGib(mib) : undefined;
}

export async function createInstance(c: OsClient, order: OrderRequest): Promise<Provisioned> {
  const a = order.attributes;
  const found = (await serverByTag(c, orderTag(order.orderUuid))) ?? (await serverByTag(c, resourceTag(order.resource.uuid)));
  if (found) {
    // a re-run after a crash: the server was submitted already; poll() takes it from here
    if (found.status === "ERROR") throw new OsError(`nova: server ${found.id} is in ERROR: ${found.fault?.message ?? "no fault given"}`, false);
    return { backendId: found.id, state: "Creating", metadata: { ...baseMeta(order), server_id: found.id, volume_id: found.metadata?.["ve_data_volume"] } };
  }
  const flavor = await resolveFlavor(c, str(a, "flavor")!);
  const image = await resolveImage(c, str(a, "image")!);
  const keyName = await ensureKeypair(c, order);
  const bdm: Record<string, unknown>[] = [];
  let volumeId: string | undefined;
  const dataGib = dataVolumeGib(order);
  if (dataGib) {
    const vol = await ensureVolume(c, order, "data", dataGib);
    volumeId = vol.id;
    const ready = await c.waitFor(`cinder: data volume ${vol.id} to become available`, async () => {
      const v = await getVolume(c, vol.id);
      if (v?.status.startsWith("error")) throw new OsError(`cinder: data volume ${vol.id} is in status ${v.status}`, false);
      return v?.status === "available" ? v : undefined;
    });
    // boot from the image on local disk, data volume as a second disk; kept on server delete so
    // terminate() deletes it explicitly (and a failed boot does not lose the volume's id)
    bdm.push(
      { boot_index: 0, uuid: image.id, source_type: "image", destination_type: "local", delete_on_termination: true },
      { boot_index: -1, uuid: ready.id, source_type: "volume", destination_type: "volume", delete_on_termination: false },
    );
  }
  const sgs = securityGroups(a);
  const userData = typeof a["user_data"] === "string" ? btoa(a["user_data"]) : undefined;
  const { body } = await c.request<{ server: { id: string } }>("compute", "POST", "/servers", {
    body: {
      server: {
        name: typeof a["name"] === "string" && a["name"] ? a["name"] : baseName(order.resource),
        flavorRef: flavor.id,
        imageRef: image.id,
        networks: networks(c, a),
        ...(keyName ? { key_name: keyName } : {}),
        ...(sgs ? { security_groups: sgs } : {}),
        ...(userData ? { user_data: userData } : {}),
        ...(typeof a["availability_zone"] === "string" ? { availability_zone: a["availability_zone"] } : {}),
        ...(bdm.length ? { block_device_mapping_v2: bdm } : {}),
        metadata: {
          [META_ORDER]: order.orderUuid,
          [META_RESOURCE]: order.resource.uuid,
          ...(volumeId ? { ve_data_volume: volumeId } : {}),
        },
        tags: [orderTag(order.orderUuid), resourceTag(order.resource.uuid)],
      },
    },
  });
  return {
    backendId: body.server.id,
    state: "Creating",
    metadata: { ...baseMeta(order), server_id: body.server.id, flavor: flavor.name, image: image.name, volume_id: volumeId },
  };
}

function baseMeta(order: OrderRequest) {
  return { offering_type: "OpenStack.Instance", order_uuid: order.orderUuid };
}

function wantsFloatingIp(a: Record<string, unknown>): boolean {
  return a["floating_ip"] === true || (Array.isArray(a["floating_ips"]) && a["floating_ips"].length > 0);
}

async function ensureFloatingIp(c: OsClient, r: ResourceRef, server: Server): Promise<FloatingIp | undefined> {
  const ext = c.settings.external_network_id;
  if (!ext) throw new OsError("openstack settings: external_network_id is needed for floating IPs", false);
  const port = (await c.list<Port>("network", "/v2.0/ports", "ports", { device_id: server.id }))[0];
  if (!port) return undefined; // nova has not plugged the port yet: next poll
  const attached = (await c.list<FloatingIp>("network", "/v2.0/floatingips", "floatingips", { port_id: port.id }))[0];
  if (attached) return attached;
  // one allocated on an earlier run but not associated (crash in between): reuse it
  const mine = (await c.list<FloatingIp>("network", "/v2.0/floatingips", "floatingips", { description: resourceTag(r.uuid) }))[0];
  if (mine) {
    const { body } = await c.request<{ floatingip: FloatingIp }>("network", "PUT", `/v2.0/floatingips/${mine.id}`, {
      body: { floatingip: { port_id: port.id } },
    });
    return body.floatingip;
  }
  const { body } = await c.request<{ floatingip: FloatingIp }>("network", "POST", "/v2.0/floatingips", {
    body: { floatingip: { floating_network_id: ext, port_id: port.id, description: resourceTag(r.uuid) } },
  });
  return body.floatingip;
}

const BUSY = new Set(["BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING", "REBOOT", "HARD_REBOOT", "PASSWORD"]);

export async function pollInstance(c: OsClient, r: ResourceRef): Promise<PollResult> {
  const srv = await findInstanceServer(c, r);
  if (!srv || srv.status === "DELETED" || srv.status === "SOFT_DELETED") return { state: "Terminated", metadata: r.backendMetadata };
  const internal = Object.values(srv.addresses ?? {})
    .flat()
    .filter((x) => x["OS-EXT-IPS:type"] !== "floating")
    .map((x) => x.addr);
  const metadata = { ...r.backendMetadata, server_id: srv.id, status: srv.status, internal_ips: internal };
  if (srv.status === "ERROR") {
    return { state: "Erred", metadata, errorMessage: `nova: server ${srv.id} is in ERROR: ${srv.fault?.message ?? "no fault given"}` };
  }
  if (BUSY.has(srv.status) || srv["OS-EXT-STS:task_state"] === "deleting") return { state: "Creating", metadata };
  let external: string[] = [];
  if (wantsFloatingIp(r.attributes)) {
    const fip = await ensureFloatingIp(c, r, srv);
    if (!fip) return { state: "Creating", metadata };
    external = [fip.floating_ip_address];
  }
  return {
    state: "OK",
    metadata: { ...metadata, external_ips: external },
    accessDetails: { ip: external[0] ?? internal[0], internal_ips: internal, external_ips: external },
  };
}

export async function updateInstance(c: OsClient, order: OrderRequest): Promise<Provisioned> {
  const r = order.resource;
  const srv = await findInstanceServer(c, r);
  if (!srv) throw new OsError(`nova: the server of resource ${r.uuid} does not exist`, false);
  const gib = dataVolumeGib(order);
  const meta: Record<string, unknown> = { ...r.backendMetadata, server_id: srv.id };
  if (gib) {
    // growing the attached data volume: cinder ≥ 3.42 extends in-use volumes
    const vol = await findResourceVolume(c, r, "data", r.backendMetadata["volume_id"] ?? srv.metadata?.["ve_data_volume"]);
    if (!vol) throw new OsError(`cinder: instance ${srv.id} has no data volume to grow`, false);
    const after = await extendVolume(c, vol, gib);
    Object.assign(meta, { volume_id: vol.id, data_volume_gib: after.size });
  }
  return { backendId: srv.id, state: "OK", metadata: meta, limits: order.limits };
}

export async function terminateInstance(c: OsClient, r: ResourceRef): Promise<void> {
  const srv = await findInstanceServer(c, r);
  const fips = await c.list<FloatingIp>("network", "/v2.0/floatingips", "floatingips", { description: resourceTag(r.uuid) });
  if (srv) {
    for (const port of await c.list<Port>("network", "/v2.0/ports", "ports", { device_id: srv.id })) {
      fips.push(...(await c.list<FloatingIp>("network", "/v2.0/floatingips", "floatingips", { port_id: port.id })));
    }
  }
  for (const id of new Set(fips.map((f) => f.id))) await c.request("network", "DELETE", `/v2.0/floatingips/${id}`, { accept: [404] });
  if (srv) {
    if (srv["OS-EXT-STS:task_state"] !== "deleting") await c.request("compute", "DELETE", `/servers/${srv.id}`, { accept: [404] });
    // the data volume stays in-use until nova has finished with the server
    await ensureGone(c, "compute", `/servers/${srv.id}`, `nova: server ${srv.id} deletion`);
  }
  const vol = await findResourceVolume(c, r, "data", r.backendMetadata["volume_id"] ?? srv?.metadata?.["ve_data_volume"]);
  if (vol) await deleteVolume(c, vol);
  await c.request("compute", "DELETE", `/os-keypairs/${keypairName(r.uuid)}`, { accept: [404] });
}

export async function instanceUsage(c: OsClient, r: ResourceRef): Promise<UsageReport> {
  const srv = await findInstanceServer(c, r);
  if (!srv) return {};
  // compute ≥ 2.47 embeds the flavor's vcpus/ram in the server
  const out: UsageReport = { cores: String(srv.flavor?.vcpus ?? 0), ram: String(srv.flavor?.ram ?? 0) };
  const vol = await findResourceVolume(c, r, "data", r.backendMetadata["volume_id"] ?? srv.metadata?.["ve_data_volume"]);
  if (vol) out["storage"] = String(vol.size * 1024);
  return out;
}

/** Pause = stop the server (os-stop), unpause = os-start; already in the wanted state is success. */
export async function pauseInstance(c: OsClient, r: ResourceRef, paused: boolean): Promise<void> {
  const srv = await findInstanceServer(c, r);
  if (!srv) throw new OsError(`nova: the server of resource ${r.uuid} does not exist`, false);
  if (paused ? srv.status === "SHUTOFF" : srv.status === "ACTIVE") return;
  await c.request("compute", "POST", `/servers/${srv.id}/action`, { body: { [paused ? "os-stop" : "os-start"]: null } });
}
