// Field-level checks of an order before anything is sent to OpenStack.
import type { OrderRequest } from "../types.ts";
import { resolveKind, str } from "./names.ts";
import { TENANT_LIMITS } from "./tenant.ts";
import { orderedSizeGib } from "./volume.ts";

type Problem = { field: string; message: string };

function checkComponents(order: OrderRequest, problems: Problem[]) {
  for (const [name, value] of Object.entries(order.limits)) {
    const field = `limits.${name}`;
    if (!Number.isFinite(value) || !Number.isInteger(value)) {
      problems.push({ field, message: "must be a whole number" });
      continue;
    }
    const comp = order.components.find((c) => c.type === name);
    if (!comp) continue;
    if (comp.minValue != null && value < comp.minValue) problems.push({ field, message: `must be at least ${comp.minValue}` });
    if (comp.maxValue != null && value > comp.maxValue) problems.push({ field, message: `must be at most ${comp.maxValue}` });
    if (comp.maxAvailableLimit != null && value > comp.maxAvailableLimit) {
      problems.push({ field, message: `exceeds the available ${comp.maxAvailableLimit}` });
    }
  }
}

export function validateOrder(order: OrderRequest): Problem[] {
  const problems: Problem[] = [];
  checkComponents(order, problems);
  if (order.type !== "Create") return problems;
  const a = order.attributes;
  const kind = resolveKind({ ...a, ...(order.resource.offeringType ? { offering_type: order.resource.offeringType } : {}) }, order.resource.backendMetadata, undefined);
  if (kind === "OpenStack.Instance") {
    if (!str(a, "flavor")) problems.push({ field: "attributes.flavor", message: "a flavor (id, name or URL) is required" });
    if (!str(a, "image")) problems.push({ field: "attributes.image", message: "an image (id, name or URL) is required" });
    const key = a["ssh_public_key"];
    if (key !== undefined && (typeof key !== "string" || !/^(ssh-|ecdsa-)/.test(key.trim()))) {
      problems.push({ field: "attributes.ssh_public_key", message: "must be an OpenSSH public key" });
    }
    if (a["networks"] !== undefined && !(Array.isArray(a["networks"]) && a["networks"].every((n) => typeof n === "string"))) {
      problems.push({ field: "attributes.networks", message: "must be a list of network ids" });
    }
  } else if (kind === "OpenStack.Volume") {
    const size = orderedSizeGib(order);
    if (size === undefined || !(size > 0)) problems.push({ field: "attributes.size", message: "a positive size in MiB is required" });
  } else {
    for (const name of Object.keys(order.limits)) {
      if (!TENANT_LIMITS.includes(name)) problems.push({ field: `limits.${name}`, message: `unknown tenant quota (known: ${TENANT_LIMITS.join(", ")})` });
    }
    const cidr = a["subnet_cidr"];
    if (cidr !== undefined && (typeof cidr !== "string" || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr))) {
      problems.push({ field: "attributes.subnet_cidr", message: "must be an IPv4 CIDR" });
    }
  }
  return problems;
}
