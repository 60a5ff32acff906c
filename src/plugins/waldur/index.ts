// The Waldur.RemoteOffering processor: an order for an offering imported from a remote Waldur is
// placed there, in a remote project standing for the customer's project (created on first use,
// found again by its backend_id = our project uuid), and followed until the remote provider
// finishes it. The remote resource's state, backend id and metadata, limits and end date come back
// with every poll; its component usages are collected like any plugin's.
import type * as v from "valibot";
import { clientFor } from "../../bridge/waldur/connection.ts";
import type { WaldurClient } from "../../bridge/waldur/client.ts";
import {
  orderSchema,
  orderUuidSchema,
  parseRemote,
  projectSchema,
  type RemoteOrder,
  type RemoteResource,
  resourceSchema,
  usageSchema,
} from "../../bridge/waldur/remote.ts";
import { mirroredMetadata } from "../../bridge/waldur/sync.ts";
import {
  fail,
  ok,
  type OrderRequest,
  type PluginContext,
  type PluginResult,
  type PollResult,
  type Provisioned,
  type ProviderPlugin,
  type ResourceRef,
  type UsageReport,
} from "../types.ts";
import { strictSettings, type WaldurSettings, waldurSettingsSchema } from "./settings.ts";

type Loose = v.InferOutput<typeof waldurSettingsSchema>;

type Ctx = { client: WaldurClient; s: WaldurSettings };

function open(ctx: PluginContext, raw: unknown): PluginResult<Ctx> {
  const s = strictSettings(raw);
  if (!s.ok) return fail(s.message);
  return ok({ client: clientFor(s.value.api_url, s.value.token, { retries: 2, backoffMs: 200, fetch: ctx.fetch }), s: s.value });
}

/** A remote error as a plugin error, with the remote's own words. */
function remoteFail(what: string, r: { status: number; message: string; transient: boolean }): PluginResult<never> {
  return fail(`remote Waldur, ${what}: ${r.status ? `HTTP ${r.status}: ` : ""}${r.message}`, r.transient);
}

const link = (s: WaldurSettings, path: string) => `${s.api_url}${path}`;

async function remoteProject(c: Ctx, ref: ResourceRef): Promise<PluginResult<{ uuid: string; url: string }>> {
  const { client, s } = c;
  const listed = await client.listAll<unknown>("/api/projects/", { customer: s.customer_uuid, backend_id: ref.projectUuid });
  if (!listed.ok) return remoteFail("listing projects", listed);
  for (const raw of listed.value) {
    const p = parseRemote(projectSchema, raw, "project");
    // The filter may be ignored by an older remote: the backend_id is checked here too.
    if (p.ok && p.value.backend_id === ref.projectUuid) return ok({ uuid: p.value.uuid, url: p.value.url });
  }
  const created = await client.call(
    client.api.POST("/api/projects/", {
      body: {
        name: `${ref.customerSlug}/${ref.projectSlug}`.slice(0, 500),
        customer: link(s, `/api/customers/${s.customer_uuid}/`),
        backend_id: ref.projectUuid,
        description: `VirtEngine project ${ref.projectUuid} (organization ${ref.customerUuid})`,
      },
    }),
  );
  if (!created.ok) return remoteFail("creating the project", created);
  const p = parseRemote(projectSchema, created.value, "project");
  return p.ok ? ok({ uuid: p.value.uuid, url: p.value.url }) : fail(p.message);
}

async function getOrder(c: Ctx, uuid: string): Promise<PluginResult<RemoteOrder>> {
  const r = await c.client.call(c.client.api.GET("/api/marketplace-orders/{uuid}/", { params: { path: { uuid } } }));
  if (!r.ok) return remoteFail(`reading order ${uuid}`, r);
  const p = parseRemote(orderSchema, r.value, "order");
  return p.ok ? ok(p.value) : fail(p.message);
}

