// Audit events (Waldur's /api/events/). Details that may be sensitive are kept out: only types,
// the acting user and the public object references.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ids, json } from "./common.ts";

export const events = sqliteTable(
  "events",
  {
    ...ids(),
    eventType: text("event_type").notNull(),
    message: text("message").notNull(),
    actorId: integer("actor_id"),
    customerId: integer("customer_id"),
    projectId: integer("project_id"),
    context: json<Record<string, string>>("context").notNull().default({}),
    created: text("created").notNull(),
  },
  (t) => [index("events_created").on(t.created)],
);
