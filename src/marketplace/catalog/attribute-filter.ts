// Waldur's `attributes` offering filter: a JSON object of attribute key → wanted value. A list
// matches offerings whose attribute is, or contains, any of the listed strings (a multiple-choice
// facet); a scalar matches the attribute's exact value and JSON type. Keys and values are bound
// as parameters, never spliced into SQL; each key is quoted inside the JSON path.
import { type SQL, sql } from "drizzle-orm";
import { fieldError } from "../../http/errors.ts";
import { offerings } from "../../db/schema/index.ts";

const FIELD = "attributes";
const KEY = /^[A-Za-z0-9_.:-]{1,100}$/;
const MAX_KEYS = 20;
const MAX_CHOICES = 50;

type Wanted = string | number | boolean | string[];

/** Parses and checks the query value; any flaw is a 400 naming `attributes`. */
export function parseAttributeFilter(raw: string | undefined): Record<string, Wanted> {
  if (raw === undefined || raw === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw fieldError(FIELD, "Value must be valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw fieldError(FIELD, "Value must be a dict.");
  const entries = Object.entries(value);
  if (entries.length > MAX_KEYS) throw fieldError(FIELD, `Ensure this dict has no more than ${MAX_KEYS} keys.`);
  const out: Record<string, Wanted> = {};
  for (const [k, v] of entries) {
    if (!KEY.test(k)) throw fieldError(FIELD, `“${k}” is not a valid attribute key.`);
    if (Array.isArray(v)) {
      if (!v.length || v.length > MAX_CHOICES || !v.every((x) => typeof x === "string"))
        throw fieldError(FIELD, `“${k}” must be a list of 1 to ${MAX_CHOICES} strings.`);
      out[k] = v as string[];
    } else if (typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v))) {
      out[k] = v;
    } else {
      throw fieldError(FIELD, `“${k}” must be a string, number, boolean or list of strings.`);
    }
  }
  return out;
}

/** One SQL condition per key, all of which must hold. */
export function attributeConditions(wanted: Record<string, Wanted>): SQL[] {
  return Object.entries(wanted).map(([k, v]) => {
    const path = `$."${k}"`;
    const col = offerings.attributes;
    if (Array.isArray(v)) {
      // json_each over a scalar yields that one value, so a single-valued attribute matches too.
      return sql`exists (select 1 from json_each(${col}, ${path}) where type = 'text' and value in (select value from json_each(${JSON.stringify(v)})))`;
    }
    if (typeof v === "boolean") return sql`json_type(${col}, ${path}) = ${v ? "true" : "false"}`;
    if (typeof v === "number") return sql`(json_type(${col}, ${path}) in ('integer', 'real') and json_extract(${col}, ${path}) = ${v})`;
    return sql`(json_type(${col}, ${path}) = 'text' and json_extract(${col}, ${path}) = ${v})`;
  });
}
