// Response shapes the portal reads (the subset of Waldur's serializers it shows). Money and usage
// are exact decimal strings, as the API sends them.
export interface Component {
  uuid?: string;
  type: string;
  name: string;
  description?: string;
  measured_unit: string;
  billing_type: "fixed" | "usage" | "limit" | "one" | "few";
  limit_period?: string | null;
  min_value?: number | null;
  max_value?: number | null;
}

export interface PlanComponent {
  type: string;
  name: string;
  measured_unit: string;
  amount: number;
  price: string;
}

export interface Plan {
  url: string;
  uuid: string;
  name: string;
  description: string;
  unit: string;
  unit_price: string;
  init_price?: string;
  archived: boolean;
  components: PlanComponent[];
}

export interface Offering {
  url: string;
  uuid: string;
  created: string;
  name: string;
  description: string;
  full_description: string;
  privacy_policy_link: string;
  access_url: string;
  vendor_details: string;
  getting_started: string;
  customer: string;
  customer_uuid: string;
  customer_name: string;
  category: string;
  category_uuid: string;
  category_title: string;
  type: string;
  state: string;
  shared: boolean;
  components: Component[];
  plans: Plan[];
  country?: string;
  latitude?: number | null;
  longitude?: number | null;
  order_count?: number;
  attributes: Record<string, unknown>;
}

export interface Category {
  url: string;
  uuid: string;
  title: string;
  description: string;
  offering_count: number;
  available_offerings_count: number;
}

export interface ServiceProvider {
  url: string;
  uuid: string;
  description: string;
  customer: string;
  customer_uuid: string;
  customer_name: string;
  customer_abbreviation?: string;
  customer_country?: string;
  created: string;
}

export interface Customer {
  url: string;
  uuid: string;
  name: string;
  abbreviation?: string;
  email?: string;
  created: string;
  projects_count?: number;
  billing_price_estimate?: { total: string; current: string };
}

export interface Project {
  url: string;
  uuid: string;
  name: string;
  description: string;
  customer: string;
  customer_uuid: string;
  customer_name: string;
  created: string;
  billing_price_estimate?: { total: string; current: string; tax?: string };
}

export interface User {
  url: string;
  uuid: string;
  username: string;
  full_name: string;
  email: string;
  is_staff: boolean;
  is_support: boolean;
  is_active: boolean;
  date_joined: string;
  token?: string;
  token_expires_at?: string | null;
}

export interface Order {
  url: string;
  uuid: string;
  created: string;
  state: string;
  type: string;
  offering_name: string;
  offering_uuid: string;
  offering_type: string;
  provider_name: string;
  plan_name: string | null;
  plan_unit: string | null;
  attributes: Record<string, unknown>;
  limits: Record<string, number>;
  cost: string | null;
  error_message: string;
  project_name: string;
  project_uuid: string;
  customer_name: string;
  created_by_username: string;
  marketplace_resource_uuid: string | null;
  resource_name: string;
}

export interface Resource {
  url: string;
  uuid: string;
  name: string;
  state: string;
  created: string;
  modified: string;
  offering_name: string;
  offering_uuid: string;
  offering_type: string;
  plan_name: string | null;
  plan_uuid: string | null;
  project_name: string;
  project_uuid: string;
  customer_name: string;
  provider_name: string;
  backend_id: string;
  limits: Record<string, number>;
  current_usages?: Record<string, number | string>;
  attributes: Record<string, unknown>;
  end_date?: string | null;
}

export interface ComponentUsage {
  uuid: string;
  type: string;
  name: string;
  measured_unit: string;
  usage: string;
  date: string;
  billing_period: string;
  description: string;
}

export interface SshKey {
  url: string;
  uuid: string;
  name: string;
  fingerprint_md5?: string;
  fingerprint_sha256?: string;
  type?: string;
  public_key: string;
}

export interface EventRecord {
  uuid: string;
  created: string;
  event_type: string;
  message: string;
}

export const ORDER_STATES = [
  "pending-consumer",
  "pending-provider",
  "executing",
  "done",
  "erred",
  "canceled",
  "rejected",
] as const;
export const RESOURCE_STATES = ["Creating", "OK", "Erred", "Updating", "Terminating", "Terminated"] as const;
export const OFFERING_STATES = ["Draft", "Active", "Paused", "Archived", "Unavailable"] as const;

/** An offering's terms of service live in its attributes, as the order API reads them. */
export const termsOf = (o: Offering): string => {
  const t = o.attributes["terms_of_service"];
  return typeof t === "string" ? t : "";
};

/** Waldur's project roles (the API's src/auth/access.ts PROJECT_ROLES; that module is server-only). */
export const PROJECT_ROLES = ["PROJECT.ADMIN", "PROJECT.MANAGER", "PROJECT.MEMBER"] as const;
