// valibot schemas for catalog input (offerings, components, plans, categories).
import * as v from "valibot";
import { bool, choice, decimalStr, int, jsonObject, optStr, requiredStr, str } from "../../http/validate.ts";
import { hyperlink } from "../../http/links.ts";
import { BILLING_TYPES, BILLING_UNITS, LIMIT_PERIODS, OFFERING_TYPES } from "./types.ts";

const nullableInt = () => v.optional(v.nullable(int(0)), null);
export const requiredIdentityScore = () => int(0, 100);

export const componentFields = {
  type: v.pipe(requiredStr(50), v.regex(/^[a-zA-Z0-9_./-]+$/, "Enter a valid component type: letters, digits, _ . / -.")),
  name: requiredStr(150),
  description: optStr(2000),
  measured_unit: optStr(30),
  billing_type: choice(BILLING_TYPES),
  limit_period: v.optional(v.nullable(v.union([choice(LIMIT_PERIODS), v.literal("")])), null),
  limit_amount: nullableInt(),
  article_code: optStr(30),
  max_value: nullableInt(),
  min_value: nullableInt(),
  max_available_limit: nullableInt(),
  default_limit: nullableInt(),
  is_boolean: v.optional(bool(), false),
  is_prepaid: v.optional(bool(), false),
  unit_factor: v.optional(int(1, 1_000_000_000), 1),
};
export const componentSchema = v.pipe(
  v.object(componentFields),
  v.check((c) => c.min_value === null || c.max_value === null || c.min_value <= c.max_value, "min_value must not exceed max_value."),
);

const priceMap = () =>
  v.record(
    v.pipe(v.string(), v.maxLength(50)),
    v.pipe(decimalStr(10), v.check((s) => !s.startsWith("-"), "Ensure this value is greater than or equal to 0.")),
    "Expected a dictionary of items.",
  );
const quotaMap = () => v.record(v.pipe(v.string(), v.maxLength(50)), int(0), "Expected a dictionary of items.");

export const planFields = {
  name: requiredStr(150),
  description: optStr(2000),
  article_code: optStr(30),
  max_amount: v.optional(v.nullable(int(1)), null),
  archived: v.optional(bool(), false),
  unit_price: v.optional(v.pipe(decimalStr(10), v.check((s) => !s.startsWith("-"), "Ensure this value is greater than or equal to 0.")), "0"),
  unit: v.optional(choice(BILLING_UNITS), "month"),
  backend_id: optStr(255),
  prices: v.optional(priceMap(), {}),
  quotas: v.optional(quotaMap(), {}),
};
export const planSchema = v.object(planFields);

export const offeringCreateSchema = v.object({
  name: requiredStr(150),
  category: hyperlink("marketplace-categories"),
  type: v.picklist(OFFERING_TYPES, "Invalid value."),
  customer: v.optional(hyperlink("customers")),
  slug: v.optional(v.pipe(str(50), v.regex(/^[a-z0-9-]*$/, "Enter a valid “slug”.")), ""),
  description: optStr(4000),
  full_description: optStr(20000),
  privacy_policy_link: optStr(200),
  access_url: optStr(200),
  vendor_details: optStr(4000),
  getting_started: optStr(20000),
  integration_guide: optStr(20000),
  attributes: v.optional(jsonObject(), {}),
  options: v.optional(jsonObject(), {}),
  resource_options: v.optional(jsonObject(), {}),
  plugin_options: v.optional(jsonObject(), {}),
  secret_options: v.optional(jsonObject(), {}),
  service_attributes: v.optional(jsonObject(), {}),
  shared: v.optional(bool(), true),
  billable: v.optional(bool(), true),
  backend_id: optStr(255),
  country: optStr(2),
  latitude: v.optional(v.nullable(v.pipe(v.number(), v.minValue(-90), v.maxValue(90))), null),
  longitude: v.optional(v.nullable(v.pipe(v.number(), v.minValue(-180), v.maxValue(180))), null),
  image: v.optional(v.nullable(str(500)), null),
  thumbnail: v.optional(v.nullable(str(500)), null),
  /** VirtEngine extension: the identity score (0..100) a customer needs to order; 0 lets anyone. */
  required_identity_score: v.optional(requiredIdentityScore(), 0),
  components: v.optional(v.pipe(v.array(componentSchema), v.maxLength(50)), []),
  plans: v.optional(v.pipe(v.array(planSchema), v.maxLength(50)), []),
  limits: v.optional(
    v.record(v.string(), v.object({ min: v.optional(int(0)), max: v.optional(int(0)), max_available_limit: v.optional(int(0)) })),
    {},
  ),
});
export type OfferingCreate = v.InferOutput<typeof offeringCreateSchema>;

export const categorySchema = v.object({
  title: requiredStr(255),
  description: optStr(2000),
  icon: v.optional(v.nullable(str(500)), null),
  default_vm_category: v.optional(bool(), false),
  default_volume_category: v.optional(bool(), false),
  default_tenant_category: v.optional(bool(), false),
  sections: v.optional(
    v.array(
      v.object({
        key: requiredStr(100),
        title: requiredStr(255),
        is_standalone: v.optional(bool(), false),
        attributes: v.optional(
          v.array(
            v.object({
              key: requiredStr(255),
              title: requiredStr(255),
              type: choice(["boolean", "string", "text", "integer", "choice", "list"] as const),
              options: v.optional(v.array(v.object({ key: requiredStr(255), title: requiredStr(255) })), []),
              required: v.optional(bool(), false),
              default: v.optional(v.unknown(), null),
            }),
          ),
          [],
        ),
      }),
    ),
    [],
  ),
  components: v.optional(
    v.array(v.object({ type: requiredStr(50), name: requiredStr(150), description: optStr(2000), measured_unit: optStr(30) })),
    [],
  ),
});
