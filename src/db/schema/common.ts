import { integer, text } from "drizzle-orm/sqlite-core";

/** Builders are mutable, so each table gets fresh ones. Every public object has an integer key for joins and a 32-hex uuid for URLs (Waldur's rendering). */
export const ids = () => ({
  id: integer("id").primaryKey({ autoIncrement: true }),
  uuid: text("uuid").notNull().unique(),
});

/** ISO-8601 UTC timestamps as text: sortable, and rendered as-is by the API. */
export const timestamps = () => ({
  created: text("created").notNull(),
  modified: text("modified").notNull(),
});

export const json = <T>(name: string) => text(name, { mode: "json" }).$type<T>();
export const bool = (name: string) => integer(name, { mode: "boolean" });
