// Hyperlinks: Waldur's relations are absolute URLs built from the request host, and inputs are
// resolved by path (the host is ignored), exactly as DRF's HyperlinkedRelatedField does.
import type { Context } from "hono";
import * as v from "valibot";
import { parseUuid } from "./ids.ts";

export type LinkKind =
  | "users"
  | "customers"
  | "projects"
  | "keys"
  | "marketplace-categories"
  | "marketplace-public-offerings"
  | "marketplace-provider-offerings"
  | "marketplace-plans"
  | "marketplace-orders"
  | "marketplace-resources"
  | "marketplace-provider-resources"
  | "marketplace-service-providers"
  | "marketplace-offering-users"
  | "marketplace-component-usages"
  | "marketplace-site-agent-identities"
  | "marketplace-site-agent-services"
  | "marketplace-site-agent-processors"
  | "slurm-jobs";

/** Absolute origin of the request, honouring a TLS-terminating proxy's X-Forwarded-Proto. */
export function origin(c: Context): string {
  const url = new URL(c.req.url);
  const proto = c.req.header("x-forwarded-proto");
  return `${proto ? proto.split(",")[0]!.trim() : url.protocol.replace(":", "")}://${url.host}`;
}

export class Links {
  constructor(readonly base: string) {}
  to(kind: LinkKind, uuid: string): string {
    return `${this.base}/api/${kind}/${uuid}/`;
  }
  publicPlan(offeringUuid: string, planUuid: string): string {
    return `${this.base}/api/marketplace-public-offerings/${offeringUuid}/plans/${planUuid}/`;
  }
}

export const linksFor = (c: Context) => new Links(origin(c));

export const INCORRECT_MATCH = "Invalid hyperlink - Incorrect URL match.";
export const NO_MATCH = "Invalid hyperlink - No URL match.";
export const DOES_NOT_EXIST = "Invalid hyperlink - Object does not exist.";

/** Resolves a hyperlink input to the uuid(s) it names, or an error message in DRF's words. */
export function parseLink(
  value: string,
  kind: LinkKind | "public-plan",
): { ok: true; uuid: string; parent?: string } | { ok: false; message: string } {
  let path: string;
  try {
    path = new URL(value, "http://placeholder.invalid").pathname;
  } catch {
    return { ok: false, message: NO_MATCH };
  }
  const m =
    kind === "public-plan"
      ? path.match(/^\/api\/marketplace-public-offerings\/([^/]+)\/plans\/([^/]+)\/?$/)
      : path.match(/^\/api\/([a-z-]+)\/([^/]+)\/?$/);
  if (!m) {
    return { ok: false, message: /^\/api\/[a-z-]+\/[^/]+\/?/.test(path) ? INCORRECT_MATCH : NO_MATCH };
  }
  if (kind === "public-plan") {
    const off = parseUuid(m[1]!);
    const plan = parseUuid(m[2]!);
    return off && plan ? { ok: true, uuid: plan, parent: off } : { ok: false, message: DOES_NOT_EXIST };
  }
  if (m[1] !== kind) return { ok: false, message: INCORRECT_MATCH };
  const uuid = parseUuid(m[2]!);
  return uuid ? { ok: true, uuid } : { ok: false, message: DOES_NOT_EXIST };
}

/** valibot field for a hyperlink of a given kind; output is the uuid (existence checked by the handler). */
export const hyperlink = (kind: LinkKind) =>
  v.pipe(
    v.string("Incorrect type. Expected URL string, received " + "non-string."),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      const r = parseLink(dataset.value, kind);
      if (!r.ok) {
        addIssue({ message: r.message });
        return NEVER;
      }
      return r.uuid;
    }),
  );

export const planHyperlink = () =>
  v.pipe(
    v.string("Incorrect type. Expected URL string."),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      // Provider plan URLs (/api/marketplace-plans/<uuid>/) are accepted too: clients use both.
      const pub = parseLink(dataset.value, "public-plan");
      if (pub.ok) return { plan: pub.uuid, offering: pub.parent ?? null };
      const prov = parseLink(dataset.value, "marketplace-plans");
      if (prov.ok) return { plan: prov.uuid, offering: null as string | null };
      addIssue({ message: pub.message === NO_MATCH ? prov.message : pub.message });
      return NEVER;
    }),
  );
