// OpenStack.Tenant: a Keystone project with a network, subnet and router (gateway on the external
// network), quotas from the order's limits, and a project user as the customer's access detail.
// Needs admin credentials (projects, quotas and other projects' networks are admin operations).
import type { OrderRequest, PollResult, Provisioned, ResourceRef, UsageReport } from "../types.ts";
import type { OsClient } from "./client.ts";
import { OsError } from "./errors.ts";
import { authUrl } from "./keystone.ts";
import { baseName, mibToGib, orderTag, resourceTag, tagsFor } from "./names.ts";
import { ensureGone } from "./wait.ts";

interface Project {
  id: string;
  name: string;
  tags?: string[];
  enabled?: boolean;
}
interface NeutronObj {
  id: string;
  name?: string;
  device_owner?: string;
  status?: string;
}

/** Limit name → service quota name. Waldur's ram and storage are MiB. */
const NOVA_QUOTAS: Record<string, string> = { cores: "cores", ram: "ram", instances: "instances" };
const NEUTRON_QUOTAS: Record<string, string> = {
  network_count: "network",
  subnet_count: "subnet",
  router_count: "router",
  port_count: "port",
  floating_ip_count: "floatingip",
  security_group_count: "security_group",
  security_group_rule_count: "security_group_rule",
};
const CINDER_QUOTAS: Record<string, string> = { volumes: "volumes", snapshots: "snapshots" };
export const TENANT_LIMITS = [...Object.keys(NOVA_QUOTAS), ...Object.keys(NEUTRON_QUOTAS), ...Object.keys(CINDER_QUOTAS), "storage"];

async function findProjectByTag(c: OsClient, tag: string): Promise<Project | undefined> {
  const { body } = await c.request<{ projects: Project[] }>("identity", "GET", "/projects", { query: { tags: tag } });
  return body.projects[0];
}

async function getProject(c: OsClient, id: string): Promise<Project | undefined> {
  const { status, body } = await c.request<{ project: Project }>("identity", "GET", `/projects/${id}`, { accept: [404] });
  return status === 404 ? undefined : body.project;
}

/** The resource's project: by stored backend id, else by the tag every create puts on it. */
export async function findTenantProject(c: OsClient, r: ResourceRef): Promise<Project | undefined> {
  if (r.backendId) {
    const p = await getProject(c, r.backendId);
    if (p) return p;
  }
  return findProjectByTag(c, resourceTag(r.uuid));
}

async function ensureProject(c: OsClient, order: OrderRequest): Promise<Project> {
  const s = c.settings;
  const existing = (await findProjectByTag(c, orderTag(order.orderUuid))) ?? (await findTenantProject(c, order.resource));
  if (existing) return existing;
  const name = baseName(order.resource);
  const description = String(order.attributes["description"] ?? order.attributes["name"] ?? order.resource.name).slice(0, 255);
  const { status, body } = await c.request<{ project: Project }>("identity", "POST", "/projects", {
    body: { project: { name, domain_id: s.domain_id, description, enabled: true, tags: tagsFor(order) } },
    accept: [409],
  });
  if (status !== 409) return body.project;
  // Same name, no tag of ours: someone else's project. Refuse rather than adopt it.
  throw new OsError(`keystone: a project named "${name}" already exists in domain ${s.domain_id} and is not this resource's`, false);
}

async function findOne(c: OsClient, path: string, key: string, query: Record<string, string>): Promise<NeutronObj | undefined> {
  return (await c.list<NeutronObj>("network", path, key, query))[0];
}

async function ensureNeutron(c: OsClient, path: string, key: string, single: string, query: Record<string, string>, body: Record<string, unknown>) {
  const found = await findOne(c, path, key, query);
  if (found) return found;
  const { body: created } = await c.request<Record<string, NeutronObj>>("network", "POST", path, { body: { [single]: body } });
  return created[single]!;
}

function quotaBodies(limits: Record<string, number>) {
  const pick = (map: Record<string, string>) =>
    Object.fromEntries(Object.entries(map).flatMap(([l, q]) => (limits[l] === undefined ? [] : [[q, limits[l]]])));
  const nova = pick(NOVA_QUOTAS);
  const neutron = pick(NEUTRON_QUOTAS);
  const cinder: Record<string, number> = pick(CINDER_QUOTAS);
  if (limits["storage"] !== undefined) cinder["gigabytes"] = limits["storage"] < 0 ? -1 : mibToGib(limits["storage"]);
  return { nova, neutron, cinder };
}

