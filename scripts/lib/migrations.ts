// Applies the versioned SQL migrations in migrations/ in order, recording them in d1_migrations
// (the same bookkeeping table `wrangler d1 migrations apply` uses), so either tool can follow the other.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { D1Database } from "@cloudflare/workers-types";
import { ROOT } from "./build-worker.ts";

export const MIGRATIONS_DIR = path.join(ROOT, "migrations");

export function listMigrations(dir = MIGRATIONS_DIR): { name: string; statements: string[] }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((name) => ({
      name,
      statements: readFileSync(path.join(dir, name), "utf8")
        .split("--> statement-breakpoint")
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    }));
}

export async function applyMigrations(db: D1Database, dir = MIGRATIONS_DIR): Promise<string[]> {
  await db
    .prepare(
      "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    )
    .run();
  const done = new Set(
    (await db.prepare("SELECT name FROM d1_migrations").all<{ name: string }>()).results.map((r) => r.name),
  );
  const applied: string[] = [];
  for (const m of listMigrations(dir)) {
    if (done.has(m.name)) continue;
    await db.batch([
      ...m.statements.map((s) => db.prepare(s)),
      db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(m.name),
    ]);
    applied.push(m.name);
  }
  return applied;
}