async function getResource(c: Ctx, uuid: string): Promise<PluginResult<RemoteResource | null>> {
  const r = await c.client.call(c.client.api.GET("/api/marketplace-resources/{uuid}/", { params: { path: { uuid } } }));
  if (!r.ok && r.status === 404) return ok(null);
  if (!r.ok) return remoteFail(`reading resource ${uuid}`, r);
  const p = parseRemote(resourceSchema, r.value, "resource");
  return p.ok ? ok(p.value) : fail(p.message);
}

/** Attribute naming our order on the remote one (how a retry finds what an earlier attempt placed). */
const ORDER_MARK = "virtengine_order_uuid";

/** Create orders carry our order uuid in request_comment too: a remote may keep only the attributes its offering declares. */
const markComment = (localOrderUuid: string) => `VirtEngine order ${localOrderUuid}`;

/** The remote order matching the filters that carries our order uuid, or null. */
async function remoteOrderFor(c: Ctx, filters: Record<string, string>, localOrderUuid: string): Promise<PluginResult<RemoteOrder | null>> {
  const type = filters.type ?? "";
  const r = await c.client.listAll<unknown>("/api/marketplace-orders/", filters);
  if (!r.ok) return remoteFail(`listing the resource's ${type} orders`, r);
  for (const raw of r.value) {
    const o = parseRemote(orderSchema, raw, "order");
    if (o.ok && (o.value.attributes?.[ORDER_MARK] === localOrderUuid || o.value.request_comment === markComment(localOrderUuid))) return ok(o.value);
  }
  return ok(null);
}

/** What a placed remote Create order leaves on the local resource (followed by poll). */
function createdFrom(order: OrderRequest, o: RemoteOrder, remoteProjectUuid: string): Provisioned {
  return {
    // The remote resource is the backend object; until the remote names it, its order stands in.
    backendId: o.marketplace_resource_uuid ?? o.uuid,
    state: "Creating",
    metadata: metaOf(order.resource, {
      local_order_uuid: order.orderUuid,
      remote_order_uuid: o.uuid,
      remote_order_state: o.state,
      remote_project_uuid: remoteProjectUuid,
      remote_resource_uuid: o.marketplace_resource_uuid,
    }),
  };
}

const PENDING = ["pending-consumer", "pending-provider", "pending-project", "pending-start-date", "executing"];

/** Why a finished remote order did not succeed, in the remote's words. */
function refusal(o: RemoteOrder): string {
  if (o.state === "rejected") return `rejected by the remote provider${o.provider_rejection_comment ? `: ${o.provider_rejection_comment}` : ""}`;
  if (o.state === "canceled") return `canceled on the remote Waldur${o.consumer_rejection_comment ? `: ${o.consumer_rejection_comment}` : ""}`;
  return `erred on the remote Waldur${o.error_message ? `: ${o.error_message}` : ""}`;
}

function metaOf(ref: ResourceRef, extra: Record<string, unknown>): Record<string, unknown> {
  return { ...ref.backendMetadata, ...extra };
}

/** Follows a remote order; `done` yields the remote resource (or null if it vanished). */
async function followOrder(c: Ctx, remoteOrderUuid: string): Promise<PluginResult<{ state: "pending"; order: RemoteOrder } | { state: "done"; order: RemoteOrder; resource: RemoteResource | null }>> {
  const o = await getOrder(c, remoteOrderUuid);
  if (!o.ok) return o;
  if (PENDING.includes(o.value.state)) return ok({ state: "pending", order: o.value });
  if (o.value.state !== "done") return fail(refusal(o.value));
  const resUuid = o.value.marketplace_resource_uuid;
  const r = resUuid ? await getResource(c, resUuid) : ok(null);
  if (!r.ok) return r;
  return ok({ state: "done", order: o.value, resource: r.value });
}

