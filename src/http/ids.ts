import { notFound } from "./errors.ts";

/** Waldur renders UUIDs as 32 lowercase hex characters without dashes. */
export function newUuid(): string {
  return crypto.randomUUID().replaceAll("-", "");
}

const HEX32 = /^[0-9a-f]{32}$/;

/** Accepts hex or dashed form (Django's UUID parsing); null when it is not a UUID at all. */
export function parseUuid(value: string): string | null {
  const v = value.trim().toLowerCase().replaceAll("-", "");
  return HEX32.test(v) ? v : null;
}

/** A UUID from a URL path segment: anything else cannot name an object, so 404. */
export function pathUuid(value: string | undefined): string {
  const u = value === undefined ? null : parseUuid(value);
  if (!u) throw notFound();
  return u;
}

/** ISO-8601 UTC timestamp for created/modified fields. */
export const nowIso = (): string => new Date().toISOString();

export function slugify(text: string): string {
  const s = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return s || "item";
}

/** A slug unique enough without a read: the base plus 5 hex characters. */
export function uniqueSlug(text: string): string {
  return `${slugify(text)}-${newUuid().slice(0, 5)}`;
}
