// Reads Waldur Mastermind's published OpenAPI schema (vendored in openapi/waldur/ from Waldur 8.0.5, the contract our mirrored
// endpoints follow) into a compact index: per "METHOD /path", its operationId, 2xx codes and the
// required fields of its JSON request body. The parse is cached under .run/ (the file is 4 MB).
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { ROOT } from "./build-worker.ts";

export const WALDUR_SCHEMA =
  process.env.VE_WALDUR_SCHEMA ?? path.join(ROOT, "openapi", "waldur", "waldur-openapi-schema-8.0.5.yaml");

export interface WaldurOp {
  operationId: string;
  successCodes: number[];
  requiredBody: string[];
}

export type WaldurDoc = {
  paths: Record<string, Record<string, WaldurOperation>>;
  components: { schemas: Record<string, SchemaNode>; parameters?: Record<string, { name: string }> };
};
export type SchemaNode = {
  $ref?: string;
  required?: string[];
  properties?: Record<string, SchemaNode>;
  allOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  items?: SchemaNode;
  type?: string;
};
export type WaldurOperation = {
  operationId: string;
  parameters?: { name: string; in: string; $ref?: string }[];
  requestBody?: { content?: Record<string, { schema?: SchemaNode }> };
  responses: Record<string, { content?: Record<string, { schema?: SchemaNode }> }>;
};

type Schema = { $ref?: string; required?: string[]; properties?: Record<string, unknown>; allOf?: Schema[] };
type Doc = {
  paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown>; requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
  components: { schemas: Record<string, Schema> };
};

function requiredOf(doc: Doc, s: Schema | undefined): string[] {
  if (!s) return [];
  if (s.$ref) return requiredOf(doc, doc.components.schemas[s.$ref.split("/").pop()!]);
  return [...(s.required ?? []), ...(s.allOf ?? []).flatMap((x) => requiredOf(doc, x))];
}

/** The whole parsed schema (cached as JSON under .run/, which parses ten times faster than YAML). */
export function loadWaldurDoc(): WaldurDoc {
  const cache = path.join(ROOT, ".run", "waldur-schema.json");
  if (existsSync(cache) && statSync(cache).mtimeMs > statSync(WALDUR_SCHEMA).mtimeMs) {
    return JSON.parse(readFileSync(cache, "utf8")) as WaldurDoc;
  }
  const doc = parse(readFileSync(WALDUR_SCHEMA, "utf8"), { maxAliasCount: -1 }) as WaldurDoc;
  mkdirSync(path.dirname(cache), { recursive: true });
  writeFileSync(cache, JSON.stringify(doc));
  return doc;
}

export function loadWaldurIndex(): Map<string, WaldurOp> {
  const cache = path.join(ROOT, ".run", "waldur-index.json");
  if (existsSync(cache) && statSync(cache).mtimeMs > statSync(WALDUR_SCHEMA).mtimeMs) {
    return new Map(Object.entries(JSON.parse(readFileSync(cache, "utf8")) as Record<string, WaldurOp>));
  }
  const doc = loadWaldurDoc() as Doc;
  const out: Record<string, WaldurOp> = {};
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!op || typeof op !== "object" || !("responses" in op)) continue;
      out[`${method.toUpperCase()} ${p}`] = {
        operationId: op.operationId,
        successCodes: Object.keys(op.responses)
          .map(Number)
          .filter((c) => c >= 200 && c < 300),
        requiredBody: requiredOf(doc, op.requestBody?.content?.["application/json"]?.schema),
      };
    }
  }
  mkdirSync(path.dirname(cache), { recursive: true });
  writeFileSync(cache, JSON.stringify(out));
  return new Map(Object.entries(out));
}

/** Waldur names path parameters by model ({uuid}, {id}, {offering_uuid}…); compare by shape. */
export const pathShape = (p: string) => p.replace(/\{[^}]+\}/g, "{}");
