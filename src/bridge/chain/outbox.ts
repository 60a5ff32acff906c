// Writing to the outbox: the caller puts the returned insert into the same `db.batch([...])` as the
// state change it records, so either both happen or neither does.
import { and, eq, getTableColumns, type SQL, sql } from "drizzle-orm";
import { inArray } from "../../db/in-list.ts";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { chainOutbox } from "../../db/schema/chain.ts";
import { chainOffchain } from "../../db/schema/chain-index.ts";
import type { OutboxRecord } from "./records.ts";

// biome-ignore lint/suspicious/noExplicitAny: works with any schema that includes chainOutbox
type AnyDb = DrizzleD1Database<any>;

export const MEMO_PREFIX = "ve-outbox:";

/**
 * The insert for one record; `uuid` (the idempotency key, also in the tx memo) defaults to a new one.
 *   await db.batch([db.update(orders).set(...).where(...), outboxInsert(db, chainRecords.orderApproved({...}))]);
 */
export function outboxInsert(db: AnyDb, rec: OutboxRecord, opts: { uuid?: string; now?: Date } = {}) {
  const now = (opts.now ?? new Date()).toISOString();
  return db.insert(chainOutbox).values({
    uuid: opts.uuid ?? crypto.randomUUID(),
    kind: rec.kind,
    ref: rec.ref,
    signer: rec.signer,
    typeUrl: rec.typeUrl,
    payload: rec.payload,
    state: "pending",
    created: now,
    modified: now,
  });
}

/** INSERT … SELECT of one row of constants, only when `guard` holds (drizzle wants every column, in order). */
function insertWhen<T extends typeof chainOutbox | typeof chainOffchain>(db: AnyDb, table: T, values: Record<string, unknown>, guard: SQL) {
  const fields: Record<string, SQL.Aliased> = {};
  for (const [key, col] of Object.entries(getTableColumns(table))) {
    const v = key in values ? values[key] : col.hasDefault ? col.default : null;
    fields[key] = sql`${v ?? null}`.as(col.name);
  }
  return db.insert(table).select(db.select(fields).from(sql`(select 1)`).where(guard) as never);
}

/**
 * The insert for one record that happens only if `guard` holds when the batch runs. Put it before
 * a conditional UPDATE with the same condition: both apply or neither (D1 runs a batch as one
 * transaction), so a lost race never leaves a record of a change that did not happen.
 */
export function outboxInsertWhen(db: AnyDb, rec: OutboxRecord, guard: SQL, opts: { uuid?: string; now?: Date; payload?: SQL } = {}) {
  const now = (opts.now ?? new Date()).toISOString();
  // `opts.payload`: JSON computed when the batch runs, from rows it sees (see usageReportedItems).
  const payload = opts.payload ?? JSON.stringify(rec.payload);
  return insertWhen(
    db,
    chainOutbox,
    { uuid: opts.uuid ?? crypto.randomUUID(), kind: rec.kind, ref: rec.ref, signer: rec.signer, typeUrl: rec.typeUrl, payload, state: "pending", created: now, modified: now },
    guard,
  );
}

export type OffchainReason = "no_customer_wallet" | "no_provider_wallet" | "offering_off_chain" | "order_off_chain" | "not_representable" | "no_chain_transition";

/** A public event that stays off chain, and why; guarded like outboxInsertWhen. */
export interface OffchainNote {
  kind: string;
  ref: string;
  reason: OffchainReason;
  detail?: string;
}

export function offchainInsertWhen(db: AnyDb, note: OffchainNote, guard: SQL, now = new Date()) {
  // Counted once per object, event and reason (an offering activated again without a wallet is one case).
  const o = chainOffchain;
  const fresh = sql`not exists (select 1 from ${o} where ${o.ref} = ${note.ref} and ${o.kind} = ${note.kind} and ${o.reason} = ${note.reason})`;
  return insertWhen(db, o, { kind: note.kind, ref: note.ref, reason: note.reason, detail: (note.detail ?? "").slice(0, 500), created: now.toISOString() }, and(guard, fresh) as SQL);
}

export type OutboxRow = typeof chainOutbox.$inferSelect;

/** Outbox rows about one API object (e.g. an order uuid), in sending order. */
export function outboxForRef(db: AnyDb, ref: string): Promise<OutboxRow[]> {
  return db.select().from(chainOutbox).where(eq(chainOutbox.ref, ref)).orderBy(chainOutbox.id);
}

/** The chain id (uint64 as a decimal string) assigned to the object created for `ref`, once committed. */
export async function chainIdFor(db: AnyDb, ref: string): Promise<string | null> {
  const rows = await db
    .select({ result: chainOutbox.result })
    .from(chainOutbox)
    .where(and(eq(chainOutbox.ref, ref), eq(chainOutbox.state, "committed"), inArray(chainOutbox.kind, ["order.created", "offering.created"])));
  return rows.find((r) => r.result?.chainId)?.result?.chainId ?? null;
}

/** Counts by state (for health checks and the admin view). */
export async function outboxStats(db: AnyDb): Promise<Record<string, number>> {
  const rows = await db.select({ state: chainOutbox.state, n: sql<number>`count(*)` }).from(chainOutbox).groupBy(chainOutbox.state);
  const out: Record<string, number> = { pending: 0, signed: 0, committed: 0, failed: 0 };
  for (const r of rows) out[r.state] = Number(r.n);
  return out;
}

/** Off-chain events counted by reason. */
export async function offchainStats(db: AnyDb): Promise<Record<string, number>> {
  const rows = await db.select({ reason: chainOffchain.reason, n: sql<number>`count(*)` }).from(chainOffchain).groupBy(chainOffchain.reason);
  return Object.fromEntries(rows.map((r) => [r.reason, Number(r.n)]));
}
