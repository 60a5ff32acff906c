// Checks a response object against a model of Waldur's published schema the way the generated
// clients parse it. What breaks them: null where they convert the value (uuid, date-time, date,
// enums, nested models, lists), wrong JSON types, unknown enum values, missing required keys.
// Plain strings pass through the clients unconverted, so a null there is tolerated; decimals may be
// strings where Waldur declares numbers (we keep money exact), never the other way round.
import { loadWaldurDoc, type SchemaNode } from "../../scripts/lib/waldur-schema.ts";

type Node = SchemaNode & { nullable?: boolean; enum?: unknown[]; format?: string; additionalProperties?: unknown; readOnly?: boolean };

const doc = loadWaldurDoc();

function resolve(s: Node | undefined): Node | undefined {
  let cur = s;
  while (cur?.$ref) cur = doc.components.schemas[cur.$ref.split("/").pop()!] as Node;
  return cur;
}

function check(path: string, value: unknown, schema: Node | undefined, out: string[], depth: number) {
  const s = resolve(schema);
  if (!s || depth > 4) return;
  if (s.allOf) {
    for (const part of s.allOf) check(path, value, part as Node, out, depth);
    return;
  }
  if (s.oneOf) return; // unions: too loose to judge here
  if (value === null) {
    const converted = !!(s.format && ["uuid", "date-time", "date"].includes(s.format)) || !!s.enum || !!s.properties || s.type === "array" || !!(schema as Node)?.$ref;
    if (!s.nullable && !(s.enum ?? []).includes(null) && converted) out.push(`${path}: null but not nullable`);
    return;
  }
  if (s.enum && !s.enum.includes(value)) {
    out.push(`${path}: ${JSON.stringify(value)} not in enum ${JSON.stringify(s.enum)}`);
    return;
  }
  switch (s.type) {
    case "string":
      if (typeof value !== "string") out.push(`${path}: expected string, got ${typeof value}`);
      else if (s.format === "uuid" && !/^[0-9a-f]{32}$|^[0-9a-f-]{36}$/i.test(value)) out.push(`${path}: not a uuid: ${value}`);
      else if (s.format === "date-time" && Number.isNaN(Date.parse(value))) out.push(`${path}: not a date-time: ${value}`);
      return;
    case "integer":
      // Usage amounts are decimals Waldur renders as strings although its schema says integer.
      if (!Number.isInteger(value) && !(typeof value === "string" && /^\d+(\.\d+)?$/.test(value))) {
        out.push(`${path}: expected integer, got ${JSON.stringify(value)}`);
      }
      return;
    case "number":
      if (typeof value !== "number" && !(typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value))) {
        out.push(`${path}: expected number, got ${JSON.stringify(value)}`);
      }
      return;
    case "boolean":
      if (typeof value !== "boolean") out.push(`${path}: expected boolean, got ${typeof value}`);
      return;
    case "array":
      if (!Array.isArray(value)) out.push(`${path}: expected array, got ${typeof value}`);
      else for (const [i, x] of value.slice(0, 3).entries()) check(`${path}[${i}]`, x, s.items as Node, out, depth + 1);
      return;
    default:
      if (s.properties || s.type === "object") {
        if (typeof value !== "object" || Array.isArray(value)) {
          out.push(`${path}: expected object, got ${Array.isArray(value) ? "array" : typeof value}`);
          return;
        }
        const obj = value as Record<string, unknown>;
        for (const req of s.required ?? []) if (!(req in obj)) out.push(`${path}.${req}: required key missing`);
        for (const [k, sub] of Object.entries(s.properties ?? {})) if (k in obj) check(`${path}.${k}`, obj[k], sub as Node, out, depth + 1);
      }
  }
}

/** Problems found in `obj` against Waldur's component schema `model` (empty = conforms). */
export function conformance(model: string, obj: unknown): string[] {
  const schema = doc.components.schemas[model] as Node | undefined;
  if (!schema) return [`unknown Waldur model ${model}`];
  const out: string[] = [];
  check(model, obj, schema, out, 0);
  return out;
}
