// What a remote Waldur sends back, validated before the bridge acts on it: a remote is someone
// else's server, so its answers are outside input like any request body. Uuids are normalised to
// 32 hex, prices to exact decimal strings (Waldur types them as JSON numbers, we send strings).
import * as v from "valibot";

const uuid = v.pipe(
  v.string(),
  v.transform((s) => s.replaceAll("-", "").toLowerCase()),
  v.regex(/^[0-9a-f]{32}$/, "not a uuid"),
);
const text = (max: number) => v.optional(v.nullable(v.pipe(v.string(), v.maxLength(max))), "");
const nullableInt = v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0))), null);

/** A JSON number or decimal string as an exact decimal string with at most 10 places, or an issue. */
const decimal = v.pipe(
  v.union([v.string(), v.pipe(v.number(), v.finite())]),
  v.transform((x) => (typeof x === "number" ? numberToDecimal(x) : x.trim())),
  v.regex(/^\d{1,15}(\.\d{1,10})?$/, "not a non-negative decimal"),
);

/** Shortest round-trip form, written out without an exponent (1e-7 → "0.0000001"). */
export function numberToDecimal(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toFixed(10).replace(/\.?0+$/, "");
}

export const versionSchema = v.object({ version: v.pipe(v.string(), v.maxLength(100)) });

export const meSchema = v.object({
  uuid,
  username: v.pipe(v.string(), v.maxLength(150)),
  is_staff: v.optional(v.boolean(), false),
  permissions: v.optional(
    v.array(
      v.object({
        role_name: v.optional(v.string(), ""),
        scope_type: v.optional(v.nullable(v.string()), ""),
        scope_uuid: v.optional(v.nullable(v.string()), ""),
      }),
    ),
    [],
  ),
});
export type RemoteMe = v.InferOutput<typeof meSchema>;

export const customerSchema = v.object({ uuid, name: v.pipe(v.string(), v.maxLength(255)), url: v.optional(v.string(), "") });

const BILLING = ["fixed", "usage", "limit", "one", "few"] as const;
const LIMIT_PERIODS = ["month", "quarterly", "annual", "total"] as const;

export const componentSchema = v.object({
  type: v.pipe(v.string(), v.regex(/^[a-zA-Z0-9_./-]{1,50}$/, "not a component type")),
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(150)),
  description: text(2000),
  measured_unit: text(30),
  billing_type: v.picklist(BILLING),
  limit_period: v.optional(v.nullable(v.union([v.picklist(LIMIT_PERIODS), v.literal("")])), null),
  limit_amount: nullableInt,
  min_value: nullableInt,
  max_value: nullableInt,
  unit_factor: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000_000)), 1),
});

export const planSchema = v.object({
  uuid,
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(150)),
  description: text(2000),
  archived: v.optional(v.boolean(), false),
  unit: v.optional(v.picklist(["month", "quarter", "half_month", "day", "hour", "quantity"]), "month"),
  unit_price: v.optional(decimal, "0"),
  prices: v.optional(v.record(v.string(), decimal), {}),
  quotas: v.optional(v.record(v.string(), v.pipe(v.number(), v.integer(), v.minValue(0))), {}),
});

export const OFFERING_STATES = ["Draft", "Active", "Paused", "Archived", "Unavailable"] as const;

export const offeringSchema = v.pipe(
  v.object({
  uuid,
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(150)),
  type: v.pipe(v.string(), v.maxLength(100)),
  state: v.picklist(OFFERING_STATES),
  customer_uuid: v.optional(uuid),
  description: text(4000),
  full_description: text(20000),
  vendor_details: text(4000),
  getting_started: text(20000),
  integration_guide: text(20000),
  privacy_policy_link: text(200),
  access_url: text(200),
  paused_reason: text(2000),
  category_title: text(255),
  shared: v.optional(v.boolean(), true),
  billable: v.optional(v.boolean(), true),
  attributes: v.optional(v.nullable(v.record(v.string(), v.unknown())), {}),
  image: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(500))), null),
  thumbnail: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(500))), null),
  components: v.optional(v.pipe(v.array(componentSchema), v.maxLength(50)), []),
  plans: v.optional(v.pipe(v.array(planSchema), v.maxLength(50)), []),
  }),
  // Local rows are unique by (offering, component type) and by plan uuid: a remote repeating one is refused here, not by D1.
  v.check((o) => new Set(o.components.map((c) => c.type)).size === o.components.length, "components: a component type is given twice"),
  v.check((o) => new Set(o.plans.map((p) => p.uuid)).size === o.plans.length, "plans: a plan uuid is given twice"),
);
export type RemoteOffering = v.InferOutput<typeof offeringSchema>;

export const ORDER_STATES = ["pending-consumer", "pending-provider", "pending-project", "pending-start-date", "executing", "done", "erred", "canceled", "rejected"] as const;

export const orderSchema = v.object({
  uuid,
  state: v.picklist(ORDER_STATES),
  type: v.optional(v.string(), ""),
  marketplace_resource_uuid: v.optional(v.nullable(uuid), null),
  error_message: text(2000),
  provider_rejection_comment: text(2000),
  consumer_rejection_comment: text(2000),
  attributes: v.optional(v.nullable(v.record(v.string(), v.unknown())), {}),
  request_comment: text(2000),
});
export type RemoteOrder = v.InferOutput<typeof orderSchema>;

export const RESOURCE_STATES = ["Creating", "OK", "Erred", "Updating", "Terminating", "Terminated"] as const;

export const resourceSchema = v.object({
  uuid,
  name: v.optional(v.string(), ""),
  state: v.picklist(RESOURCE_STATES),
  backend_id: text(255),
  backend_metadata: v.optional(v.nullable(v.record(v.string(), v.unknown())), {}),
  limits: v.optional(v.nullable(v.record(v.string(), v.pipe(v.number(), v.integer(), v.minValue(0)))), {}),
  end_date: v.optional(v.nullable(v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}/, "not a date"))), null),
  error_message: text(2000),
  modified: v.optional(v.string(), ""),
});
export type RemoteResource = v.InferOutput<typeof resourceSchema>;

export const orderUuidSchema = v.object({ order_uuid: uuid });

export const usageSchema = v.object({
  type: v.pipe(v.string(), v.maxLength(50)),
  usage: decimal,
  billing_period: v.optional(v.string(), ""),
});

export const projectSchema = v.object({ uuid, url: v.string(), name: v.optional(v.string(), ""), backend_id: text(255) });

/** Validates one remote payload; the message names the field (e.g. "plans.0.prices.cpu: not a non-negative decimal"). */
export function parseRemote<S extends v.GenericSchema>(schema: S, value: unknown, what: string): { ok: true; value: v.InferOutput<S> } | { ok: false; message: string } {
  const r = v.safeParse(schema, value);
  if (r.success) return { ok: true, value: r.output };
  const i = r.issues[0]!;
  const at = (i.path ?? []).map((p) => String(p.key)).join(".");
  return { ok: false, message: `the remote Waldur sent an invalid ${what}${at ? ` (${at})` : ""}: ${i.message}` };
}
