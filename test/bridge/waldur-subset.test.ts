// openapi/waldur/bridge-subset.yaml is written by us; this checks it against Waldur's published
// schema so the bridge never calls a path, sends a parameter or reads a field Waldur does not have.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { ROOT } from "../../scripts/lib/build-worker.ts";
import { loadWaldurDoc, type SchemaNode, type WaldurDoc } from "../../scripts/lib/waldur-schema.ts";

type Sub = {
  paths: Record<string, Record<string, { parameters?: { $ref?: string; name?: string }[]; requestBody?: { content: Record<string, { schema: SchemaNode }> }; responses: Record<string, { content?: Record<string, { schema: SchemaNode }> }> }>>;
  components: { schemas: Record<string, SchemaNode>; parameters: Record<string, { name: string; in: string }> };
};
const sub = parse(readFileSync(path.join(ROOT, "openapi/waldur/bridge-subset.yaml"), "utf8")) as Sub;
const waldur: WaldurDoc = loadWaldurDoc();

function resolve(doc: { components: { schemas: Record<string, SchemaNode> } }, s: SchemaNode | undefined): SchemaNode | undefined {
  let cur = s;
  while (cur?.$ref) cur = doc.components.schemas[cur.$ref.split("/").pop()!];
  return cur;
}
/** Property map of a schema, following $ref, allOf and array items. */
function props(doc: { components: { schemas: Record<string, SchemaNode> } }, s: SchemaNode | undefined): Record<string, SchemaNode> {
  const r = resolve(doc, s);
  if (!r) return {};
  if (r.type === "array" && r.items) return props(doc, r.items);
  return Object.assign({}, ...(r.allOf ?? []).map((x) => props(doc, x)), ...(r.oneOf ?? []).map((x) => props(doc, x)), r.properties ?? {});
}

const ops = Object.entries(sub.paths).flatMap(([p, item]) => Object.entries(item).map(([m, op]) => ({ p, m, op })));

test("every operation of the bridge subset exists in Waldur 8.0.5 with the same success code", () => {
  assert.ok(ops.length >= 10);
  for (const { p, m, op } of ops) {
    const w = waldur.paths[p]?.[m];
    assert.ok(w, `${m.toUpperCase()} ${p} is not in Waldur's schema`);
    for (const code of Object.keys(op.responses)) assert.ok(code in w.responses, `${m} ${p}: Waldur has no ${code}`);
  }
});

test("parameters, request fields and response fields all exist in Waldur's schema", () => {
  const problems: string[] = [];
  for (const { p, m, op } of ops) {
    const w = waldur.paths[p]![m]!;
    const wParams = new Set((w.parameters ?? []).map((x) => x.name ?? waldur.components.parameters?.[x.$ref!.split("/").pop()!]?.name));
    for (const prm of op.parameters ?? []) {
      const name = prm.name ?? sub.components.parameters[prm.$ref!.split("/").pop()!]!.name;
      if (!wParams.has(name)) problems.push(`${m} ${p}: parameter "${name}"`);
    }
    if (op.requestBody) {
      const ours = op.requestBody.content["application/json"]!.schema;
      const theirs = w.requestBody?.content?.["application/json"]?.schema;
      const tp = props(waldur, theirs);
      for (const f of Object.keys(props(sub, ours))) if (!(f in tp)) problems.push(`${m} ${p}: request field "${f}"`);
      for (const f of resolve(waldur, theirs)?.required ?? []) {
        if (!(resolve(sub, ours)?.required ?? []).includes(f)) problems.push(`${m} ${p}: Waldur requires "${f}"`);
      }
    }
    for (const [code, resp] of Object.entries(op.responses)) {
      const ours = resp.content?.["application/json"]?.schema;
      if (!ours) continue;
      const tp = props(waldur, w.responses[code]?.content?.["application/json"]?.schema);
      for (const [f, fs] of Object.entries(props(sub, ours))) {
        if (!(f in tp)) problems.push(`${m} ${p} ${code}: response field "${f}"`);
        // Nested objects we read (components, plans, permissions) are checked field by field too.
        const nested = props(sub, fs);
        if (Object.keys(nested).length && f in tp) {
          const wn = props(waldur, tp[f]);
          for (const nf of Object.keys(nested)) if (!(nf in wn)) problems.push(`${m} ${p} ${code}: "${f}.${nf}"`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
});
