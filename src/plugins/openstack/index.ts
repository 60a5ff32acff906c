// The OpenStack provider plugin: Keystone v3 auth + catalog, then nova/neutron/cinder/glance over
// ctx.fetch only (it runs inside workerd). One plugin serves Waldur's three OpenStack offering
// types; which one an order is comes from names.ts resolveKind. Inside, modules throw OsError;
// here every call becomes a PluginResult (errors as values).
import type { OrderRequest, PluginContext, PluginResult, ProviderPlugin, ResourceRef } from "../types.ts";
import { fail, ok } from "../types.ts";
import { OsClient } from "./client.ts";
import { toPluginError } from "./errors.ts";
import { createInstance, instanceUsage, pauseInstance, pollInstance, terminateInstance, updateInstance } from "./instance.ts";
import { OFFERING_TYPES, type OfferingType, resolveKind } from "./names.ts";
import { type OpenStackSettings, settingsSchema } from "./settings.ts";
import { createTenant, pollTenant, tenantUsage, terminateTenant, updateTenant } from "./tenant.ts";
import { createVolume, pollVolume, terminateVolume, updateVolume, volumeUsage } from "./volume.ts";
import { validateOrder } from "./validate.ts";

export type { OpenStackSettings } from "./settings.ts";

async function guard<T>(fn: () => Promise<T>): Promise<PluginResult<T>> {
  try {
    return ok(await fn());
  } catch (e) {
    const err = toPluginError(e);
    return fail(err.message, err.transient);
  }
}

const kindOf = (s: OpenStackSettings, r: ResourceRef, attrs: Record<string, unknown> = r.attributes): OfferingType =>
  resolveKind({ ...r.attributes, ...attrs, ...(r.offeringType ? { offering_type: r.offeringType } : {}) }, r.backendMetadata, s.offering_type);
const orderKind = (s: OpenStackSettings, o: OrderRequest) => kindOf(s, o.resource, o.attributes);
const client = (ctx: PluginContext, s: OpenStackSettings) => new OsClient(ctx, s);

export const openstackPlugin: ProviderPlugin<OpenStackSettings> = {
  name: "openstack",
  offeringTypes: OFFERING_TYPES,
  settingsSchema,
  validateOrder,

  create: (ctx, s, order) =>
    guard(() => {
      const c = client(ctx, s);
      const kind = orderKind(s, order);
      if (kind === "OpenStack.Tenant") return createTenant(c, order);
      if (kind === "OpenStack.Volume") return createVolume(c, order);
      return createInstance(c, order);
    }),

  updateLimits: (ctx, s, order) =>
    guard(() => {
      const c = client(ctx, s);
      const kind = orderKind(s, order);
      if (kind === "OpenStack.Tenant") return updateTenant(c, order);
      if (kind === "OpenStack.Volume") return updateVolume(c, order);
      return updateInstance(c, order);
    }),

  terminate: (ctx, s, order) =>
    guard(() => {
      const c = client(ctx, s);
      const kind = orderKind(s, order);
      if (kind === "OpenStack.Tenant") return terminateTenant(c, order.resource);
      if (kind === "OpenStack.Volume") return terminateVolume(c, order.resource);
      return terminateInstance(c, order.resource);
    }),

  pause: (ctx, s, r, paused) =>
    guard(async () => {
      // tenants and volumes have nothing to stop; only servers are paused
      if (kindOf(s, r) === "OpenStack.Instance") await pauseInstance(client(ctx, s), r, paused);
    }),

  poll: (ctx, s, r) =>
    guard(() => {
      const c = client(ctx, s);
      const kind = kindOf(s, r);
      if (kind === "OpenStack.Tenant") return pollTenant(c, r);
      if (kind === "OpenStack.Volume") return pollVolume(c, r);
      return pollInstance(c, r);
    }),

  collectUsage: (ctx, s, r) =>
    guard(() => {
      const c = client(ctx, s);
      const kind = kindOf(s, r);
      if (kind === "OpenStack.Tenant") return tenantUsage(c, r);
      if (kind === "OpenStack.Volume") return volumeUsage(c, r);
      return instanceUsage(c, r);
    }),
};
