// Keeping imported offerings and mirrored resources in step with each connection's remote Waldur,
// on the cron and on demand. Each pass asks only for what changed since the connection's cursor
// (Waldur's `modified` filter), fetches every page before writing, and advances the cursor only
// after a complete pass: a remote that goes down mid-way loses nothing, the next pass catches up.
import { and, eq, inArray as drizzleInArray, notInArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "../../app-env.ts";
import { inArray } from "../../db/in-list.ts";
import { offerings, resources, waldurConnections, waldurImportedOfferings, waldurSyncCursors } from "../../db/schema/index.ts";
import { nowIso } from "../../http/ids.ts";
import type { SecretEnv } from "../../secrets/sealed-json.ts";
import type { WaldurClient } from "./client.ts";
import { type ClientTuning, clientFor, openToken, recordRemoteError, recordRemoteOk, type WaldurConnection } from "./connection.ts";
import { applyRemoteOfferings, fetchRemoteOfferings } from "./offerings.ts";
import { parseRemote, type RemoteResource, resourceSchema } from "./remote.ts";

/** Cursors trail the pass start by this much: clock skew between us and the remote must not hide a change. */
const CURSOR_MARGIN_MS = 5 * 60_000;

export type CursorKind = "offerings" | "resources";

export async function readCursor(db: Db, connectionId: number, kind: CursorKind): Promise<string | undefined> {
  const row = await db
    .select({ cursor: waldurSyncCursors.cursor })
    .from(waldurSyncCursors)
    .where(and(eq(waldurSyncCursors.connectionId, connectionId), eq(waldurSyncCursors.kind, kind)))
    .get();
  return row?.cursor;
}

async function writeCursor(db: Db, connectionId: number, kind: CursorKind, passStart: number): Promise<void> {
  const cursor = new Date(passStart - CURSOR_MARGIN_MS).toISOString();
  await db
    .insert(waldurSyncCursors)
    .values({ connectionId, kind, cursor, modified: nowIso() })
    .onConflictDoUpdate({ target: [waldurSyncCursors.connectionId, waldurSyncCursors.kind], set: { cursor, modified: nowIso() } });
}

export interface SyncRun {
  ok: boolean;
  offeringsUpdated: number;
  offeringsUnchanged: number;
  offeringsArchived: number;
  resourcesMirrored: number;
  errors: string[];
}

export interface SyncOptions {
  /** Ignore the cursors: fetch everything (and archive imported offerings the remote no longer lists). */
  full?: boolean;
  /** What to sync: both (the cron), only the imported offerings, or only the mirrored resources. */
  scope?: SyncScope;
  tuning?: ClientTuning;
}

export const SYNC_SCOPES = ["all", "offerings", "resources"] as const;
export type SyncScope = (typeof SYNC_SCOPES)[number];

export async function syncConnection(db: Db, env: SecretEnv, conn: WaldurConnection, opts: SyncOptions = {}): Promise<SyncRun> {
  const run: SyncRun = { ok: true, offeringsUpdated: 0, offeringsUnchanged: 0, offeringsArchived: 0, resourcesMirrored: 0, errors: [] };
  let token: string;
  try {
    token = await openToken(env, conn);
  } catch (e) {
    const message = `the sealed token does not open: ${(e as Error).message}`;
    await recordRemoteError(db, conn.id, message);
    return { ...run, ok: false, errors: [message] };
  }
  const client = clientFor(conn.apiUrl, token, opts.tuning);
  const passStart = Date.now();

  const scope = opts.scope ?? "all";
  if (scope !== "resources") {
    const since = opts.full ? undefined : await readCursor(db, conn.id, "offerings");
    const fetched = await fetchRemoteOfferings(client, conn.remoteCustomerUuid, since);
    if (!fetched.ok) {
      const message = `listing offerings: ${fetched.status ? `HTTP ${fetched.status}: ` : ""}${fetched.message}`;
      await recordRemoteError(db, conn.id, message);
      return { ...run, ok: false, errors: [message] };
    }
    for (const bad of fetched.invalid) run.errors.push(`offering ${bad.uuid}: ${bad.message}`);
    const applied = await applyRemoteOfferings(db, env, conn, token, fetched.offerings, null);
    run.offeringsUpdated = applied.updated.length;
    run.offeringsUnchanged = applied.unchanged;
    if (since === undefined) run.offeringsArchived = await archiveVanished(db, conn, fetched.offerings.map((o) => o.uuid).concat(fetched.invalid.map((b) => b.uuid)));
    await writeCursor(db, conn.id, "offerings", passStart);
  }

  if (scope !== "offerings") {
    const mirrored = await mirrorResources(db, conn, client, opts.full ? undefined : await readCursor(db, conn.id, "resources"));
    if (!mirrored.ok) {
      const message = `listing resources: ${mirrored.message}`;
      await recordRemoteError(db, conn.id, message);
      return { ...run, ok: false, errors: [...run.errors, message] };
    }
    run.resourcesMirrored = mirrored.count;
    await writeCursor(db, conn.id, "resources", passStart);
  }

  if (run.errors.length) await recordRemoteError(db, conn.id, run.errors.join("; "));
  else await recordRemoteOk(db, conn.id, { lastSync: nowIso() });
  if (run.errors.length) await db.update(waldurConnections).set({ lastSync: nowIso() }).where(eq(waldurConnections.id, conn.id));
  return run;
}

/** Imported offerings the remote stopped listing (deleted there) are archived here, never deleted: resources point at them. */
async function archiveVanished(db: Db, conn: WaldurConnection, listed: string[]): Promise<number> {
  const vanished = await db
    .select({ offeringId: waldurImportedOfferings.offeringId })
    .from(waldurImportedOfferings)
    .where(and(eq(waldurImportedOfferings.connectionId, conn.id), listed.length ? notInList(listed) : undefined))
    .all();
  if (!vanished.length) return 0;
  const ids = vanished.map((v) => v.offeringId);
  const r = await db
    .update(offerings)
    .set({ state: "Archived", modified: nowIso() })
    .where(and(inArray(offerings.id, ids), drizzleInArray(offerings.state, ["Draft", "Active", "Paused", "Unavailable"])))
    .returning({ id: offerings.id });
  return r.length;
}

/** notInArray with many values would exceed D1's 100 bound parameters: one JSON parameter instead (as src/db/in-list.ts). */
function notInList(listed: string[]) {
  return listed.length > 20
    ? sql`${waldurImportedOfferings.remoteUuid} not in (select value from json_each(${JSON.stringify(listed)}))`
    : notInArray(waldurImportedOfferings.remoteUuid, listed);
}

const MIRRORED_LOCAL_STATES = ["OK", "Erred"] as const;

/** Local state for a remote one, for resources not in the middle of a local order; null = leave as is. */
function mirroredState(r: RemoteResource): { state: "OK" | "Erred"; errorMessage: string } | null {
  if (r.state === "OK") return { state: "OK", errorMessage: "" };
  if (r.state === "Erred") return { state: "Erred", errorMessage: r.error_message || "erred on the remote Waldur" };
  if (r.state === "Terminated") return { state: "Erred", errorMessage: "terminated on the remote Waldur" };
  return null;
}

/** Metadata shown on the local resource: our bridge keys plus the remote's own backend id and metadata. */
export function mirroredMetadata(local: Record<string, unknown>, r: RemoteResource): Record<string, unknown> {
  return {
    ...local,
    remote_resource_uuid: r.uuid,
    remote_state: r.state,
    remote_backend_id: r.backend_id ?? "",
    remote_backend_metadata: r.backend_metadata ?? {},
  };
}

/** Remote resources of the connection's organization changed since the cursor, mirrored onto the local ones that point at them. */
export async function mirrorResources(db: Db, conn: WaldurConnection, client: WaldurClient, since?: string): Promise<{ ok: true; count: number } | { ok: false; message: string }> {
  const query: Record<string, string> = { customer_uuid: conn.remoteCustomerUuid };
  if (since) query.modified = since;
  const listed = await client.listAll<unknown>("/api/marketplace-resources/", query);
  if (!listed.ok) return { ok: false, message: `${listed.status ? `HTTP ${listed.status}: ` : ""}${listed.message}` };
  const remote = new Map<string, RemoteResource>();
  for (const raw of listed.value) {
    const p = parseRemote(resourceSchema, raw, "resource");
    if (p.ok) remote.set(p.value.uuid, p.value);
  }
  if (!remote.size) return { ok: true, count: 0 };
  const offeringIds = db.select({ id: waldurImportedOfferings.offeringId }).from(waldurImportedOfferings).where(eq(waldurImportedOfferings.connectionId, conn.id));
  const keys = [...remote.keys()];
  let count = 0;
  const now = nowIso();
  for (let i = 0; i < keys.length; i += 300) {
    const local = await db
      .select()
      .from(resources)
      .where(and(inArray(resources.backendId, keys.slice(i, i + 300)), drizzleInArray(resources.offeringId, offeringIds)))
      .all();
    const stmts: BatchItem<"sqlite">[] = [];
    for (const l of local) {
      const r = remote.get(l.backendId)!;
      const set: Partial<typeof resources.$inferInsert> = {
        backendMetadata: mirroredMetadata(l.backendMetadata, r),
        endDate: r.end_date ? r.end_date.slice(0, 10) : null,
        lastSync: now,
      };
      if (r.limits && Object.keys(r.limits).length && !["Creating", "Updating"].includes(l.state)) set.limits = r.limits;
      const st = mirroredState(r);
      if (st && (MIRRORED_LOCAL_STATES as readonly string[]).includes(l.state)) {
        set.state = st.state;
        set.errorMessage = st.errorMessage;
      }
      stmts.push(db.update(resources).set(set).where(eq(resources.id, l.id)));
      count++;
    }
    if (stmts.length) await db.batch(stmts as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
  }
  return { ok: true, count };
}

/** The cron's pass over every connection; one failing remote does not stop the others. */
export async function syncAllConnections(db: Db, env: SecretEnv): Promise<{ connections: number; failed: number }> {
  const all = await db.select().from(waldurConnections).all();
  let failed = 0;
  for (const conn of all) {
    try {
      const r = await syncConnection(db, env, conn);
      if (!r.ok) failed++;
    } catch (e) {
      failed++;
      await recordRemoteError(db, conn.id, `sync failed: ${(e as Error).message}`);
    }
  }
  return { connections: all.length, failed };
}
