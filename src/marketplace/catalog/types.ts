// Offering types (Waldur's type strings) and the components a type brings with it.
import type { BillingType } from "../../db/schema/marketplace.ts";

export const OFFERING_TYPES = [
  "Marketplace.Basic",
  "Marketplace.Slurm",
  "SlurmInvoices.SlurmPackage",
  "OpenStack.Tenant",
  "OpenStack.Instance",
  "OpenStack.Volume",
  "Marketplace.Rancher",
  "Kubernetes.Namespace",
  "Waldur.RemoteOffering",
  "Marketplace.Script",
  "Marketplace.Booking",
  "Support.OfferingTemplate",
] as const;
export type OfferingType = (typeof OFFERING_TYPES)[number];

export interface BuiltinComponent {
  type: string;
  name: string;
  measured_unit: string;
  billing_type: BillingType;
  limit_period?: (typeof LIMIT_PERIODS)[number];
  unit_factor?: number;
}

/** Types whose components are fixed by the backend (foreign components refused, as in Waldur). */
export const BUILTIN_COMPONENTS: Partial<Record<OfferingType, BuiltinComponent[]>> = {
  "OpenStack.Tenant": [
    { type: "cores", name: "Cores", measured_unit: "cores", billing_type: "limit", limit_period: "month" },
    { type: "ram", name: "RAM", measured_unit: "GB", billing_type: "limit", limit_period: "month", unit_factor: 1024 },
    { type: "storage", name: "Storage", measured_unit: "GB", billing_type: "limit", limit_period: "month", unit_factor: 1024 },
  ],
  "SlurmInvoices.SlurmPackage": [
    { type: "cpu", name: "CPU", measured_unit: "hours", billing_type: "usage", limit_period: "total" },
    { type: "gpu", name: "GPU", measured_unit: "hours", billing_type: "usage", limit_period: "total" },
    { type: "ram", name: "RAM", measured_unit: "GB-hours", billing_type: "usage", limit_period: "total" },
  ],
  "Marketplace.Rancher": [{ type: "node", name: "K8S node", measured_unit: "nodes", billing_type: "usage" }],
};

/** Types whose orders wait for the provider (or its site agent) to approve; the rest auto-approve. */
export const PROVIDER_REVIEWED_TYPES: readonly string[] = ["Marketplace.Slurm", "Marketplace.Basic", "Support.OfferingTemplate"];

/** Types whose orders the provider side moves by hand (set_state_done / cancel), not a plugin. */
export const MANUAL_TYPES: readonly string[] = ["Marketplace.Basic", "Support.OfferingTemplate"];
export const AGENT_TYPES: readonly string[] = ["Marketplace.Slurm"];

export const BILLING_UNITS = ["month", "quarter", "half_month", "day", "hour", "quantity"] as const;
export const BILLING_TYPES = ["fixed", "usage", "limit", "one", "few"] as const;
export const LIMIT_PERIODS = ["month", "quarterly", "annual", "total"] as const;
