// Keeps openapi/virtengine.yaml in step with the route table: adds an entry for every route the
// document lacks (operationId, success code and required body fields taken from Waldur's published
// schema where we mirror the operation; VirtEngine conventions elsewhere) and, with --prune, drops
// entries whose route is gone. Entries already present are left as written.
// Usage: node --import tsx scripts/openapi-sync.ts [--prune]
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse, stringify } from "yaml";
import { ROOT } from "./lib/build-worker.ts";
import { appOperations } from "./lib/routes.ts";
import { loadWaldurIndex, pathShape } from "./lib/waldur-schema.ts";

export const DOC_PATH = path.join(ROOT, "openapi", "virtengine.yaml");

type Op = Record<string, unknown>;
type Doc = { paths: Record<string, Record<string, Op>> } & Record<string, unknown>;

const base = (): Doc => ({
  openapi: "3.0.3",
  info: {
    title: "VirtEngine API",
    version: "0.1.0",
    description:
      "The VirtEngine edge API. Operations marked x-waldur-mirror follow Waldur Mastermind 8.0.5's marketplace API " +
      "(same paths, fields, states and status codes); the others are VirtEngine additions. Lists are bare JSON arrays " +
      "paginated with page/page_size (max 300), X-Result-Count and an RFC 5988 Link header; field= selects fields; o= orders.",
  },
  servers: [{ url: "http://127.0.0.1:8787" }],
  security: [{ tokenAuth: [] }, {}],
  components: {
    securitySchemes: { tokenAuth: { type: "apiKey", in: "header", name: "Authorization", description: "Token <key>" } },
    parameters: {
      page: { in: "query", name: "page", schema: { type: "integer", minimum: 1 } },
      page_size: { in: "query", name: "page_size", schema: { type: "integer", minimum: 1, maximum: 300 } },
      field: { in: "query", name: "field", schema: { type: "array", items: { type: "string" } }, explode: true },
      o: { in: "query", name: "o", schema: { type: "array", items: { type: "string" } }, explode: true },
    },
    headers: { XResultCount: { schema: { type: "integer" }, description: "Total number of objects" } },
  },
  paths: {},
});

function words(p: string): { resource: string; action: string | null; item: boolean } {
  const parts = p.split("/").filter((s) => s && s !== "api");
  const last = parts[parts.length - 1] ?? "";
  const item = parts.some((s) => s.startsWith("{"));
  const action = last.startsWith("{") || parts.length === 1 ? null : last;
  return { resource: parts[0] ?? "", action, item };
}

function defaultCode(method: string, p: string): number {
  const { action, item } = words(p);
  if (method === "DELETE") return 204;
  if (method === "POST" && !item && !action) return 201;
  return 200;
}

function summary(method: string, p: string): string {
  const { resource, action, item } = words(p);
  const what = resource.replace(/-/g, " ");
  if (action) return `${action.replace(/[_-]/g, " ")} (${what})`;
  if (method === "GET") return item ? `Retrieve one of ${what}` : `List ${what}`;
  if (method === "POST") return `Create in ${what}`;
  if (method === "DELETE") return `Delete from ${what}`;
  return `Update one of ${what}`;
}

export function syncDoc(prune: boolean): { doc: Doc; added: string[]; stale: string[] } {
  const doc: Doc = existsSync(DOC_PATH) ? (parse(readFileSync(DOC_PATH, "utf8")) as Doc) : base();
  const waldur = loadWaldurIndex();
  const waldurByShape = new Map([...waldur].map(([k, v]) => [`${k.split(" ")[0]} ${pathShape(k.split(" ")[1]!)}`, v]));
  const routes = appOperations();
  const routeKeys = new Set(routes.map((r) => `${r.method} ${r.path}`));
  const added: string[] = [];
  for (const r of routes) {
    doc.paths[r.path] ??= {};
    const item = doc.paths[r.path]!;
    const m = r.method.toLowerCase();
    if (item[m]) continue;
    const w = waldurByShape.get(`${r.method} ${pathShape(r.path)}`);
    const code = w?.successCodes[0] ?? defaultCode(r.method, r.path);
    const params = [...r.path.matchAll(/\{([^}]+)\}/g)].map((x) => ({
      in: "path",
      name: x[1],
      required: true,
      schema: { type: "string" },
    }));
    const isList = r.method === "GET" && !words(r.path).item && !words(r.path).action;
    const op: Op = {
      operationId: w?.operationId ?? `ve_${r.method.toLowerCase()}_${r.path.replace(/[{}]/g, "").replace(/[^a-z0-9]+/gi, "_").replace(/^_|_$/g, "")}`,
      summary: summary(r.method, r.path),
      tags: [words(r.path).resource],
      ...(w ? { "x-waldur-mirror": true } : {}),
      ...(params.length || isList
        ? {
            parameters: [
              ...params,
              ...(isList ? ["page", "page_size", "field", "o"].map((n) => ({ $ref: `#/components/parameters/${n}` })) : []),
            ],
          }
        : {}),
      ...(["POST", "PUT", "PATCH"].includes(r.method)
        ? {
            requestBody: {
              required: (w?.requiredBody.length ?? 0) > 0,
              content: {
                "application/json": {
                  schema: { type: "object", ...(w?.requiredBody.length ? { required: w.requiredBody } : {}) },
                },
              },
            },
          }
        : {}),
      responses: {
        [String(code)]: {
          description: code === 204 ? "No content" : "Success",
          ...(isList ? { headers: { "X-Result-Count": { $ref: "#/components/headers/XResultCount" } } } : {}),
        },
        ...(r.method !== "GET" ? { "400": { description: "Validation error (DRF shape, field named)" } } : {}),
        "401": { description: "Authentication required or token invalid" },
        "404": { description: "Not found or not visible to the caller" },
      },
    };
    item[m] = op;
    added.push(`${r.method} ${r.path}`);
  }
  const stale: string[] = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const m of Object.keys(item)) {
      if (!routeKeys.has(`${m.toUpperCase()} ${p}`)) {
        stale.push(`${m.toUpperCase()} ${p}`);
        if (prune) delete item[m];
      }
    }
    if (prune && Object.keys(item).length === 0) delete doc.paths[p];
  }
  doc.paths = Object.fromEntries(Object.entries(doc.paths).sort(([a], [b]) => a.localeCompare(b)));
  return { doc, added, stale };
}

if (import.meta.main ?? process.argv[1]?.endsWith("openapi-sync.ts")) {
  const { doc, added, stale } = syncDoc(process.argv.includes("--prune"));
  writeFileSync(DOC_PATH, stringify(doc, { lineWidth: 0 }));
  console.log(`added ${added.length} operations${added.length ? `:\n  ${added.join("\n  ")}` : ""}`);
  if (stale.length) console.log(`${process.argv.includes("--prune") ? "removed" : "stale (use --prune)"}: ${stale.join(", ")}`);
}
