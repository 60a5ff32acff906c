// Regenerates the drizzle migration from the schema. Until the first deployment the generated
// migration is kept squashed as 0000_init (removed and generated again); hand-written migrations
// (triggers drizzle cannot express) live beside it as 0000_zz_*.sql and are kept.
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
rmSync(path.join(ROOT, "migrations", "0000_init.sql"), { force: true });
rmSync(path.join(ROOT, "migrations", "meta"), { recursive: true, force: true });
execFileSync(path.join(ROOT, "node_modules/.bin/drizzle-kit"), ["generate", "--name", "init"], { cwd: ROOT, stdio: "inherit" });