async function applyQuotas(c: OsClient, projectId: string, limits: Record<string, number>) {
  const q = quotaBodies(limits);
  if (Object.keys(q.nova).length) await c.request("compute", "PUT", `/os-quota-sets/${projectId}`, { body: { quota_set: q.nova } });
  if (Object.keys(q.neutron).length) await c.request("network", "PUT", `/v2.0/quotas/${projectId}`, { body: { quota: q.neutron } });
  // cinder's endpoint carries the caller's project id; the target project goes in the path
  if (Object.keys(q.cinder).length) await c.request("volume", "PUT", `/os-quota-sets/${projectId}`, { body: { quota_set: q.cinder } });
}

function randomPassword(): string {
  const b = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_");
}

/** The customer's project user. Its password can't be read back, so a re-run sets a new one. */
async function ensureUser(c: OsClient, project: Project, name: string) {
  const s = c.settings;
  const password = randomPassword();
  const { body } = await c.request<{ users: { id: string }[] }>("identity", "GET", "/users", { query: { name, domain_id: s.domain_id } });
  let userId = body.users[0]?.id;
  if (userId) {
    await c.request("identity", "PATCH", `/users/${userId}`, { body: { user: { password, enabled: true } } });
  } else {
    const created = await c.request<{ user: { id: string } }>("identity", "POST", "/users", {
      body: { user: { name, domain_id: s.domain_id, password, default_project_id: project.id, enabled: true } },
    });
    userId = created.body.user.id;
  }
  const roles = await c.request<{ roles: { id: string }[] }>("identity", "GET", "/roles", { query: { name: s.member_role } });
  const roleId = roles.body.roles[0]?.id;
  if (!roleId) throw new OsError(`keystone: role "${s.member_role}" does not exist`, false);
  await c.request("identity", "PUT", `/projects/${project.id}/users/${userId}/roles/${roleId}`);
  return { username: name, password };
}

export async function createTenant(c: OsClient, order: OrderRequest): Promise<Provisioned> {
  const s = c.settings;
  const a = order.attributes;
  const project = await ensureProject(c, order);
  const name = project.name;
  const meta: Record<string, unknown> = { offering_type: "OpenStack.Tenant", order_uuid: order.orderUuid, project_id: project.id, project_name: name };

  if (a["skip_creation_of_default_subnet"] !== true) {
    const net = await ensureNeutron(c, "/v2.0/networks", "networks", "network", { name: `${name}-int-net`, project_id: project.id }, {
      name: `${name}-int-net`,
      project_id: project.id,
      admin_state_up: true,
      description: orderTag(order.orderUuid),
    });
    const cidr = typeof a["subnet_cidr"] === "string" ? a["subnet_cidr"] : s.subnet_cidr;
    const subnet = await ensureNeutron(c, "/v2.0/subnets", "subnets", "subnet", { name: `${name}-sub-net`, network_id: net.id }, {
      name: `${name}-sub-net`,
      network_id: net.id,
      project_id: project.id,
      ip_version: 4,
      cidr,
      enable_dhcp: true,
      dns_nameservers: s.dns_nameservers,
    });
    Object.assign(meta, { internal_network_id: net.id, subnet_id: subnet.id, subnet_cidr: cidr });
    if (a["skip_creation_of_default_router"] !== true) {
      const gateway = s.external_network_id && a["skip_connection_extnet"] !== true ? { network_id: s.external_network_id } : undefined;
      const router = await ensureNeutron(c, "/v2.0/routers", "routers", "router", { name: `${name}-router`, project_id: project.id }, {
        name: `${name}-router`,
        project_id: project.id,
        ...(gateway ? { external_gateway_info: gateway } : {}),
      });
      const ports = await c.list<NeutronObj>("network", "/v2.0/ports", "ports", { device_id: router.id, network_id: net.id });
      if (ports.length === 0) {
        await c.request("network", "PUT", `/v2.0/routers/${router.id}/add_router_interface`, { body: { subnet_id: subnet.id } });
      }
      meta["router_id"] = router.id;
    }
  }
  await applyQuotas(c, project.id, order.limits);
  const user = await ensureUser(c, project, `${name}-user`);
  return {
    backendId: project.id,
    state: "OK",
    metadata: meta,
    accessDetails: { auth_url: authUrl(s), project_id: project.id, project_name: name, user_domain_id: s.domain_id, ...user },
  };
}

