import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { User } from "./auth/session.ts";
import type * as schema from "./db/schema/index.ts";
import type { Bindings } from "./env.ts";

export type Db = DrizzleD1Database<typeof schema>;

/** Hono environment shared by every route: bindings plus the per-request database and caller. */
export type AppEnv = {
  Bindings: Bindings;
  Variables: {
    db: Db;
    user: User | null;
    /** The presented API token (echoed by /api/users/me/ as Waldur does); never stored. */
    token: string | null;
  };
};
