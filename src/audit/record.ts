// The audit trail: every successful change through the API leaves one event naming the action,
// the acting user and the objects in the path. Request bodies are never recorded (they may hold
// secrets or personal data); the event says what was done, not with what.
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env.ts";
import { events } from "../db/schema/index.ts";
import { newUuid, nowIso } from "../http/ids.ts";

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const UUID_SEGMENT = /^[0-9a-f]{32}$|^[0-9a-f-]{36}$/i;

const VERBS: Record<string, string> = { POST: "create", PUT: "update", PATCH: "update", DELETE: "delete" };

/** "/api/marketplace-orders/<uuid>/approve_by_provider/" -> "marketplace_orders_approve_by_provider". */
export function eventTypeOf(method: string, path: string): { type: string; objects: Record<string, string> } {
  const parts = path.split("/").filter((s) => s && s !== "api");
  const objects: Record<string, string> = {};
  const words: string[] = [];
  for (const p of parts) {
    if (UUID_SEGMENT.test(p)) objects[`${words[words.length - 1] ?? "object"}_uuid`] = p.replaceAll("-", "").toLowerCase();
    else words.push(p.replace(/-/g, "_"));
  }
  const last = parts[parts.length - 1] ?? "";
  const isAction = Object.keys(objects).length > 0 && !UUID_SEGMENT.test(last);
  return { type: isAction ? words.join("_") : `${words.join("_")}_${VERBS[method] ?? method.toLowerCase()}`, objects };
}

export const recordAudit: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  if (!MUTATING.has(c.req.method) || c.res.status >= 400) return;
  const { type, objects } = eventTypeOf(c.req.method, new URL(c.req.url).pathname);
  // For creates the new object's uuid is in the response, not the path.
  if (c.res.status === 201 && c.res.headers.get("content-type")?.includes("json")) {
    const created = (await c.res.clone().json().catch(() => null)) as { uuid?: unknown } | null;
    if (typeof created?.uuid === "string") objects.object_uuid = created.uuid;
  }
  const actor = c.var.user;
  // Written before the response is released, so a client that reads the trail next sees it.
  await c.var.db.insert(events).values({
    uuid: newUuid(),
    eventType: type,
    message: `${actor?.username ?? "anonymous"} ${type.replace(/_/g, " ")}`,
    actorId: actor?.id ?? null,
    context: objects,
    created: nowIso(),
  });
};
