// Support and provider tooling: staff broadcast messages and offering screenshots.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ids, json, timestamps } from "./common.ts";
import { offerings } from "./marketplace.ts";

export type BroadcastState = "DRAFT" | "SCHEDULED" | "SENT";

/** Waldur's BroadcastMessage query: uuids of the objects named, plus role names. */
export interface BroadcastQuery {
  all_users?: boolean;
  customers?: string[];
  projects?: string[];
  offerings?: string[];
  customer_roles?: string[];
  project_roles?: string[];
}

export const broadcastMessages = sqliteTable(
  "broadcast_messages",
  {
    ...ids(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    query: json<BroadcastQuery>("query").notNull().default({}),
    authorId: integer("author_id"),
    state: text("state").$type<BroadcastState>().notNull().default("DRAFT"),
    sendAt: text("send_at"),
    /**
     * Who it went to, by user id: the addresses stay in the users table (read when shown), never
     * copied here, so a changed or erased address is not kept by an old message.
     */
    recipientIds: json<number[]>("recipient_ids").notNull().default([]),
    sentCount: integer("sent_count").notNull().default(0),
    failedCount: integer("failed_count").notNull().default(0),
    sentAt: text("sent_at"),
    ...timestamps(),
  },
  (t) => [index("broadcast_messages_created").on(t.created)],
);

export const offeringScreenshots = sqliteTable(
  "offering_screenshots",
  {
    ...ids(),
    offeringId: integer("offering_id")
      .notNull()
      .references(() => offerings.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    /** R2 object key of the image bytes. */
    objectKey: text("object_key").notNull(),
    contentType: text("content_type").notNull(),
    size: integer("size").notNull(),
    sha256: text("sha256").notNull(),
    ...timestamps(),
  },
  (t) => [index("offering_screenshots_offering").on(t.offeringId)],
);
