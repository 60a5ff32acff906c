// Importing a remote Waldur organization's offerings and keeping them in step: the remote list is
// fetched whole and validated before anything is written (a token revoked halfway imports
// nothing), then each page of offerings goes to D1 in one batch. An imported offering is type
// Waldur.RemoteOffering, linked by remote uuid (offerings.remote_uuid and waldur_imported_offerings),
// its plans by remote plan uuid (plans.backend_id); the plugin's settings (API URL, token, remote
// offering and plan uuids) ride in its sealed secret options, sealed like any offering's secret
// options to the executor key and the importing organization's owners (secret options readers).
import { and, eq, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../app-env.ts";
import { ALWAYS, offeringMovedItems } from "../chain/marketplace.ts";
import { inArray } from "../../db/in-list.ts";
import { offeringComponents, offerings, planComponents, plans, waldurImportedOfferings } from "../../db/schema/index.ts";
import { newUuid, nowIso, uniqueSlug } from "../../http/ids.ts";
import { type ComponentInput, componentRow, type PlanInput, planStatements } from "../../marketplace/catalog/write.ts";
import type { Recipient } from "../../crypto/index.ts";
import type { Bindings } from "../../env.ts";
import { secretOptionsReaders } from "../../secrets/offering-secrets.ts";
import { asRecipients, EXECUTOR_HOLDER } from "../../secrets/recipients.ts";
import { type SecretEnv, sealJson } from "../../secrets/sealed-json.ts";
import { bulkInsert, field, runBatch } from "./bulk.ts";
import type { WaldurClient } from "./client.ts";
import type { WaldurConnection } from "./connection.ts";
import { offeringSchema, parseRemote, type RemoteOffering } from "./remote.ts";

export const REMOTE_OFFERING_TYPE = "Waldur.RemoteOffering";
/** Names of the sealed secret options the waldur plugin's settings refer to ({"$secret": …}). */
export const SECRET_NAMES = ["waldur_api_url", "waldur_token", "waldur_customer_uuid", "waldur_offering_uuid", "waldur_plans"] as const;

export type Fetched = { ok: true; offerings: RemoteOffering[]; invalid: { uuid: string; message: string }[] } | { ok: false; status: number; message: string; transient: boolean };

/** The remote organization's offerings (all pages), each validated; `modified` asks only for those changed since. */
export async function fetchRemoteOfferings(client: WaldurClient, remoteCustomerUuid: string, modifiedSince?: string): Promise<Fetched> {
  const query: Record<string, string> = { customer_uuid: remoteCustomerUuid };
  if (modifiedSince) query.modified = modifiedSince;
  const r = await client.listAll<unknown>("/api/marketplace-provider-offerings/", query);
  if (!r.ok) return r;
  const out: RemoteOffering[] = [];
  const invalid: { uuid: string; message: string }[] = [];
  for (const raw of r.value) {
    const p = parseRemote(offeringSchema, raw, "offering");
    if (p.ok) out.push(p.value);
    else invalid.push({ uuid: String((raw as { uuid?: unknown })?.uuid ?? "?"), message: p.message });
  }
  return { ok: true, offerings: out, invalid };
}

async function digestOf(o: RemoteOffering): Promise<string> {
  const bytes = new TextEncoder().encode(JSON.stringify(o));
  const h = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(h.slice(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
}

function componentInputs(o: RemoteOffering): (ComponentInput & { isBuiltin: boolean })[] {
  return o.components.map((c) => ({
    type: c.type,
    name: c.name,
    description: c.description ?? "",
    measured_unit: c.measured_unit ?? "",
    billing_type: c.billing_type,
    limit_period: c.limit_period || null,
    limit_amount: c.limit_amount,
    article_code: "",
    max_value: c.max_value,
    min_value: c.min_value,
    max_available_limit: null,
    default_limit: null,
    is_boolean: false,
    is_prepaid: false,
    unit_factor: c.unit_factor,
    isBuiltin: false,
  }));
}

/** Prices and quotas only for the offering's own components (a remote plan may name others). */
function planInput(o: RemoteOffering, p: RemoteOffering["plans"][number]): PlanInput {
  const types = new Set(o.components.map((c) => c.type));
  const keep = <T>(m: Record<string, T>) => Object.fromEntries(Object.entries(m).filter(([k]) => types.has(k)));
  return {
    name: p.name,
    description: p.description ?? "",
    article_code: "",
    max_amount: null,
    archived: p.archived,
    unit_price: p.unit_price,
    unit: p.unit,
    backend_id: p.uuid,
    prices: keep(p.prices),
    quotas: keep(p.quotas),
  };
}

function offeringValues(o: RemoteOffering) {
  return {
    name: o.name,
    description: o.description ?? "",
    fullDescription: o.full_description ?? "",
    vendorDetails: o.vendor_details ?? "",
    gettingStarted: o.getting_started ?? "",
    integrationGuide: o.integration_guide ?? "",
    privacyPolicyLink: o.privacy_policy_link ?? "",
    accessUrl: o.access_url ?? "",
    pausedReason: o.paused_reason ?? "",
    attributes: o.attributes ?? {},
    image: o.image,
    thumbnail: o.thumbnail,
    shared: o.shared,
    billable: o.billable,
    state: o.state,
    backendId: o.uuid,
    remoteUuid: o.uuid,
  };
}

/**
 * The importing organization's owners, besides the executor key sealJson always adds: the same
 * readers as the secret options a provider sets itself (offering-secrets.ts). No executor-key
 * authorisation is asked for: the import acts under the connection, whose token is already sealed
 * to the executor key alone, and the plugin path exempts imported offerings from that check.
 */
async function settingsOwners(db: Db, env: SecretEnv, customerId: number): Promise<Recipient[]> {
  // The helper reads only VE_EXECUTOR_KEY and VE_MODE from the bindings, which SecretEnv carries.
  const readers = await secretOptionsReaders(db, env as Bindings, { customerId });
  return asRecipients({ keys: readers.keys.filter((k) => k.holder !== EXECUTOR_HOLDER), withoutKey: [] });
}

async function sealedSettings(
  env: SecretEnv,
  owners: Recipient[],
  conn: WaldurConnection,
  token: string,
  localUuid: string,
  o: RemoteOffering,
  planMap: Record<string, string>,
) {
  const settings = {
    waldur_api_url: conn.apiUrl,
    waldur_token: token,
    waldur_customer_uuid: conn.remoteCustomerUuid,
    waldur_offering_uuid: o.uuid,
    waldur_plans: planMap,
  };
  return sealJson(env, { kind: "offering-secret-options", recordId: localUuid }, settings, owners);
}

export interface ApplyRun {
  created: string[];
  updated: string[];
  unchanged: number;
}

const BATCH_OFFERINGS = 200;

/**
 * Writes remote offerings locally: new ones are created under `categoryId` (already imported ones
 * keep theirs), changed ones updated (fields, state, components, plans and prices; plans gone
 * remotely are archived), unchanged ones (same digest) skipped. Returns local uuids.
 */
export async function applyRemoteOfferings(
  db: Db,
  env: SecretEnv,
  conn: WaldurConnection,
  token: string,
  remote: RemoteOffering[],
  categoryId: number | null,
  /** Local plugin options for newly imported offerings (re-syncs leave the local ones alone). */
  pluginOptions: Record<string, unknown> = {},
): Promise<ApplyRun> {
  const run: ApplyRun = { created: [], updated: [], unchanged: 0 };
  const owners = await settingsOwners(db, env, conn.customerId);
  for (let i = 0; i < remote.length; i += BATCH_OFFERINGS) {
    const chunk = remote.slice(i, i + BATCH_OFFERINGS);
    const links = await db
      .select({ link: waldurImportedOfferings, offering: offerings })
      .from(waldurImportedOfferings)
      .innerJoin(offerings, eq(offerings.id, waldurImportedOfferings.offeringId))
      .where(and(eq(waldurImportedOfferings.connectionId, conn.id), inArray(waldurImportedOfferings.remoteUuid, chunk.map((o) => o.uuid))))
      .all();
    const linkOf = new Map(links.map((l) => [l.link.remoteUuid, l]));
    const existingIds = links.map((l) => l.link.offeringId);
    const localPlans = existingIds.length ? await db.select().from(plans).where(inArray(plans.offeringId, existingIds)).all() : [];
    const stmts: BatchItem<"sqlite">[] = [];
    const fresh: FreshRows = { offerings: [], components: [], plans: [], prices: [], links: [] };
    const now = nowIso();
    // Digests and seals are independent per offering: started together, not one after another.
    const digests = await Promise.all(chunk.map(digestOf));
    const seals: Promise<void>[] = [];
    for (const [k, o] of chunk.entries()) {
      const digest = digests[k]!;
      const link = linkOf.get(o.uuid);
      if (link && link.link.remoteDigest === digest) {
        run.unchanged++;
        continue;
      }
      if (!link) {
        if (categoryId === null) continue;
        const uuid = newUuid();
        const planIns = o.plans.map((p) => ({ ...planInput(o, p), uuid: newUuid() }));
        const planMap = Object.fromEntries(planIns.map((p) => [p.uuid, p.backend_id]));
        fresh.offerings.push({
          ...offeringValues(o),
          uuid,
          customerId: conn.customerId,
          categoryId,
          type: REMOTE_OFFERING_TYPE,
          slug: uniqueSlug(o.name),
          pluginOptions,
          secretOptionsKeys: [...SECRET_NAMES],
          backendMetadata: { remote_type: o.type, remote_category: o.category_title ?? "", waldur_connection_uuid: conn.uuid },
          created: now,
          modified: now,
        });
        for (const c of componentInputs(o)) {
          const { offeringId: _later, ...row } = componentRow(0, c);
          fresh.components.push({ ...row, offering: uuid });
        }
        for (const p of planIns) {
          fresh.plans.push({
            uuid: p.uuid,
            offering: uuid,
            name: p.name,
            description: p.description,
            archived: p.archived,
            unit: p.unit,
            unitPrice: p.unit_price,
            backendId: p.backend_id,
            created: now,
            modified: now,
          });
          for (const t of new Set([...Object.keys(p.prices), ...Object.keys(p.quotas)])) {
            fresh.prices.push({ plan: p.uuid, type: t, price: p.prices[t] ?? "0", amount: p.quotas[t] ?? 0 });
          }
        }
        const row = fresh.offerings[fresh.offerings.length - 1]!;
        seals.push(
          sealedSettings(env, owners, conn, token, uuid, o, planMap).then((sealed) => {
            row.secretOptionsSealed = sealed;
          }),
        );
        fresh.links.push({ offering: uuid, connectionId: conn.id, remoteUuid: o.uuid, remoteDigest: digest, lastSync: now });
        run.created.push(uuid);
        continue;
      }
      // Changed: update in place, keeping local uuids (orders and resources point at them).
      const offeringId = link.link.offeringId;
      const mine = localPlans.filter((p) => p.offeringId === offeringId);
      const planMap: Record<string, string> = {};
      for (const c of componentInputs(o)) {
        const { uuid: _fresh, ...row } = componentRow(offeringId, c);
        stmts.push(
          db
            .insert(offeringComponents)
            .values(componentRow(offeringId, c))
            .onConflictDoUpdate({ target: [offeringComponents.offeringId, offeringComponents.type], set: row }),
        );
      }
      for (const rp of o.plans) {
        const input = planInput(o, rp);
        const local = mine.find((p) => p.backendId === rp.uuid);
        if (!local) {
          const uuid = newUuid();
          planMap[uuid] = rp.uuid;
          stmts.push(...planStatements(db, offeringId, input, uuid));
          continue;
        }
        planMap[local.uuid] = rp.uuid;
        stmts.push(
          db
            .update(plans)
            .set({ name: input.name, description: input.description, archived: input.archived, unit: input.unit, unitPrice: input.unit_price, modified: now })
            .where(eq(plans.id, local.id)),
        );
        for (const t of new Set([...Object.keys(input.prices), ...Object.keys(input.quotas)])) {
          const price = input.prices[t] ?? "0";
          const amount = input.quotas[t] ?? 0;
          stmts.push(
            db
              .insert(planComponents)
              .values({
                planId: local.id,
                componentId: sql`(SELECT id FROM offering_components WHERE type = ${t} AND offering_id = ${offeringId})` as unknown as number,
                price,
                amount,
              })
              .onConflictDoUpdate({ target: [planComponents.planId, planComponents.componentId], set: { price, amount } }),
          );
        }
      }
      const gone = mine.filter((p) => !o.plans.some((rp) => rp.uuid === p.backendId) && !p.archived).map((p) => p.id);
      if (gone.length) stmts.push(db.update(plans).set({ archived: true, modified: now }).where(inArray(plans.id, gone)));
      stmts.push(
        db
          .update(offerings)
          .set({ ...offeringValues(o), secretOptionsSealed: await sealedSettings(env, owners, conn, token, link.offering.uuid, o, planMap), modified: now })
          .where(eq(offerings.id, offeringId)),
        db.update(waldurImportedOfferings).set({ remoteDigest: digest, lastSync: now }).where(eq(waldurImportedOfferings.id, link.link.id)),
      );
      // A remote pause, unpause or archive of an offering on chain is recorded in the same batch;
      // first activations are left to recordImportedOfferings (the plans must be written first).
      const to = offeringValues(o).state;
      if (to !== link.offering.state) stmts.push(...(await offeringMovedItems(db, link.offering, to, ALWAYS, { activate: false })));
      run.updated.push(link.offering.uuid);
    }
    if (stmts.length) await db.batch(stmts as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
    await Promise.all(seals);
    if (fresh.offerings.length) await runBatch(db, freshStatements(fresh));
  }
  return run;
}

/** Rows of the offerings a chunk creates, per table; `offering` / `plan` carry uuids for the id look-ups. */
type FreshRows = Record<"offerings" | "components" | "plans" | "prices" | "links", Record<string, unknown>[]>;

const offeringIdOf = (key: string) => sql`(SELECT id FROM offerings WHERE uuid = ${field(key)})`;

/** New offerings of one chunk in at most five statements (one per table), whatever their number. */
function freshStatements(f: FreshRows): SQL[] {
  const out: SQL[] = [bulkInsert(offerings, f.offerings)];
  if (f.components.length) out.push(bulkInsert(offeringComponents, f.components, { offeringId: offeringIdOf("offering") }));
  if (f.plans.length) out.push(bulkInsert(plans, f.plans, { offeringId: offeringIdOf("offering") }));
  if (f.prices.length) {
    out.push(
      bulkInsert(planComponents, f.prices, {
        planId: sql`(SELECT id FROM plans WHERE uuid = ${field("plan")})`,
        componentId: sql`(SELECT c.id FROM offering_components c JOIN plans p ON p.offering_id = c.offering_id WHERE p.uuid = ${field("plan")} AND c.type = ${field("type")})`,
      }),
    );
  }
  out.push(bulkInsert(waldurImportedOfferings, f.links, { offeringId: offeringIdOf("offering") }));
  return out;
}
