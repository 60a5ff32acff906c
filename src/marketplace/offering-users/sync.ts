// Offering users appear for every member of a project that uses an offering whose provider lets
// the marketplace create them (plugin_options.service_provider_can_create_offering_user).
import { and, eq, ne } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { offeringUsers, offerings, resources, roleGrants, users } from "../../db/schema/index.ts";
import { newUuid, nowIso } from "../../http/ids.ts";
import { usernameFor } from "./usernames.ts";

export async function ensureOfferingUsers(db: Db, offeringId: number, projectId: number): Promise<void> {
  const offering = await db.select().from(offerings).where(eq(offerings.id, offeringId)).get();
  if (offering?.pluginOptions.service_provider_can_create_offering_user !== true) return;
  const members = await db
    .select({ u: users })
    .from(roleGrants)
    .innerJoin(users, eq(users.id, roleGrants.userId))
    .where(and(eq(roleGrants.scopeType, "project"), eq(roleGrants.scopeId, projectId)))
    .all();
  const now = nowIso();
  for (const { u } of members) {
    const username = usernameFor(offering.pluginOptions.username_generation_policy, u);
    await db
      .insert(offeringUsers)
      .values({
        uuid: newUuid(),
        offeringId,
        userId: u.id,
        username: username ?? "",
        state: username ? "OK" : "Requested",
        created: now,
        modified: now,
      })
      .onConflictDoNothing();
  }
}

/** After a project role is granted: offering users for the offerings the project already uses. */
export async function ensureForProject(db: Db, projectId: number): Promise<void> {
  const used = await db
    .selectDistinct({ id: resources.offeringId })
    .from(resources)
    .where(and(eq(resources.projectId, projectId), ne(resources.state, "Terminated")))
    .all();
  for (const o of used) await ensureOfferingUsers(db, o.id, projectId);
}


