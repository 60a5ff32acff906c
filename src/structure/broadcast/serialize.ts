// Waldur's BroadcastMessage rendering. `emails` is read from the users table at render time (the
// message row keeps user ids only), so it shows the recipients' current addresses.
import { eq } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { inArray } from "../../db/in-list.ts";
import { broadcastMessages, users } from "../../db/schema/index.ts";
import { fullName } from "../users.ts";

export type BroadcastMessage = typeof broadcastMessages.$inferSelect;

export async function serializeMessages(db: Db, rows: BroadcastMessage[]) {
  const authorIds = [...new Set(rows.map((r) => r.authorId).filter((x): x is number => x !== null))];
  const recipientIds = [...new Set(rows.flatMap((r) => r.recipientIds))];
  const people = new Map<number, { email: string; name: string }>();
  const ids = [...new Set([...authorIds, ...recipientIds])];
  if (ids.length) {
    const found = await db
      .select({ id: users.id, email: users.email, firstName: users.firstName, lastName: users.lastName, username: users.username })
      .from(users)
      .where(inArray(users.id, ids))
      .all();
    for (const u of found) people.set(u.id, { email: u.email, name: fullName(u) });
  }
  return rows.map((m) => ({
    uuid: m.uuid,
    created: m.created,
    subject: m.subject,
    body: m.body,
    query: m.query,
    author_full_name: m.authorId === null ? "" : (people.get(m.authorId)?.name ?? ""),
    emails: m.recipientIds.map((id) => people.get(id)?.email).filter((e): e is string => !!e),
    state: m.state,
    send_at: m.sendAt,
    sent_at: m.sentAt,
    recipient_count: m.recipientIds.length,
    sent_count: m.sentCount,
    failed_count: m.failedCount,
  }));
}

export async function serializeMessage(db: Db, row: BroadcastMessage) {
  return (await serializeMessages(db, [row]))[0]!;
}

export const messageByUuid = (db: Db, uuid: string) => db.select().from(broadcastMessages).where(eq(broadcastMessages.uuid, uuid)).get();
