// Order validation against the offering's components, before anything reaches the cluster.
import * as v from "valibot";
import type { OrderRequest } from "../types.ts";
import { LIMIT_COMPONENTS } from "./resources.ts";
import { type ContainerSpec, containerSchema } from "./settings.ts";

export type FieldProblem = { field: string; message: string };

export function validateKubernetesOrder(order: OrderRequest): FieldProblem[] {
  if (order.type === "Terminate") return [];
  const problems: FieldProblem[] = [];
  const known = new Set(order.components.map((c) => c.type));
  for (const [key, value] of Object.entries(order.limits)) {
    const field = `limits.${key}`;
    const spec = order.components.find((c) => c.type === key);
    if (known.size > 0 && !spec) {
      problems.push({ field, message: `unknown component "${key}" (the offering has ${[...known].join(", ")})` });
      continue;
    }
    const mapping = LIMIT_COMPONENTS[key];
    // Components without a quota meaning (e.g. Rancher's "node") are billed but not enforced here.
    if (!mapping && known.size > 0) continue;
    if (!mapping) {
      problems.push({ field, message: `unknown limit "${key}" (supported: ${Object.keys(LIMIT_COMPONENTS).join(", ")})` });
      continue;
    }
    if (typeof value !== "number" || !Number.isFinite(value)) {
      problems.push({ field, message: "must be a number" });
      continue;
    }
    if (value < 0) problems.push({ field, message: "must not be negative" });
    else if (mapping.integer && !Number.isInteger(value)) problems.push({ field, message: `must be a whole number of ${mapping.unit}` });
    else if (!mapping.integer && Math.round(value * 1000) !== value * 1000) problems.push({ field, message: "at most 3 decimals (millicores)" });
    if (spec?.minValue != null && value < spec.minValue) problems.push({ field, message: `must be at least ${spec.minValue}` });
    if (spec?.maxValue != null && value > spec.maxValue) problems.push({ field, message: `must be at most ${spec.maxValue}` });
    if (spec?.maxAvailableLimit != null && value > spec.maxAvailableLimit) problems.push({ field, message: `exceeds the available ${spec.maxAvailableLimit}` });
  }
  // An omitted limit would leave that resource unbounded in the namespace: a Create must set every
  // limit-type component the quota enforces.
  if (order.type === "Create") {
    for (const comp of order.components) {
      if (comp.billingType === "limit" && LIMIT_COMPONENTS[comp.type] && !(comp.type in order.limits)) {
        problems.push({ field: `limits.${comp.type}`, message: "required: the offering limits this component" });
      }
    }
  }
  const c = order.attributes["container"];
  if (c !== undefined && c !== null) {
    const r = v.safeParse(containerSchema, c);
    if (!r.success) {
      for (const i of r.issues) problems.push({ field: ["attributes", "container", ...(i.path ?? []).map((p) => String(p.key))].join("."), message: i.message });
    }
  }
  return problems;
}

/** The container to run: the order's own, else the offering's default, else none. */
export function containerFor(attributes: Record<string, unknown>, fallback: ContainerSpec | undefined): ContainerSpec | undefined {
  const r = v.safeParse(containerSchema, attributes["container"]);
  return r.success ? r.output : fallback;
}
