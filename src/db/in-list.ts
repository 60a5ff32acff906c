// `inArray` for D1: D1 binds at most 100 parameters per statement, so a list longer than a few
// dozen values (a 300-row page's ids, a long ?uuid= filter) goes in as ONE JSON parameter read by
// json_each. Short lists and subqueries stay as drizzle renders them.
import { type Column, inArray as drizzleInArray, type SQL, type SQLWrapper, sql } from "drizzle-orm";

const MAX_INLINE = 20;

export const inArray = ((column: Column | SQL.Aliased, values: readonly unknown[] | SQLWrapper): SQL => {
  if (!Array.isArray(values) || values.length <= MAX_INLINE) return drizzleInArray(column as Column, values as never);
  return sql`${column} in (select value from json_each(${JSON.stringify(values)}))`;
}) as typeof drizzleInArray;
