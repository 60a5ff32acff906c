// Regenerates the SQL migrations from the drizzle schema (drizzle-kit generate).
import { execFileSync } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
execFileSync(path.join(ROOT, "node_modules/.bin/drizzle-kit"), ["generate", ...process.argv.slice(2)], {
  cwd: ROOT,
  stdio: "inherit",
});
