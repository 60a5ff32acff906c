// Waldur (Django REST framework) answers a known path asked with a verb it does not serve with 405
// and an Allow header; Hono only knows "no handler matched", which would read as 404 "no such
// resource". The app's not-found handler asks this index which verbs the path's routes serve.
//
// Matching goes through Hono's own trie router so `:uuid`, `:id{regex}` and `*` mean exactly what
// they mean for dispatch. Middleware registered with `use` (and `all`) is method "ALL" and serves no
// verb of its own, so it is left out.
import { TrieRouter } from "hono/router/trie-router";
import { ApiError, methodNotAllowed } from "./errors.ts";

export interface RouteLike {
  method: string;
  path: string;
}

interface Entry {
  method: string;
  /** Literal segments in the pattern: a path hit by both `/orders/recipients/` and `/orders/:uuid/` is the former's (as DRF's router lists detail=False actions first). */
  literals: number;
}

// DRF's http_method_names order. OPTIONS is not listed: this app does not answer it.
const ORDER = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];
const rank = (m: string) => (ORDER.includes(m) ? ORDER.indexOf(m) : ORDER.length);

const literalSegments = (pattern: string) => pattern.split("/").filter((s) => s !== "" && !s.includes(":") && !s.includes("*")).length;

/** The verbs the routes serve at `path` (Hono serves HEAD wherever GET is), in DRF's order; [] for an unknown path. */
export function allowedMethodsIndex(routes: readonly RouteLike[]): (path: string) => string[] {
  const router = new TrieRouter<Entry>();
  for (const r of routes) {
    if (r.method === "ALL") continue;
    // Every route is stored under "ALL" so one lookup returns the route of every verb at the path.
    router.add("ALL", r.path, { method: r.method.toUpperCase(), literals: literalSegments(r.path) });
  }
  return (path) => {
    const hits = router.match("GET", path)[0].map(([entry]) => entry);
    if (hits.length === 0) return [];
    const best = Math.max(...hits.map((h) => h.literals));
    const methods = new Set(hits.filter((h) => h.literals === best).map((h) => h.method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  };
}

/**
 * For the not-found handler: the 405 to answer when `path` is served but not with `method`, else
 * null (an unknown path stays 404). HEAD and OPTIONS are never turned into 405s, so their answers
 * stay what they were. The index is built on first use, when every route has been registered, and
 * kept.
 */
export function methodNotAllowedGuard(routes: () => readonly RouteLike[]): (method: string, path: string) => ApiError | null {
  let index: ((path: string) => string[]) | undefined;
  return (method, path) => {
    if (method === "HEAD" || method === "OPTIONS") return null;
    index ??= allowedMethodsIndex(routes());
    const allowed = index(path);
    if (allowed.length === 0 || allowed.includes(method)) return null;
    const refusal = methodNotAllowed(method);
    return new ApiError(405, refusal.body, { Allow: allowed.join(", ") });
  };
}
