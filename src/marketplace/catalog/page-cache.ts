// Rendered public catalog pages, kept in the isolate and reused until the catalog changes: the
// catalog_version counter (moved by triggers on every table a page shows) is read per request —
// one small query instead of a page of offerings with their plans and components.
import { sql } from "drizzle-orm";
import type { Db } from "../../app-env.ts";

interface Entry {
  version: number;
  body: string;
  /** The same body gzipped once, for clients that accept it (what a 300 KB page mostly costs is bytes). */
  gzip: Uint8Array;
  headers: Record<string, string>;
}

export async function gzip(text: string): Promise<Uint8Array> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const MAX_BYTES = 16 * 1024 * 1024;
const entries = new Map<string, Entry>();
let bytes = 0;

export async function catalogVersion(db: Db): Promise<number> {
  const row = await db.get<{ version: number }>(sql`SELECT version FROM catalog_version WHERE id = 1`);
  return row?.version ?? -1;
}

export function cached(key: string, version: number): Entry | undefined {
  const e = entries.get(key);
  if (!e || e.version !== version) return undefined;
  // Map order is insertion order: re-inserting marks the entry most recently used.
  entries.delete(key);
  entries.set(key, e);
  return e;
}

export function remember(key: string, entry: Entry) {
  const old = entries.get(key);
  if (old) {
    bytes -= old.body.length + old.gzip.length;
    entries.delete(key);
  }
  if (entry.body.length > MAX_BYTES / 4) return;
  entries.set(key, entry);
  bytes += entry.body.length + entry.gzip.length;
  for (const [k, e] of entries) {
    if (bytes <= MAX_BYTES) break;
    entries.delete(k);
    bytes -= e.body.length + e.gzip.length;
  }
}
