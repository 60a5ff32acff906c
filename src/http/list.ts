// Waldur list conventions: bare JSON arrays, page/page_size (max 300), X-Result-Count, RFC 5988
// Link header with first/prev/next/last, `o=` ordering, `field=` sparse fieldsets, HEAD counts.
import type { Context } from "hono";
import { asc, desc, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import { ApiError, fieldError } from "./errors.ts";
import { parseUuid } from "./ids.ts";

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 300;

export interface Page {
  page: number;
  size: number;
  offset: number;
}

export function pageOf(c: Context): Page {
  const rawSize = c.req.query("page_size");
  let size = DEFAULT_PAGE_SIZE;
  if (rawSize !== undefined && /^\d+$/.test(rawSize) && Number(rawSize) > 0) {
    size = Math.min(Number(rawSize), MAX_PAGE_SIZE);
  }
  const rawPage = c.req.query("page");
  let page = 1;
  if (rawPage !== undefined && rawPage !== "") {
    if (!/^\d+$/.test(rawPage) || Number(rawPage) < 1) throw new ApiError(404, { detail: "Invalid page." });
    page = Number(rawPage);
  }
  const offset = (page - 1) * size;
  // A page this far out is past any table, and its offset would reach SQLite as a non-integer (500).
  if (!Number.isSafeInteger(offset)) throw new ApiError(404, { detail: "Invalid page." });
  return { page, size, offset };
}

function pageUrl(c: Context, page: number | null): string {
  const url = new URL(c.req.url);
  const proto = c.req.header("x-forwarded-proto");
  if (proto) url.protocol = `${proto.split(",")[0]!.trim()}:`;
  if (page === null || page === 1) url.searchParams.delete("page");
  else url.searchParams.set("page", String(page));
  return url.toString();
}

/** Sets X-Result-Count and Link, and returns the body: the bare array, filtered by `field=`. */
export function paginated<T extends Record<string, unknown>>(c: Context, p: Page, total: number, items: T[]) {
  const last = Math.max(1, Math.ceil(total / p.size));
  if (p.page > last) throw new ApiError(404, { detail: "Invalid page." });
  const rels: string[] = [`<${pageUrl(c, null)}>; rel="first"`];
  if (p.page > 1) rels.push(`<${pageUrl(c, p.page - 1)}>; rel="prev"`);
  if (p.page < last) rels.push(`<${pageUrl(c, p.page + 1)}>; rel="next"`);
  rels.push(`<${pageUrl(c, last)}>; rel="last"`);
  c.header("X-Result-Count", String(total));
  c.header("Link", rels.join(", "));
  c.header("Access-Control-Expose-Headers", "Link, X-Result-Count");
  return c.json(items.map((i) => sparse(c, i)));
}

/** `field=a&field=b`: only those keys (unknown names ignored). */
export function sparse<T extends Record<string, unknown>>(c: Context, obj: T): Partial<T> {
  const fields = c.req.queries("field");
  if (!fields || fields.length === 0) return obj;
  const wanted = new Set(fields.flatMap((f) => f.split(",")));
  const out: Partial<T> = {};
  for (const k of Object.keys(obj) as (keyof T)[]) if (wanted.has(k as string)) out[k] = obj[k];
  return out;
}

/** All values of a multi-valued filter: repeated params and comma-separated lists. */
export function qAll(c: Context, name: string): string[] {
  return (c.req.queries(name) ?? []).flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
}

export function qOne(c: Context, name: string): string | undefined {
  const s = c.req.query(name);
  return s === undefined || s === "" ? undefined : s;
}

/** UUID filters: a malformed value is a 400 naming the filter, as django-filter does. */
export function qUuids(c: Context, name: string): string[] {
  return qAll(c, name).map((s) => {
    const u = parseUuid(s);
    if (!u) throw fieldError(name, `“${s}” is not a valid UUID.`);
    return u;
  });
}

export function qUuid(c: Context, name: string): string | undefined {
  return qUuids(c, name)[0];
}

export function qBool(c: Context, name: string): boolean | undefined {
  const s = qOne(c, name);
  if (s === undefined) return undefined;
  if (["true", "True", "1"].includes(s)) return true;
  if (["false", "False", "0"].includes(s)) return false;
  throw fieldError(name, "Select a valid choice. That choice is not one of the available choices.");
}

/** Values of an enum filter; an unknown value is a 400 like django-filter's ChoiceFilter. */
export function qChoices(c: Context, name: string, allowed: readonly string[]): string[] {
  const vals = qAll(c, name);
  for (const s of vals) {
    if (!allowed.includes(s)) {
      throw fieldError(name, `Select a valid choice. ${s} is not one of the available choices.`);
    }
  }
  return vals;
}

/** `o=name` / `o=-name`: map of public ordering names to columns; unknown names are ignored. */
export function ordering(
  c: Context,
  columns: Record<string, SQLiteColumn | SQL>,
  fallback: (SQLiteColumn | SQL)[],
): (SQLiteColumn | SQL)[] {
  const out: (SQLiteColumn | SQL)[] = [];
  for (const raw of qAll(c, "o")) {
    const descending = raw.startsWith("-");
    const col = columns[descending ? raw.slice(1) : raw];
    if (col) out.push(descending ? desc(col) : asc(col));
  }
  return out.length > 0 ? [...out, ...fallback] : fallback;
}
