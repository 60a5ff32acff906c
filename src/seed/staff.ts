// The staff account every deployment starts with. Credentials come from VE_ADMIN_USERNAME /
// VE_ADMIN_PASSWORD; the local defaults exist only in local mode and are refused elsewhere.
import { eq } from "drizzle-orm";
import type { Db } from "../app-env.ts";
import { hashPassword } from "../auth/password.ts";
import { users } from "../db/schema/index.ts";
import { createUser } from "../structure/users.ts";

export const LOCAL_DEFAULT_ADMIN = { username: "admin", password: "virtengine-local-admin" } as const;

export type StaffCredentials = { username: string; password: string; usedDefaults: boolean };

export function staffCredentials(env: {
  VE_MODE?: string;
  VE_ADMIN_USERNAME?: string;
  VE_ADMIN_PASSWORD?: string;
}): StaffCredentials | { error: string } {
  const username = env.VE_ADMIN_USERNAME?.trim();
  const password = env.VE_ADMIN_PASSWORD;
  if (username && password) {
    if (env.VE_MODE !== "local" && password === LOCAL_DEFAULT_ADMIN.password) {
      return { error: "VE_ADMIN_PASSWORD is the published local default; choose another outside local mode" };
    }
    return { username, password, usedDefaults: false };
  }
  if (env.VE_MODE !== "local") {
    return { error: "VE_ADMIN_USERNAME and VE_ADMIN_PASSWORD must be set outside local mode" };
  }
  return { ...LOCAL_DEFAULT_ADMIN, usedDefaults: true };
}

/** Creates the staff user, or resets its password and privileges when it exists. */
export async function ensureStaff(db: Db, creds: { username: string; password: string }) {
  const existing = await db.select().from(users).where(eq(users.username, creds.username)).get();
  if (existing) {
    return db
      .update(users)
      .set({ passwordHash: await hashPassword(creds.password), isStaff: true, isActive: true, failedLogins: 0, lockedUntil: null })
      .where(eq(users.id, existing.id))
      .returning()
      .get();
  }
  return createUser(db, {
    username: creds.username,
    password: creds.password,
    isStaff: true,
    firstName: "VirtEngine",
    lastName: "Administrator",
    email: `${creds.username}@virtengine.local`,
    registrationMethod: "seed",
  });
}
