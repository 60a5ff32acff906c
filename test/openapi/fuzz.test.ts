// Every documented operation, called with junk: wrong types, unknown and missing fields, bad
// uuids, malformed JSON. Whatever it is, the answer is a 4xx in Waldur's shape, never a 500.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parse } from "yaml";
import { DOC_PATH } from "../../scripts/openapi-sync.ts";
import { staffApi, userApi } from "../helpers/api.ts";
import { orderFixture, placeOrder } from "../helpers/orders.ts";
import { useWorker } from "../helpers/worker.ts";

const w = useWorker();
const doc = parse(readFileSync(DOC_PATH, "utf8")) as { paths: Record<string, Record<string, unknown>> };

/** Deterministic junk (mulberry32), so a failure reproduces. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const FIELDS = ["name", "title", "customer", "project", "offering", "plan", "category", "type", "limits", "attributes", "usages", "resource", "role", "user", "amount", "prices", "quotas", "components", "plans", "backend_id", "backend_metadata", "limits", "state", "email", "password", "public_key", "username", "date", "expiration_time", "report", "endpoints", "plugin_options", "secret_options", "paused_reason", "uuid", "nonce", "address", "signature", "pub_key"];
function junkValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * 11);
  switch (k) {
    case 0: return null;
    case 1: return Math.floor(r() * 2e9) - 1e9;
    case 2: return r() < 0.5;
    case 3: return "x".repeat(Math.floor(r() * 400));
    case 4: return "http://h/api/projects/0123456789abcdef0123456789abcdef/";
    case 5: return depth < 2 ? [junkValue(r, depth + 1), junkValue(r, depth + 1)] : [];
    case 6: return depth < 2 ? { [FIELDS[Math.floor(r() * FIELDS.length)]!]: junkValue(r, depth + 1) } : {};
    case 7: return "-1.5e308";
    case 8: return "2026-13-45T99:99";
    case 9: return "\u0000\ud800'; DROP TABLE users; --";
    default: return 1e308;
  }
}
function junkBody(r: () => number): string {
  const kind = Math.floor(r() * 6);
  if (kind === 0) return "{not json";
  if (kind === 1) return JSON.stringify([1, 2, 3]);
  if (kind === 2) return JSON.stringify("a string");
  const obj: Record<string, unknown> = {};
  for (let i = 0; i < 1 + Math.floor(r() * 6); i++) obj[FIELDS[Math.floor(r() * FIELDS.length)]!] = junkValue(r);
  return JSON.stringify(obj);
}

test("no documented operation answers junk with a 5xx", { timeout: 600_000 }, async () => {
  const staff = await staffApi(w.host);
  const user = await userApi(w.host);
  // Real objects, so item routes reach their validation and state logic, not only the 404 path.
  const f = await orderFixture(w.host, { type: "Marketplace.Slurm" });
  const order = await placeOrder(f);
  const real: Record<string, string> = {
    "marketplace-orders": order.uuid,
    "marketplace-resources": order.marketplace_resource_uuid,
    "marketplace-provider-resources": order.marketplace_resource_uuid,
    "marketplace-provider-offerings": f.offering.uuid,
    "marketplace-public-offerings": f.offering.uuid,
    "marketplace-plans": f.plan.uuid,
    projects: f.project.uuid,
    customers: f.org.uuid,
    "marketplace-categories": f.category.uuid,
    "marketplace-service-providers": f.serviceProvider.uuid,
  };
  const r = rng(20261124);
  const failures: string[] = [];
  let calls = 0;
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of Object.keys(item)) {
      for (const caller of [staff, user]) {
        for (let i = 0; i < 3; i++) {
          const resource = path.split("/")[2] ?? "";
          const concrete = path.replace(/\{[^}]+\}/g, (_m) =>
            i === 0 ? "not-a-uuid" : i === 1 ? (real[resource] ?? "0".repeat(32)) : Array.from({ length: 32 }, () => "0123456789abcdef"[Math.floor(r() * 16)]).join(""),
          );
          const body = ["post", "put", "patch"].includes(method) ? junkBody(r) : undefined;
          const res = await caller.call(method.toUpperCase(), `${concrete}?page=${["1", "-1", "x"][i]}&o=${junkValue(r)}&field=uuid`, body);
          calls++;
          if (res.status >= 500) failures.push(`${method.toUpperCase()} ${concrete} ${body?.slice(0, 120) ?? ""} -> ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        }
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(calls > 500, `only ${calls} calls`);
});