export const waldurPlugin: ProviderPlugin<Loose> = {
  name: "waldur",
  offeringTypes: ["Waldur.RemoteOffering"],
  settingsSchema: waldurSettingsSchema,

  validateOrder(_order: OrderRequest) {
    // The remote validates against its own offering; its refusal comes back as the order's error.
    return [];
  },

  async create(pc, raw, order): Promise<PluginResult<Provisioned>> {
    const c = open(pc, raw);
    if (!c.ok) return c;
    const m = order.resource.backendMetadata;
    // Idempotent by order uuid: a re-run after a crash follows the remote order already placed.
    if (m.local_order_uuid === order.orderUuid && typeof m.remote_order_uuid === "string" && order.resource.backendId) {
      return ok({ backendId: order.resource.backendId, state: "Creating", metadata: metaOf(order.resource, {}) });
    }
    const project = await remoteProject(c.value, order.resource);
    if (!project.ok) return project;
    const s = c.value.s;
    const remotePlan = order.planUuid ? s.plans[order.planUuid] : undefined;
    if (order.planUuid && !remotePlan) return fail(`plan ${order.planUuid} has no remote counterpart: re-sync the offering's connection`);
    const placed = await remoteOrderFor(c.value, { project_uuid: project.value.uuid, offering_uuid: s.offering_uuid, type: "Create" }, order.orderUuid);
    if (!placed.ok) return placed;
    // A run that crashed after placing the order finds it here instead of ordering twice.
    const existing = placed.value;
    if (existing) return ok(createdFrom(order, existing, project.value.uuid));
    const body: Record<string, unknown> = {
      offering: link(s, `/api/marketplace-public-offerings/${s.offering_uuid}/`),
      project: project.value.url,
      attributes: { ...order.attributes, name: order.resource.name, [ORDER_MARK]: order.orderUuid },
      limits: order.limits,
      accepting_terms_of_service: true,
      request_comment: markComment(order.orderUuid),
    };
    if (remotePlan) body.plan = link(s, `/api/marketplace-plans/${remotePlan}/`);
    const r = await c.value.client.call(c.value.client.api.POST("/api/marketplace-orders/", { body: body as never }));
    if (!r.ok) return remoteFail("placing the order", r);
    const o = parseRemote(orderSchema, r.value, "order");
    if (!o.ok) return fail(o.message);
    return ok(createdFrom(order, o.value, project.value.uuid));
  },

  async updateLimits(pc, raw, order): Promise<PluginResult<Provisioned>> {
    const c = open(pc, raw);
    if (!c.ok) return c;
    const ref = order.resource;
    if (!ref.backendId) return fail("the resource has no remote counterpart");
    const pending = ref.backendMetadata.pending_update as { local?: string; remote?: string } | undefined;
    if (pending?.local === order.orderUuid && pending.remote) {
      const f = await followOrder(c.value, pending.remote);
      if (!f.ok) return f;
      if (f.value.state === "pending") return ok({ backendId: ref.backendId, state: "Creating", metadata: metaOf(ref, { remote_order_state: f.value.order.state }) });
      const { pending_update: _done, ...rest } = ref.backendMetadata;
      const res = f.value.resource;
      return ok({
        backendId: ref.backendId,
        state: "OK",
        metadata: res ? mirroredMetadata({ ...rest, remote_order_state: "done" }, res) : { ...rest, remote_order_state: "done" },
        limits: res?.limits && Object.keys(res.limits).length ? res.limits : order.limits,
      });
    }
    const r = await c.value.client.call(
      c.value.client.api.POST("/api/marketplace-resources/{uuid}/update_limits/", { params: { path: { uuid: ref.backendId } }, body: { limits: order.limits } }),
    );
    if (!r.ok) return remoteFail("updating limits", r);
    const o = parseRemote(orderUuidSchema, r.value, "update_limits answer");
    if (!o.ok) return fail(o.message);
    return ok({ backendId: ref.backendId, state: "Creating", metadata: metaOf(ref, { pending_update: { local: order.orderUuid, remote: o.value.order_uuid } }) });
  },

  async terminate(pc, raw, order): Promise<PluginResult<void>> {
    const c = open(pc, raw);
    if (!c.ok) return c;
    const ref = order.resource;
    if (!ref.backendId || typeof ref.backendMetadata.remote_resource_uuid !== "string") return ok(undefined);
    // Idempotent by order uuid: the remote Terminate order carries ours in its attributes, so a
    // retry follows it instead of asking again, and a refusal there ends ours with its reason.
    const placed = await remoteOrderFor(c.value, { resource_uuid: ref.backendId, type: "Terminate" }, order.orderUuid);
    if (!placed.ok) return placed;
    if (placed.value) {
      if (PENDING.includes(placed.value.state)) return fail(`waiting for the remote provider (remote order ${placed.value.uuid} is ${placed.value.state})`, true);
      if (placed.value.state === "done") return ok(undefined);
      return fail(refusal(placed.value));
    }
    const res = await getResource(c.value, ref.backendId);
    if (!res.ok) return res;
    if (!res.value || res.value.state === "Terminated") return ok(undefined);
    const r = await c.value.client.call(
      c.value.client.api.POST("/api/marketplace-resources/{uuid}/terminate/", {
        params: { path: { uuid: ref.backendId } },
        body: { attributes: { [ORDER_MARK]: order.orderUuid } },
      }),
    );
    // 409: another remote order holds the resource; wait for it like any transient state.
    if (!r.ok && r.status === 409) return fail(`remote Waldur: ${r.message}`, true);
    if (!r.ok) return remoteFail("terminating", r);
    // Terminate is one step for the queue: the remote order is followed by retrying until it finishes.
    return fail("termination requested on the remote Waldur; waiting for the remote provider", true);
  },

  async poll(pc, raw, ref): Promise<PluginResult<PollResult>> {
    const c = open(pc, raw);
    if (!c.ok) return c;
    const m = ref.backendMetadata;
    if (m.provisioning === true && typeof m.remote_order_uuid === "string") {
      const f = await followOrder(c.value, m.remote_order_uuid);
      if (!f.ok) return f.error.transient ? f : ok({ state: "Erred", metadata: metaOf(ref, {}), errorMessage: f.error.message });
      if (f.value.state === "pending") return ok({ state: "Creating", metadata: metaOf(ref, { remote_order_state: f.value.order.state }) });
      const res = f.value.resource;
      if (!res) return ok({ state: "Erred", metadata: metaOf(ref, {}), errorMessage: "the remote order finished without a resource" });
      return ok({ state: "OK", metadata: mirroredMetadata({ ...m, remote_order_state: "done", remote_resource_uuid: res.uuid }, res) });
    }
    if (!ref.backendId) return ok({ state: "Creating", metadata: m });
    const res = await getResource(c.value, ref.backendId);
    if (!res.ok) return res;
    if (!res.value) return ok({ state: "Terminated", metadata: m, errorMessage: "the resource no longer exists on the remote Waldur" });
    const state = res.value.state === "Erred" ? "Erred" : res.value.state === "Terminated" ? "Terminated" : res.value.state === "Creating" ? "Creating" : "OK";
    return ok({ state, metadata: mirroredMetadata(m, res.value), errorMessage: res.value.error_message || undefined });
  },

  async collectUsage(pc, raw, ref, periodStart): Promise<PluginResult<UsageReport>> {
    const c = open(pc, raw);
    if (!c.ok) return c;
    if (!ref.backendId) return ok({});
    const period = periodStart.toISOString().slice(0, 10);
    const r = await c.value.client.listAll<unknown>("/api/marketplace-component-usages/", { resource_uuid: ref.backendId, billing_period: period });
    if (!r.ok) return remoteFail("listing component usages", r);
    const out: UsageReport = {};
    for (const raw of r.value) {
      const u = parseRemote(usageSchema, raw, "component usage");
      if (!u.ok) return fail(u.message);
      if (u.value.billing_period && !u.value.billing_period.startsWith(period)) continue;
      out[u.value.type] = u.value.usage;
    }
    return ok(out);
  },
};
