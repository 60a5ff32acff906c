// Usernames of offering users: how a user is known on a provider's backend (SLURM account user,
// VM login). Waldur's username_generation_policy decides who names them.
import { and, eq } from "drizzle-orm";
import { inArray } from "../../db/in-list.ts";
import type { Db } from "../../app-env.ts";
import { offeringUsers, offerings, users } from "../../db/schema/index.ts";
import { nowIso } from "../../http/ids.ts";

type User = typeof users.$inferSelect;

/**
 * The username the server assigns under a policy, or null when the provider (its site agent)
 * must name the account itself ("service_provider").
 */
export function usernameFor(policy: unknown, user: User): string | null {
  switch (policy) {
    case "waldur_username":
    case undefined:
    case null:
      return user.username;
    case "full_name":
      return [user.firstName, user.lastName].filter(Boolean).join("_").toLowerCase().replace(/[^a-z0-9_]/g, "") || user.username;
    case "anonymized":
      return `user_${user.uuid.slice(0, 8)}`;
    default:
      return null;
  }
}

export async function setOfferingsUsername(db: Db, providerCustomerId: number, userUuid: string, username: string): Promise<number | null> {
  const user = await db.select().from(users).where(eq(users.uuid, userUuid)).get();
  if (!user) return null;
  const rows = await db
    .update(offeringUsers)
    .set({ username, state: "OK", modified: nowIso() })
    .where(
      and(
        eq(offeringUsers.userId, user.id),
        inArray(offeringUsers.offeringId, db.select({ id: offerings.id }).from(offerings).where(eq(offerings.customerId, providerCustomerId))),
      ),
    )
    .returning()
    .all();
  return rows.length;
}
