import { drizzle } from "drizzle-orm/d1";
import type { Db } from "../app-env.ts";
import type { Bindings } from "../env.ts";
import * as schema from "./schema/index.ts";

// Building a drizzle instance walks the whole schema; do it once per D1 binding, not per request.
const instances = new WeakMap<object, Db>();
export function dbFor(binding: Bindings["DB"]): Db {
  let db = instances.get(binding);
  if (!db) {
    db = drizzle(binding, { schema });
    instances.set(binding, db);
  }
  return db;
}