export async function updateTenant(c: OsClient, order: OrderRequest): Promise<Provisioned> {
  const project = await findTenantProject(c, order.resource);
  if (!project) throw new OsError(`keystone: the project of resource ${order.resource.uuid} does not exist`, false);
  await applyQuotas(c, project.id, order.limits);
  return { backendId: project.id, state: "OK", metadata: { ...order.resource.backendMetadata, project_id: project.id }, limits: order.limits };
}

export async function pollTenant(c: OsClient, r: ResourceRef): Promise<PollResult> {
  const project = await findTenantProject(c, r);
  if (!project) return { state: "Terminated", metadata: r.backendMetadata };
  return { state: "OK", metadata: { ...r.backendMetadata, project_id: project.id, project_name: project.name } };
}

/** Everything in the project, then the project: works on half-created tenants too. */
export async function terminateTenant(c: OsClient, r: ResourceRef): Promise<void> {
  const project = await findTenantProject(c, r);
  if (!project) return;
  const pid = project.id;
  const all = { all_tenants: "1", project_id: pid };
  const servers = await c.list<{ id: string }>("compute", "/servers/detail", "servers", all);
  for (const srv of servers) await c.request("compute", "DELETE", `/servers/${srv.id}`, { accept: [404] });
  for (const srv of servers) await ensureGone(c, "compute", `/servers/${srv.id}`, `server ${srv.id} deletion`);
  const volumes = await c.list<{ id: string }>("volume", "/volumes/detail", "volumes", all);
  for (const vol of volumes) await c.request("volume", "DELETE", `/volumes/${vol.id}`, { accept: [404] });
  for (const fip of await c.list<NeutronObj>("network", "/v2.0/floatingips", "floatingips", { project_id: pid })) {
    await c.request("network", "DELETE", `/v2.0/floatingips/${fip.id}`, { accept: [404] });
  }
  for (const router of await c.list<NeutronObj>("network", "/v2.0/routers", "routers", { project_id: pid })) {
    const ports = await c.list<NeutronObj>("network", "/v2.0/ports", "ports", { device_id: router.id });
    for (const p of ports.filter((p) => p.device_owner === "network:router_interface")) {
      await c.request("network", "PUT", `/v2.0/routers/${router.id}/remove_router_interface`, { body: { port_id: p.id }, accept: [404] });
    }
    await c.request("network", "DELETE", `/v2.0/routers/${router.id}`, { accept: [404] });
  }
  for (const subnet of await c.list<NeutronObj>("network", "/v2.0/subnets", "subnets", { project_id: pid })) {
    await c.request("network", "DELETE", `/v2.0/subnets/${subnet.id}`, { accept: [404] });
  }
  for (const net of await c.list<NeutronObj>("network", "/v2.0/networks", "networks", { project_id: pid })) {
    await c.request("network", "DELETE", `/v2.0/networks/${net.id}`, { accept: [404] });
  }
  for (const vol of volumes) await ensureGone(c, "volume", `/volumes/${vol.id}`, `volume ${vol.id} deletion`);
  const users = await c.request<{ users: { id: string }[] }>("identity", "GET", "/users", {
    query: { name: `${project.name}-user`, domain_id: c.settings.domain_id },
  });
  for (const u of users.body.users) await c.request("identity", "DELETE", `/users/${u.id}`, { accept: [404] });
  await c.request("identity", "DELETE", `/projects/${pid}`, { accept: [404] });
}

interface QuotaDetail {
  in_use?: number;
  limit?: number;
}
export async function tenantUsage(c: OsClient, r: ResourceRef): Promise<UsageReport> {
  const project = await findTenantProject(c, r);
  if (!project) return {};
  const nova = await c.request<{ quota_set: Record<string, QuotaDetail> }>("compute", "GET", `/os-quota-sets/${project.id}/detail`);
  const cinder = await c.request<{ quota_set: Record<string, QuotaDetail> }>("volume", "GET", `/os-quota-sets/${project.id}`, {
    query: { usage: "true" },
  });
  // Limit-billed components: usage is what the project holds right now (cores, MiB of ram/storage)
  return {
    cores: String(nova.body.quota_set["cores"]?.in_use ?? 0),
    ram: String(nova.body.quota_set["ram"]?.in_use ?? 0),
    storage: String((cinder.body.quota_set["gigabytes"]?.in_use ?? 0) * 1024),
  };
}
