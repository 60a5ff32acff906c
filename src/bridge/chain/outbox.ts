// Writing to the outbox: the caller puts the returned insert into the same `db.batch([...])` as the
// state change it records, so either both happen or neither does.
import { and, eq } from "drizzle-orm";
import { inArray } from "../../db/in-list.ts";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { chainOutbox } from "../../db/schema/chain.ts";
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
  const rows = await db.select({ state: chainOutbox.state }).from(chainOutbox);
  const out: Record<string, number> = { pending: 0, signed: 0, committed: 0, failed: 0 };
  for (const r of rows) out[r.state] = (out[r.state] ?? 0) + 1;
  return out;
}
