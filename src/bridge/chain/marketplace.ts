// What each public change of the marketplace API writes to the chain outbox: offerings going
// Active (then paused/archived), Create orders and their moves, a resource's termination (its
// lease closed) and usage increases. Every function here returns batch items (guarded inserts)
// for the caller's own db.batch, next to the state change.
//
// Who signs. The edge API never holds users' keys; it sends Msgs for an address through that
// address's x/authz grant to the bridge account:
//   - an offering's provider is the wallet address of its organization's first owner (by grant
//     order) that has one, fixed when the offering first goes on chain (the signer of its
//     offering.created row); every provider-side record of its orders is signed for that address;
//   - an order's customer is the wallet address of the user who placed it (the signer of its
//     order.created row); cancellations are signed for that address.
// Rule for parties without a wallet address: nothing is invented. The event is not sent; one
// chain_offchain row (same batch) says which event stayed off chain and why, and the order or
// offering shows `chain_state: "off-chain"`. Later events of an object that is off chain are not
// recorded again. A value the record builders refuse (not public, not an integer, not an
// identifier) is handled the same way with reason not_representable: the API change still happens.
//
// Providers. x/market refuses offerings of a wallet without a provider record, and refuses the
// record (MsgUpsertProvider) of a wallet without the ServiceProvider role. So a new provider needs,
// outside this API: VE for its own grant transactions, the role (x/roles MsgNominateRole by a
// GenesisAccount or Administrator) and x/authz grants to the bridge for every Msg it sends
// (scripts/lib/chain-bridge-setup.ts enrollProvider() does all three on a localnet). The record is
// written when the organization becomes a service provider, and again under the offering's ref
// with its first activation until one has committed (the sender sends a ref's rows in order and
// holds the offering until the record is in; upserting twice is harmless). A wallet without the
// role gets both rows failed with the chain's reason.
//
// Imported offerings (src/bridge/waldur/) are written in bulk, so their first activation is
// recorded by recordImportedOfferings() from the cron; later remote state moves join the sync's batch.
//
// Plans after activation: every plan route (src/routes/plans.ts: create, edit, delete, prices,
// quotas, archive) writes its change and offeringPlansChangedItems() in one batch: MsgUpdateOffering
// with the plans as they will be (orders made keep their price on chain).
import { and, asc, eq, exists, ne, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { categories, chainOutbox, customers, offeringComponents, offerings, orders, planComponents, plans, roleGrants, sealedBlobs, users } from "../../db/schema/index.ts";
import { ORDER_ATTRIBUTES_KIND } from "../../secrets/order-attributes.ts";
import { offchainInsertWhen, type OffchainNote, outboxInsertWhen } from "./outbox.ts";
import { fixedRatePerBlock, orderDeposit, usagePricePerStep, usageSteps } from "./pricing.ts";
import { ChainRecordError, chainRecords, type OutboxRecord, type OfferingCreated } from "./records.ts";
import { PricingError } from "./pricing.ts";

type Order = typeof orders.$inferSelect;
type Offering = typeof offerings.$inferSelect;
type Component = typeof offeringComponents.$inferSelect;
type Item = BatchItem<"sqlite">;

/** Always true: for records written together with an unconditional insert. */
export const ALWAYS: SQL = sql`1`;

/** Runs `before` and then `last` as one D1 batch (one transaction); returns `last`'s result. */
export async function batchThen<T extends Item>(db: Db, before: Item[], last: T): Promise<T["_"]["result"]> {
  const res = await db.batch([...before, last] as unknown as [Item, ...Item[]]);
  return res[res.length - 1] as T["_"]["result"];
}

/** A record, or the reason it stays off chain. */
type Planned = { rec: OutboxRecord } | { note: OffchainNote } | null;

function build(kind: string, ref: string, make: () => OutboxRecord): Planned {
  try {
    return { rec: make() };
  } catch (e) {
    if (e instanceof ChainRecordError || e instanceof PricingError) return { note: { kind, ref, reason: "not_representable", detail: e.message } };
    throw e;
  }
}

function items(db: Db, planned: Planned[], guard: SQL): Item[] {
  const out: Item[] = [];
  for (const p of planned) {
    if (!p) continue;
    out.push("rec" in p ? outboxInsertWhen(db, p.rec, guard) : offchainInsertWhen(db, p.note, guard));
  }
  return out;
}

/** The signer of the object's creation record, unless it failed or never existed. */
async function creationSigner(db: Db, kind: "offering.created" | "order.created", ref: string): Promise<string | null> {
  const row = await db
    .select({ signer: chainOutbox.signer })
    .from(chainOutbox)
    .where(and(eq(chainOutbox.ref, ref), eq(chainOutbox.kind, kind), ne(chainOutbox.state, "failed")))
    .orderBy(asc(chainOutbox.id))
    .get();
  return row?.signer ?? null;
}

const notOnChain = (kind: string, ref: string) =>
  sql`not exists (select 1 from ${chainOutbox} where ${chainOutbox.ref} = ${ref} and ${chainOutbox.kind} = ${kind} and ${chainOutbox.state} != 'failed')`;

/** The organization's chain address: its first owner with a wallet address. */
async function organizationAddress(db: Db, customerId: number): Promise<string | null> {
  const row = await db
    .select({ address: users.walletAddress })
    .from(roleGrants)
    .innerJoin(users, eq(users.id, roleGrants.userId))
    .where(and(eq(roleGrants.scopeType, "customer"), eq(roleGrants.scopeId, customerId), eq(roleGrants.role, "CUSTOMER.OWNER"), sql`${users.walletAddress} is not null`))
    .orderBy(asc(roleGrants.id))
    .get();
  return row?.address ?? null;
}

// ------------------------------------------------------------------ providers

/**
 * The provider record of an organization's wallet, ordered by `ref`. x/market refuses offerings of
 * a wallet without one, and the wallet needs the ServiceProvider role (x/roles; a GenesisAccount
 * or Administrator nominates it) and an x/authz grant of MsgUpsertProvider to the bridge.
 */
async function providerRecord(db: Db, customerId: number, ref: string, owner: string): Promise<Planned> {
  const org = await db.select({ uuid: customers.uuid }).from(customers).where(eq(customers.id, customerId)).get();
  return build("provider.upserted", ref, () => chainRecords.providerUpserted({ ref, owner, organizationUuid: org?.uuid ?? "" }));
}

/** Whether the wallet's provider record is on chain already (committed through this outbox). */
async function providerOnChain(db: Db, owner: string): Promise<boolean> {
  const row = await db
    .select({ id: chainOutbox.id })
    .from(chainOutbox)
    .where(and(eq(chainOutbox.kind, "provider.upserted"), eq(chainOutbox.signer, owner), eq(chainOutbox.state, "committed")))
    .get();
  return row !== undefined;
}

/**
 * An organization became a service provider: its wallet's provider record (ref: the service
 * provider's uuid), or a note that it has no owner with a wallet yet (the first activation of an
 * offering writes the record then).
 */
export async function serviceProviderCreatedItems(db: Db, customerId: number, serviceProviderUuid: string): Promise<Item[]> {
  const owner = await organizationAddress(db, customerId);
  if (!owner) return items(db, [{ note: { kind: "provider.upserted", ref: serviceProviderUuid, reason: "no_provider_wallet" } }], ALWAYS);
  return items(db, [await providerRecord(db, customerId, serviceProviderUuid, owner)], ALWAYS);
}

// ------------------------------------------------------------------ offerings

interface ChainPlan {
  uuid: string;
  unit: string;
  components: { type: string; billing: "fixed" | "usage"; priceUve: bigint; quota: bigint }[];
}

/**
 * A plan change about to be written in the caller's batch, applied over what D1 holds so the
 * record shows the plans as they will be: one plan's new prices, quotas, unit or archived flag,
 * a plan added (not in D1 yet) or a plan deleted.
 */
export type PlanChange =
  | { planId: number; prices?: Record<string, string>; quotas?: Record<string, number>; unit?: string; archived?: boolean }
  | { added: { uuid: string; unit: string; archived: boolean; prices: Record<string, string>; quotas: Record<string, number> } }
  | { deleted: number };

/** The offering's active plans with every component priced for the chain (plan uuids as plan names). */
async function chainPlans(db: Db, offeringId: number, change?: PlanChange): Promise<ChainPlan[]> {
  const [planRows, comps, stored] = await db.batch([
    db.select().from(plans).where(eq(plans.offeringId, offeringId)).orderBy(asc(plans.id)),
    db.select().from(offeringComponents).where(eq(offeringComponents.offeringId, offeringId)).orderBy(asc(offeringComponents.id)),
    db
      .select({ planId: planComponents.planId, componentId: planComponents.componentId, price: planComponents.price, amount: planComponents.amount })
      .from(planComponents)
      .innerJoin(plans, eq(plans.id, planComponents.planId))
      .where(eq(plans.offeringId, offeringId)),
  ]);
  type Row = { id: number | null; uuid: string; unit: string; archived: boolean; prices: Record<string, string>; quotas: Record<string, number> };
  const rows: Row[] = planRows.map((p) => {
    const edit = change && "planId" in change && change.planId === p.id ? change : undefined;
    return { id: p.id, uuid: p.uuid, unit: edit?.unit ?? p.unit, archived: edit?.archived ?? p.archived, prices: edit?.prices ?? {}, quotas: edit?.quotas ?? {} };
  });
  if (change && "added" in change) rows.push({ id: null, ...change.added });
  const live = rows.filter((r) => !r.archived && !(change && "deleted" in change && change.deleted === r.id));
  return live.map((p) => ({
    uuid: p.uuid,
    unit: p.unit,
    components: comps.map((c: Component) => {
      const pc = stored.find((x) => x.planId === p.id && x.componentId === c.id);
      const price = p.prices[c.type] ?? pc?.price ?? "0";
      if (c.billingType === "usage") return { type: c.type, billing: "usage" as const, priceUve: usagePricePerStep(price), quota: 1n };
      // Fixed-price components are charged for their plan quota; limit components per unit of the order's limit.
      const amount = p.quotas[c.type] ?? pc?.amount ?? 1;
      const quota = c.billingType === "limit" ? 1n : BigInt(Math.max(1, amount));
      return { type: c.type, billing: "fixed" as const, priceUve: fixedRatePerBlock(price, p.unit, quota), quota };
    }),
  }));
}

/**
 * An offering becomes Active: its x/market record, the first time (or again after a failed one).
 * `guard` is the condition of the caller's state UPDATE.
 */
export async function offeringActivatedItems(db: Db, offering: Offering, guard: SQL): Promise<Item[]> {
  const ref = offering.uuid;
  if (await creationSigner(db, "offering.created", ref)) return [];
  const provider = await organizationAddress(db, offering.customerId);
  const once = and(guard, notOnChain("offering.created", ref)) as SQL;
  if (!provider) return items(db, [{ note: { kind: "offering.created", ref, reason: "no_provider_wallet" } }], once);
  const category = await db.select({ uuid: categories.uuid }).from(categories).where(eq(categories.id, offering.categoryId)).get();
  const planned = await (async (): Promise<Planned> => {
    try {
      const cps = await chainPlans(db, offering.id);
      const e: OfferingCreated = {
        offeringUuid: ref,
        provider,
        category: category?.uuid ?? "uncategorized",
        offeringType: offering.type,
        plans: cps.map((p) => ({ name: p.uuid, components: p.components.map((c) => ({ component: c.type, billing: c.billing, priceUve: c.priceUve })) })),
        requiredIdentityScore: offering.requiredIdentityScore,
      };
      return build("offering.created", ref, () => chainRecords.offeringCreated(e));
    } catch (e) {
      if (e instanceof PricingError) return { note: { kind: "offering.created", ref, reason: "not_representable", detail: e.message } };
      throw e;
    }
  })();
  // Unless the wallet's provider record is committed, one goes first under the offering's ref:
  // the sender sends a ref's rows in insertion order and holds the offering until it commits (or
  // fails it with it). Upserting again is harmless if a record from elsewhere is still in flight.
  const first = planned && "rec" in planned && !(await providerOnChain(db, provider)) ? await providerRecord(db, offering.customerId, ref, provider) : null;
  if (first && !("rec" in first)) return items(db, [first], once);
  return items(db, [first, planned], once);
}

/**
 * A plan of an offering on chain changes (written in the caller's batch): the offering's plans are
 * replaced on chain by the plans as they will be (MsgUpdateOffering; orders made keep their price).
 * Offerings not on chain yet get theirs at activation; archived offerings are final on chain.
 * Two concurrent plan edits each send the plans they saw; the sender keeps a ref's rows in order,
 * so the chain ends with the later commit's view.
 */
export async function offeringPlansChangedItems(db: Db, offering: Offering, change: PlanChange, guard: SQL = ALWAYS): Promise<Item[]> {
  const provider = await creationSigner(db, "offering.created", offering.uuid);
  if (!provider || offering.state === "Archived") return [];
  const ref = offering.uuid;
  let planned: Planned;
  try {
    const cps = await chainPlans(db, offering.id, change);
    const chainPlanList = cps.map((p) => ({ name: p.uuid, components: p.components.map((c) => ({ component: c.type, billing: c.billing, priceUve: c.priceUve })) }));
    planned = build("offering.plans", ref, () => chainRecords.offeringPlansChanged({ offeringUuid: ref, provider, plans: chainPlanList }));
  } catch (e) {
    if (!(e instanceof PricingError)) throw e;
    planned = { note: { kind: "offering.plans", ref, reason: "not_representable", detail: e.message } };
  }
  return items(db, [planned], guard);
}

/**
 * Imported offerings (from a remote Waldur) that are Active and have no creation record yet get
 * their activation record here. The import writes thousands of offerings in a few bulk statements
 * that cannot carry per-offering records (whose plans must already be in D1), so the cron and the
 * sync run this afterwards: each record is guarded by the offering still being Active and still
 * unrecorded, so nothing is doubled, and an offering missed by a run that died is found by the next.
 * Offerings with any creation row (even failed) are left to the routes, as route-made ones are.
 */
export async function recordImportedOfferings(db: Db, limit = 100): Promise<number> {
  const unrecorded = await db
    .select()
    .from(offerings)
    .where(
      and(
        eq(offerings.state, "Active"),
        sql`exists (select 1 from waldur_imported_offerings w where w.offering_id = ${offerings.id})`,
        sql`not exists (select 1 from ${chainOutbox} where ${chainOutbox.ref} = ${offerings.uuid} and ${chainOutbox.kind} = 'offering.created')`,
        sql`not exists (select 1 from chain_offchain n where n.ref = ${offerings.uuid} and n.kind = 'offering.created')`,
      ),
    )
    .orderBy(asc(offerings.id))
    .limit(limit)
    .all();
  for (const o of unrecorded) {
    const stillActive = exists(db.select({ one: sql`1` }).from(offerings).where(and(eq(offerings.id, o.id), eq(offerings.state, "Active"))));
    const recs = await offeringActivatedItems(db, o, stillActive);
    if (recs.length) await db.batch(recs as [Item, ...Item[]]);
  }
  return unrecorded.length;
}

/** API offering states as x/market's (Draft and Unavailable take no orders: paused there). */
const CHAIN_OFFERING_STATE: Record<string, "active" | "paused" | "archived"> = { Active: "active", Paused: "paused", Unavailable: "paused", Draft: "paused", Archived: "archived" };

/**
 * An offering moves to `to` (guarded by the caller's UPDATE condition): its first activation
 * creates it on chain (unless `activate` is false: the caller leaves that to
 * recordImportedOfferings); later moves of an offering that is on chain update its state there.
 */
export async function offeringMovedItems(db: Db, offering: Offering, to: string, guard: SQL, opts: { activate?: boolean } = {}): Promise<Item[]> {
  const provider = await creationSigner(db, "offering.created", offering.uuid);
  if (!provider) return to === "Active" && opts.activate !== false ? offeringActivatedItems(db, offering, guard) : [];
  const state = CHAIN_OFFERING_STATE[to];
  if (!state || CHAIN_OFFERING_STATE[offering.state] === state) return [];
  return items(db, [build("offering.state", offering.uuid, () => chainRecords.offeringStateChanged({ offeringUuid: offering.uuid, provider, state }))], guard);
}

// ------------------------------------------------------------------ orders

/** The Create order that made the resource (the order the chain knows). */
async function createOrderOf(db: Db, resourceId: number | null): Promise<Order | undefined> {
  if (resourceId === null) return undefined;
  return db.select().from(orders).where(and(eq(orders.resourceId, resourceId), eq(orders.type, "Create"))).orderBy(asc(orders.id)).get();
}

export interface NewOrder {
  orderUuid: string;
  offering: Offering;
  planId: number | null;
  limits: Record<string, number>;
  /** Where the order starts in the API: executing means the provider side approved at once. */
  state: string;
  creator: User;
}

/** A Create order was placed: MsgCreateOrder for the orderer's address (and the approval when it starts executing). */
export async function orderCreatedItems(db: Db, o: NewOrder): Promise<Item[]> {
  const ref = o.orderUuid;
  const provider = await creationSigner(db, "offering.created", o.offering.uuid);
  const note = (reason: OffchainNote["reason"], detail?: string) => items(db, [{ note: { kind: "order.created", ref, reason, detail } }], ALWAYS);
  if (!provider) return note("offering_off_chain");
  const customer = o.creator.walletAddress;
  if (!customer) return note("no_customer_wallet");
  let planned: Planned;
  try {
    const chainPlan = o.planId === null ? undefined : await chainPlanById(db, o.offering.id, o.planId);
    if (!chainPlan) return note("not_representable", "the order has no plan of the offering");
    let rate = 0n;
    for (const c of chainPlan.components) if (c.billing === "fixed") rate += c.priceUve * BigInt(o.limits[c.type] ?? 1);
    const limits = Object.entries(o.limits).map(([component, amount]) => ({ component, amount }));
    // The order's attributes sealed before it was written (src/secrets/order-attributes.ts): only
    // the envelope's sha-256 and object key go on chain, never what it holds.
    const sealed = await db
      .select({ objectKey: sealedBlobs.objectKey, sha256: sealedBlobs.sha256 })
      .from(sealedBlobs)
      .where(and(eq(sealedBlobs.kind, ORDER_ATTRIBUTES_KIND), eq(sealedBlobs.recordId, ref)))
      .get();
    planned = build("order.created", ref, () =>
      chainRecords.orderCreated({
        orderUuid: ref,
        customer,
        offering: { ref: o.offering.uuid },
        plan: chainPlan.uuid,
        limits,
        depositUve: orderDeposit(rate, chainPlan.unit),
        detailsHash: sealed?.sha256,
        detailsKey: sealed?.objectKey,
      }),
    );
  } catch (e) {
    if (e instanceof PricingError) return note("not_representable", e.message);
    throw e;
  }
  const out: Planned[] = [planned];
  if (planned && "rec" in planned && o.state === "executing") out.push(build("order.approved", ref, () => chainRecords.orderApproved({ orderUuid: ref, provider })));
  return items(db, out, ALWAYS);
}

async function chainPlanById(db: Db, offeringId: number, planId: number): Promise<ChainPlan | undefined> {
  const p = await db.select({ uuid: plans.uuid }).from(plans).where(eq(plans.id, planId)).get();
  return p ? (await chainPlans(db, offeringId)).find((x) => x.uuid === p.uuid) : undefined;
}

/**
 * An order moves from its current state to `to` (guarded by the caller's UPDATE condition). Only
 * Create orders exist on chain; a Terminate order that is done closes the resource's lease.
 */
export async function orderMovedItems(db: Db, order: Order, to: string, guard: SQL): Promise<Item[]> {
  if (order.type === "Terminate" && to === "done") {
    const create = await createOrderOf(db, order.resourceId);
    if (!create) return [];
    const customer = await creationSigner(db, "order.created", create.uuid);
    const offering = await db.select({ uuid: offerings.uuid }).from(offerings).where(eq(offerings.id, create.offeringId)).get();
    const provider = offering ? await creationSigner(db, "offering.created", offering.uuid) : null;
    if (!customer || !provider) return [];
    // The lease is closed by the customer when the one who placed the order asked for the termination.
    const by = order.createdById === create.createdById ? customer : provider;
    return items(db, [build("resource.terminated", create.uuid, () => chainRecords.resourceTerminated({ orderUuid: create.uuid, by }))], guard);
  }
  if (order.type !== "Create") return [];
  const ref = order.uuid;
  const customer = await creationSigner(db, "order.created", ref);
  if (!customer) return [];
  const offering = await db.select({ uuid: offerings.uuid }).from(offerings).where(eq(offerings.id, order.offeringId)).get();
  const provider = offering ? await creationSigner(db, "offering.created", offering.uuid) : null;
  if (!provider) return [];
  const from = order.state;
  const pending = from.startsWith("pending-");
  const r = (kind: string, make: () => OutboxRecord) => build(kind, ref, make);
  let planned: Planned = null;
  if (to === "executing" && pending) planned = r("order.approved", () => chainRecords.orderApproved({ orderUuid: ref, provider }));
  else if (to === "executing") planned = { note: { kind: "order.executing", ref, reason: "no_chain_transition", detail: `${from} → executing` } };
  else if (to === "rejected" && from === "pending-consumer") planned = r("order.canceled", () => chainRecords.orderCanceled({ orderUuid: ref, customer }));
  else if (to === "rejected" || (to === "erred" && pending)) planned = r("order.rejected", () => chainRecords.orderRejected({ orderUuid: ref, provider }));
  else if (to === "canceled" && pending) planned = r("order.canceled", () => chainRecords.orderCanceled({ orderUuid: ref, customer }));
  else if (to === "canceled") planned = r("resource.terminated", () => chainRecords.resourceTerminated({ orderUuid: ref, by: customer }));
  else if (to === "done") planned = r("order.done", () => chainRecords.orderDone({ orderUuid: ref, provider }));
  else if (to === "erred") planned = r("order.erred", () => chainRecords.orderErred({ orderUuid: ref, provider }));
  return items(db, [planned], guard);
}

/** The guard for a conditional order UPDATE: the row is still in the state that was read. */
export const orderStillIn = (db: Db, order: Order): SQL =>
  exists(db.select({ one: sql`1` }).from(orders).where(and(eq(orders.id, order.id), eq(orders.state, order.state))));

// ------------------------------------------------------------------ usage

const epochSeconds = (d: Date) => BigInt(Math.floor(d.getTime() / 1000));

/**
 * Usage reported for a month: the API keeps the month's total (replaced on re-report), x/market
 * charges each post. So the chain gets the increase over what this outbox already posted for the
 * resource, component and month, in hundredths of the unit. Decreases are not posted (the chain
 * cannot refund a charge). Only usage-billed components are billed by usage on chain.
 *
 * Reports can race (two set_usage calls at once read the same posted sum): so the increase is
 * computed again inside the batch, from the rows posted by then, and the row is written only if
 * it is still positive. D1 runs each batch as one transaction, so the second one posts only what
 * the first did not.
 */
export async function usageReportedItems(
  db: Db,
  resource: { id: number; offeringId: number },
  comps: Component[],
  entries: { type: string; amount: string }[],
  periodStart: Date,
): Promise<Item[]> {
  const create = await createOrderOf(db, resource.id);
  if (!create) return [];
  const ref = create.uuid;
  if (!(await creationSigner(db, "order.created", ref))) return [];
  const offering = await db.select({ uuid: offerings.uuid }).from(offerings).where(eq(offerings.id, resource.offeringId)).get();
  const provider = offering ? await creationSigner(db, "offering.created", offering.uuid) : null;
  if (!provider) return [];
  const start = epochSeconds(periodStart);
  const end = epochSeconds(new Date(Date.UTC(periodStart.getUTCFullYear(), periodStart.getUTCMonth() + 1, 1)));
  const out: Item[] = [];
  for (const u of entries) {
    if (comps.find((c) => c.type === u.type)?.billingType !== "usage") continue;
    let total: bigint;
    try {
      total = usageSteps(u.amount);
    } catch (e) {
      out.push(...items(db, [{ note: { kind: "usage.reported", ref, reason: "not_representable", detail: (e as Error).message } }], ALWAYS));
      continue;
    }
    const posted = postedUsage(ref, u.type, start);
    const already = BigInt((await db.get<{ n: number | string }>(sql`select ${posted} as n`)).n);
    if (total <= already) continue;
    // Built with today's increase (validated like any record); the row gets the batch-time one.
    const planned = build("usage.reported", ref, () =>
      chainRecords.usageReported({ orderUuid: ref, provider, component: u.type, amount: total - already, periodStart: start, periodEnd: end }),
    );
    if (!planned || !("rec" in planned)) {
      out.push(...items(db, [planned], ALWAYS));
      continue;
    }
    const totalSql = sql`cast(${total.toString()} as integer)`;
    const payload = sql`json_set(${JSON.stringify(planned.rec.payload)}, '$.amount', cast(${totalSql} - ${posted} as text))`;
    out.push(outboxInsertWhen(db, planned.rec, sql`${totalSql} > ${posted}`, { payload }));
  }
  return out;
}

/** What this outbox posted (or is posting) for the order, component and month, in hundredths. */
function postedUsage(ref: string, component: string, start: bigint): SQL {
  const o = chainOutbox;
  const field = (path: string) => sql`json_extract(${o.payload}, ${path})`;
  return sql`(select coalesce(sum(cast(${field("$.amount")} as integer)), 0) from ${o} where ${o.ref} = ${ref} and ${o.kind} = 'usage.reported' and ${o.state} != 'failed' and ${field("$.component")} = ${component} and ${field("$.periodStart")} = ${start.toString()})`;
}
