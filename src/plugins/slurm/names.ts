// SLURM account and user names: lower-case, [a-z0-9_], bounded; derived from the marketplace
// resource so a re-run after a crash computes the same name and finds what it made before.
import type { ResourceRef } from "../types.ts";

const clean = (s: string) => s.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");

/** `<prefix><slug>_<first 8 of the resource uuid>`: readable, unique per resource, ≤ 64 characters. */
export function accountName(prefix: string, r: Pick<ResourceRef, "slug" | "uuid">): string {
  const slug = clean(r.slug).slice(0, 40) || "resource";
  return `${prefix}${slug}_${r.uuid.slice(0, 8)}`;
}

/** Offering usernames are chosen by policy; SLURM accepts the same characters as POSIX names. */
export function isSlurmUserName(u: string): boolean {
  return /^[a-z_][a-z0-9_.-]{0,63}$/.test(u);
}
