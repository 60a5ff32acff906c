// openapi/virtengine.yaml is the API's contract: it must list exactly the routes the app serves,
// agree with Waldur's published schema where we mirror it, and match what the API really requires.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parse } from "yaml";
import { appOperations } from "../../scripts/lib/routes.ts";
import { loadWaldurIndex, pathShape } from "../../scripts/lib/waldur-schema.ts";
import { DOC_PATH } from "../../scripts/openapi-sync.ts";
import { staffApi } from "../helpers/api.ts";
import { useWorker } from "../helpers/worker.ts";

type Op = {
  operationId: string;
  "x-waldur-mirror"?: boolean;
  /** Why a route Waldur also has deliberately differs from it. */
  "x-waldur-deviation"?: string;
  responses: Record<string, unknown>;
  requestBody?: { content: { "application/json": { schema: { required?: string[] } } } };
};
const doc = parse(readFileSync(DOC_PATH, "utf8")) as { paths: Record<string, Record<string, Op>> };
const documented = Object.entries(doc.paths).flatMap(([p, item]) =>
  Object.entries(item).map(([m, op]) => ({ key: `${m.toUpperCase()} ${p}`, method: m.toUpperCase(), path: p, op })),
);
const successCode = (op: Op) => Number(Object.keys(op.responses).find((c) => c.startsWith("2")));
const requiredOf = (op: Op) => op.requestBody?.content["application/json"].schema.required ?? [];

test("every route is documented and every documented operation is served", () => {
  const served = new Set(appOperations().map((r) => `${r.method} ${r.path}`));
  const docKeys = new Set(documented.map((d) => d.key));
  const undocumented = [...served].filter((k) => !docKeys.has(k));
  const missing = [...docKeys].filter((k) => !served.has(k));
  assert.deepEqual(undocumented, [], "routes missing from openapi/virtengine.yaml (run scripts/openapi-sync.ts)");
  assert.deepEqual(missing, [], "documented operations the app does not serve");
  assert.ok(served.size > 30);
});

test("mirrored operations agree with Waldur's schema: path, method, success code, required fields", () => {
  const waldur = loadWaldurIndex();
  const byShape = new Map([...waldur].map(([k, v]) => [`${k.split(" ")[0]} ${pathShape(k.split(" ")[1]!)}`, v]));
  const problems: string[] = [];
  let mirrored = 0;
  for (const d of documented) {
    const w = byShape.get(`${d.method} ${pathShape(d.path)}`);
    if (!d.op["x-waldur-mirror"]) {
      // A deliberate difference must say why in the document itself.
      if (w && typeof d.op["x-waldur-deviation"] === "string" && d.op["x-waldur-deviation"].length > 20) continue;
      if (w) problems.push(`${d.key} exists in Waldur (${w.operationId}) but is not marked x-waldur-mirror`);
      continue;
    }
    mirrored++;
    if (!w) {
      problems.push(`${d.key} is marked x-waldur-mirror but Waldur has no such operation`);
      continue;
    }
    if (!w.successCodes.includes(successCode(d.op))) {
      problems.push(`${d.key}: success ${successCode(d.op)}, Waldur ${w.successCodes.join("/")}`);
    }
    const ours = new Set(requiredOf(d.op));
    for (const f of w.requiredBody) if (!ours.has(f)) problems.push(`${d.key}: Waldur requires "${f}", not documented as required`);
    for (const f of ours) if (!w.requiredBody.includes(f)) problems.push(`${d.key}: documents "${f}" as required, Waldur does not`);
  }
  assert.deepEqual(problems, []);
  assert.ok(mirrored > 20, `only ${mirrored} mirrored operations`);
});

const w = useWorker();

test("the API refuses a create without each documented required field, naming it", async () => {
  const staff = await staffApi(w.host);
  const creates = documented.filter(
    (d) => d.method === "POST" && d.path.startsWith("/api/") && !d.path.includes("{") && requiredOf(d.op).length > 0,
  );
  assert.ok(creates.length >= 3);
  for (const d of creates) {
    const r = await staff.post(d.path, {});
    assert.equal(r.status, 400, `${d.key} accepted an empty body: ${JSON.stringify(r.body)}`);
    const isFields = typeof r.body === "object" && r.body !== null && !Array.isArray(r.body);
    assert.ok(isFields, `${d.key}: expected field errors, got ${JSON.stringify(r.body)}`);
    for (const f of requiredOf(d.op)) {
      assert.ok(f in r.body || "non_field_errors" in r.body, `${d.key}: "${f}" not named in ${JSON.stringify(r.body)}`);
    }
  }
});
