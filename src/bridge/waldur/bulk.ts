// Many rows into one table with one statement: the rows travel as a single JSON parameter read by
// json_each (D1 binds at most 100 parameters, and each statement is a round trip). Used by the
// bridge's import, where a page of remote offerings becomes hundreds of rows in five tables.
// Row keys are the table's drizzle property names; objects and arrays land as JSON text (the
// json-mode columns), booleans as 0/1. Keys that are not columns ride along for `derived`
// expressions, e.g. an offering id looked up by the offering uuid carried in the row.
import type { D1Database } from "@cloudflare/workers-types";
import { getTableColumns, type SQL, sql } from "drizzle-orm";
import { SQLiteAsyncDialect, type SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "../../app-env.ts";

const dialect = new SQLiteAsyncDialect();

/** json_extract of one key of the current json_each row (keys are our own identifiers, never input). */
export const field = (key: string): SQL => sql.raw(`json_extract(value, '$.${key.replace(/[^A-Za-z0-9_]/g, "")}')`);

export function bulkInsert(table: SQLiteTable, rows: Record<string, unknown>[], derived: Record<string, SQL> = {}): SQL {
  const cols = getTableColumns(table) as Record<string, { name: string }>;
  const keys = [...new Set([...rows.flatMap((r) => Object.keys(r)), ...Object.keys(derived)])].filter((k) => k in cols);
  const names = keys.map((k) => sql.identifier(cols[k]!.name));
  const values = keys.map((k) => derived[k] ?? field(k));
  return sql`INSERT INTO ${table} (${sql.join(names, sql`, `)}) SELECT ${sql.join(values, sql`, `)} FROM json_each(${JSON.stringify(rows)})`;
}

/**
 * Runs raw statements as one D1 batch (one transaction). drizzle's own batch does not take raw
 * SQL on D1, so this goes to the binding underneath.
 */
export async function runBatch(db: Db, statements: SQL[]): Promise<void> {
  const client = (db as unknown as { $client: D1Database }).$client;
  await client.batch(
    statements.map((s) => {
      const q = dialect.sqlToQuery(s);
      return client.prepare(q.sql).bind(...q.params);
    }),
  );
}
