// Request bodies and query values from outside: parsed, size-limited and validated with valibot,
// refused with DRF-shaped 400s that name the field.
import type { Context } from "hono";
import * as v from "valibot";
import { ApiError, fieldErrors } from "./errors.ts";

/** Largest JSON body accepted (site-agent config files are the biggest legitimate payloads). */
export const MAX_BODY_BYTES = 1_000_000;

/** Drains a refused body so the client sees the 413 instead of a reset connection (within reason). */
async function refuseTooLarge(c: Context, declared: number): Promise<never> {
  if (declared <= 16 * MAX_BODY_BYTES && c.req.raw.body) {
    const reader = c.req.raw.body.getReader();
    for (;;) if ((await reader.read()).done) break;
  }
  throw new ApiError(413, { detail: "Request body is too large." });
}

export async function readJson(c: Context): Promise<unknown> {
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) await refuseTooLarge(c, declared);
  const buf = await c.req.arrayBuffer();
  if (buf.byteLength > MAX_BODY_BYTES) throw new ApiError(413, { detail: "Request body is too large." });
  if (buf.byteLength === 0) return {};
  const ct = c.req.header("content-type") ?? "application/json";
  const text = new TextDecoder().decode(buf);
  if (ct.includes("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  if (!ct.includes("json") && !ct.includes("text/plain")) {
    throw new ApiError(415, { detail: `Unsupported media type "${ct.split(";")[0]}" in request.` });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ApiError(400, { detail: `JSON parse error - ${(e as Error).message}` });
  }
}

/** DRF-style nested error object from valibot issues. */
export function issuesToDrf(issues: readonly v.BaseIssue<unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let issue of issues) {
    const keys = (issue.path ?? []).map((p) => String(p.key));
    if (keys.length === 0) keys.push("non_field_errors");
    let node: Record<string, unknown> = out;
    for (const k of keys.slice(0, -1)) {
      const next = node[k];
      if (next && typeof next === "object" && !Array.isArray(next)) node = next as Record<string, unknown>;
      else {
        const created: Record<string, unknown> = {};
        node[k] = created;
        node = created;
      }
    }
    const last = keys[keys.length - 1]!;
    // A missing key reads as DRF's "required" rather than valibot's type message.
    if (issue.input === undefined && (issue.kind === "schema" || issue.type === "object")) {
      issue = { ...issue, message: "This field is required." };
    }
    const existing = node[last];
    const list = Array.isArray(existing) ? existing : [];
    if (!list.includes(issue.message)) list.push(issue.message);
    node[last] = list;
  }
  return out;
}

export function parseWith<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const r = v.safeParse(schema, input, { abortPipeEarly: true });
  if (!r.success) throw fieldErrors(issuesToDrf(r.issues));
  return r.output;
}

export async function body<S extends v.GenericSchema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  const raw = await readJson(c);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new ApiError(400, {
      non_field_errors: ["Invalid data. Expected a dictionary, but got " + (Array.isArray(raw) ? "list" : typeof raw) + "."],
    });
  }
  return parseWith(schema, raw);
}

// Field builders with DRF's messages. Unknown keys are ignored (v.object strips them), as DRF does.
const REQUIRED = "This field is required.";

export const str = (max = 255) =>
  v.pipe(
    v.string("Not a valid string."),
    v.maxLength(max, `Ensure this field has no more than ${max} characters.`),
  );
export const requiredStr = (max = 255) =>
  v.pipe(
    // A key that is absent reads as REQUIRED (issuesToDrf); a value of the wrong type is not missing.
    v.string((issue) => (issue.input === null ? "This field may not be null." : issue.input === undefined ? REQUIRED : "Not a valid string.")),
    v.trim(),
    v.nonEmpty("This field may not be blank."),
    v.maxLength(max, `Ensure this field has no more than ${max} characters.`),
  );
export const optStr = (max = 255) => v.optional(v.nullish(str(max), ""), "");
export const int = (min = 0, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(
    v.union([v.number(), v.pipe(v.string(), v.regex(/^-?\d+$/), v.transform(Number))], "A valid integer is required."),
    v.integer("A valid integer is required."),
    v.minValue(min, `Ensure this value is greater than or equal to ${min}.`),
    v.maxValue(max, `Ensure this value is less than or equal to ${max}.`),
  );
export const bool = () =>
  v.union(
    [
      v.boolean(),
      v.pipe(
        v.picklist(["true", "false", "True", "False", "1", "0"]),
        v.transform((s) => s === "true" || s === "True" || s === "1"),
      ),
    ],
    "Must be a valid boolean.",
  );
export const choice = <const T extends readonly [string, ...string[]]>(options: T) =>
  v.picklist(options, (issue) => `"${String(issue.input)}" is not a valid choice.`);
export const decimalStr = (maxPlaces = 10) =>
  v.pipe(
    v.union([v.string(), v.number()], "A valid number is required."),
    v.transform((x) => (typeof x === "number" ? String(x) : x.trim())),
    v.regex(/^-?\d{1,18}(\.\d+)?$/, "A valid number is required."),
    v.check(
      (s) => !s.includes(".") || s.split(".")[1]!.length <= maxPlaces,
      `Ensure that there are no more than ${maxPlaces} decimal places.`,
    ),
  );
export const jsonObject = () =>
  v.pipe(
    // valibot's record takes an array as an object with index keys; Waldur's DictField does not.
    v.custom<Record<string, unknown>>((x) => typeof x === "object" && x !== null && !Array.isArray(x), "Expected a dictionary of items."),
    v.record(v.string(), v.unknown(), "Expected a dictionary of items."),
    v.check((o) => JSON.stringify(o).length <= 64_000, "Object is too large."),
  );
export const limitsMap = () =>
  v.record(
    v.pipe(v.string(), v.maxLength(64)),
    v.pipe(
      v.number("A valid integer is required."),
      v.integer("A valid integer is required."),
      v.minValue(0, "Ensure this value is greater than or equal to 0."),
      v.maxValue(Number.MAX_SAFE_INTEGER, "Value is too large."),
    ),
    "Expected a dictionary of items.",
  );
export const isoDate = () =>
  v.pipe(
    v.string("Not a valid string."),
    v.regex(/^\d{4}-\d{2}-\d{2}$/, "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."),
    // The round trip refuses 2026-02-30, which Date.parse would roll over into March.
    v.check(
      (s) => !Number.isNaN(Date.parse(s)) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s,
      "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
    ),
  );
export const isoDateTime = () =>
  v.pipe(
    v.string("Not a valid string."),
    v.check(
      (s) => /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)),
      "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
    ),
  );

export { v };
