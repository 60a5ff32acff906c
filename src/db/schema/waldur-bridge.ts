// The Waldur bridge: connections from a local provider organization to a remote Waldur, the
// offerings imported through them, and per-connection sync cursors. The remote API token is
// sealed with the executor key (src/secrets/sealed-json.ts, the connection uuid as associated
// data); D1 never holds it in clear.
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ids, timestamps } from "./common.ts";
import { categories, offerings } from "./marketplace.ts";
import { customers, users } from "./structure.ts";

export type WaldurConnectionStatus = "OK" | "Erred";

export const waldurConnections = sqliteTable(
  "waldur_connections",
  {
    ...ids(),
    /** The local provider organization the imported offerings belong to. */
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id),
    createdById: integer("created_by_id").references(() => users.id),
    name: text("name").notNull(),
    apiUrl: text("api_url").notNull(),
    tokenSealed: text("token_sealed").notNull(),
    remoteCustomerUuid: text("remote_customer_uuid").notNull(),
    remoteCustomerName: text("remote_customer_name").notNull().default(""),
    remoteUsername: text("remote_username").notNull().default(""),
    remoteVersion: text("remote_version").notNull().default(""),
    /** Local category for offerings imported without one. */
    categoryId: integer("category_id").references(() => categories.id),
    status: text("status").$type<WaldurConnectionStatus>().notNull().default("OK"),
    lastError: text("last_error").notNull().default(""),
    lastErrorAt: text("last_error_at"),
    lastCheck: text("last_check"),
    lastSync: text("last_sync"),
    ...timestamps(),
  },
  (t) => [
    index("waldur_connections_customer").on(t.customerId),
    uniqueIndex("waldur_connections_remote").on(t.customerId, t.apiUrl, t.remoteCustomerUuid),
  ],
);

export const waldurImportedOfferings = sqliteTable(
  "waldur_imported_offerings",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    connectionId: integer("connection_id")
      .notNull()
      .references(() => waldurConnections.id, { onDelete: "cascade" }),
    offeringId: integer("offering_id")
      .notNull()
      .references(() => offerings.id, { onDelete: "cascade" }),
    remoteUuid: text("remote_uuid").notNull(),
    /** Fingerprint of the remote offering as last applied: an unchanged remote writes nothing. */
    remoteDigest: text("remote_digest").notNull().default(""),
    lastSync: text("last_sync").notNull(),
  },
  (t) => [uniqueIndex("waldur_imported_remote").on(t.connectionId, t.remoteUuid), uniqueIndex("waldur_imported_offering").on(t.offeringId)],
);

/** Per-connection sync cursors, e.g. kind "offerings" = the remote `modified` watermark of the last complete pass. */
export const waldurSyncCursors = sqliteTable(
  "waldur_sync_cursors",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    connectionId: integer("connection_id")
      .notNull()
      .references(() => waldurConnections.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    cursor: text("cursor").notNull(),
    modified: text("modified").notNull(),
  },
  (t) => [uniqueIndex("waldur_sync_cursors_kind").on(t.connectionId, t.kind)],
);
