// Everything a plugin call needs about one resource, read from D1 in one batch: the offering and
// its components, project and customer slugs, the team's usernames on the offering, and the
// plugin with its settings (secret options opened with the executor key).
import { and, eq, ne } from "drizzle-orm";
import { inArray } from "../../db/in-list.ts";
import type { Db } from "../../app-env.ts";
import { customers, offeringComponents, offeringUsers, offerings, orders, plans, projects, roleGrants } from "../../db/schema/index.ts";
import type { Bindings } from "../../env.ts";
import { type AnyPlugin, pluginFor, settingsFor } from "../../plugins/registry.ts";
import type { ComponentSpec, OrderRequest, ResourceRef, TeamMember } from "../../plugins/types.ts";
import { unauthorisedExecutor } from "../../secrets/offering-secrets.ts";
import { openOrderAttributes, orderAttributesRef, resourceAttributesForPlugin } from "../../secrets/order-attributes.ts";
import { openJson } from "../../secrets/sealed-json.ts";
import type { Offering } from "../catalog/serialize.ts";
import type { Order, Resource } from "../orders/context.ts";

export interface Execution {
  plugin: AnyPlugin;
  settings: unknown;
  offering: Offering;
  ref: ResourceRef;
  components: ComponentSpec[];
  team: TeamMember[];
  /** The opened sealed attributes of the resource's executing Update/Terminate orders, by order uuid. */
  orderAttributes: Map<string, Record<string, unknown>>;
}

/** Errors as values: `none` when no plugin serves the offering (the provider or its agent moves it). */
export type ExecutionLookup = { ok: true; value: Execution } | { ok: false; none: boolean; error: string };

const PROJECT_ROLE: Record<string, string> = { "PROJECT.ADMIN": "admin", "PROJECT.MANAGER": "manager", "PROJECT.MEMBER": "member" };

export async function loadExecution(db: Db, env: Bindings, resource: Resource): Promise<ExecutionLookup> {
  const [offRows, projRows, custRows, compRows, teamRows] = await db.batch([
    db.select().from(offerings).where(eq(offerings.id, resource.offeringId)),
    db.select().from(projects).where(eq(projects.id, resource.projectId)),
    // Separately, not joined: D1's batch returns rows keyed by column name, so a join's two `slug`s collide.
    db
      .select()
      .from(customers)
      .where(inArray(customers.id, db.select({ id: projects.customerId }).from(projects).where(eq(projects.id, resource.projectId)))),
    db.select().from(offeringComponents).where(eq(offeringComponents.offeringId, resource.offeringId)),
    db
      .select({ username: offeringUsers.username, role: roleGrants.role })
      .from(roleGrants)
      .innerJoin(offeringUsers, and(eq(offeringUsers.userId, roleGrants.userId), eq(offeringUsers.offeringId, resource.offeringId)))
      .where(and(eq(roleGrants.scopeType, "project"), eq(roleGrants.scopeId, resource.projectId), ne(offeringUsers.username, ""), inArray(roleGrants.role, Object.keys(PROJECT_ROLE)))),
  ]);
  const offering = offRows[0];
  const proj = projRows[0];
  const cust = custRows[0];
  if (!offering || !proj || !cust) return { ok: false, none: false, error: "the resource's offering or project is gone" };
  const match = pluginFor(env, offering);
  if (!match.ok) return { ok: false, none: match.error.startsWith("no plugin"), error: match.error };
  // The provider's credentials are for the executor key it authorised: once it withdraws that (or
  // the Worker's key changes), its plugins stop using them. Imported offerings' settings are sealed
  // by the Waldur import itself, under the connection's authority.
  if (offering.secretOptionsSealed && !offering.remoteUuid) {
    const why = await unauthorisedExecutor(db, env, offering.customerId);
    if (why) return { ok: false, none: false, error: why };
  }
  let secrets: Record<string, unknown>;
  try {
    secrets = await openJson(env, { kind: "offering-secret-options", recordId: offering.uuid }, offering.secretOptionsSealed);
  } catch (e) {
    return { ok: false, none: false, error: `secret options do not open: ${(e as Error).message}` };
  }
  const settings = settingsFor(match, secrets);
  if (!settings.ok) return { ok: false, none: false, error: settings.error };
  let attributes: Record<string, unknown>;
  let orderAttributes: Map<string, Record<string, unknown>>;
  try {
    [attributes, orderAttributes] = await Promise.all([resourceAttributesForPlugin(db, env, resource), followUpAttributes(db, env, resource)]);
  } catch (e) {
    return { ok: false, none: false, error: `sealed order attributes do not open: ${(e as Error).message}` };
  }
  const team = new Map<string, TeamMember>();
  for (const t of teamRows) team.set(t.username, { username: t.username, email: "", role: PROJECT_ROLE[t.role] ?? "member" });
  return {
    ok: true,
    value: {
      plugin: match.plugin,
      settings: settings.value,
      offering,
      components: compRows.map((c) => ({
        type: c.type,
        billingType: c.billingType as ComponentSpec["billingType"],
        minValue: c.minValue,
        maxValue: c.maxValue,
        maxAvailableLimit: c.maxAvailableLimit,
        unitFactor: c.unitFactor,
      })),
      team: [...team.values()],
      orderAttributes,
      ref: {
        uuid: resource.uuid,
        offeringType: offering.type,
        name: resource.name,
        slug: resource.slug,
        projectUuid: proj.uuid,
        projectSlug: proj.slug,
        customerUuid: cust.uuid,
        customerSlug: cust.slug,
        backendId: resource.backendId || null,
        limits: resource.limits,
        attributes,
        backendMetadata: resource.backendMetadata,
      },
    },
  };
}

/** Update and Terminate orders seal what the client sent with them: opened here, for the plugin call only. */
async function followUpAttributes(db: Db, env: Bindings, resource: Resource): Promise<Map<string, Record<string, unknown>>> {
  const rows = await db
    .select({ uuid: orders.uuid, attributes: orders.attributes })
    .from(orders)
    .where(and(eq(orders.resourceId, resource.id), ne(orders.type, "Create"), eq(orders.state, "executing")))
    .all();
  const out = new Map<string, Record<string, unknown>>();
  for (const o of rows) {
    const ref = await orderAttributesRef(db, o.uuid);
    if (ref) out.set(o.uuid, await openOrderAttributes(env, ref, o.attributes));
  }
  return out;
}

export async function planUuidOf(db: Db, planId: number | null): Promise<string | null> {
  if (!planId) return null;
  return (await db.select({ uuid: plans.uuid }).from(plans).where(eq(plans.id, planId)).get())?.uuid ?? null;
}

export function orderRequest(order: Order, x: Execution, planUuid: string | null): OrderRequest {
  const type = order.type === "Terminate" ? "Terminate" : order.type === "Update" ? "Update" : "Create";
  return {
    orderUuid: order.uuid,
    type,
    // A Create order's attributes are the resource's; an Update's or Terminate's its own (both opened from their envelopes in loadExecution).
    attributes: order.type === "Create" ? x.ref.attributes : (x.orderAttributes.get(order.uuid) ?? order.attributes),
    limits: Object.keys(order.limits).length ? order.limits : x.ref.limits,
    planUuid,
    resource: x.ref,
    components: x.components,
    team: x.team,
  };
}
