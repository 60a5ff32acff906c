// Offering settings of the OpenStack plugin (VE_PLUGINS entry "settings", secrets as
// {"$secret": name}). Two ways to authenticate against Keystone v3, told apart by auth_type.
import * as v from "valibot";

const id = v.pipe(v.string(), v.nonEmpty());
const common = {
  /** Keystone v3 URL, e.g. http://keystone:5000/v3 */
  auth_url: v.pipe(v.string(), v.url("auth_url must be a URL")),
  /** Region of the catalog endpoints; when unset the first endpoint with the interface wins. */
  region: v.optional(id),
  interface: v.optional(v.picklist(["public", "internal", "admin"]), "public"),
  /** Which offering type this entry serves when the order does not say (see kind.ts). */
  offering_type: v.optional(v.picklist(["OpenStack.Tenant", "OpenStack.Instance", "OpenStack.Volume"])),
  /** Nova microversion; 2.52+ is needed (server tags at create, tag filters). */
  compute_microversion: v.optional(v.pipe(v.string(), v.regex(/^2\.\d+$/, "compute_microversion looks like 2.79")), "2.79"),
  /** Cinder microversion; 3.42+ extends attached volumes. */
  volume_microversion: v.optional(v.pipe(v.string(), v.regex(/^3\.\d+$/, "volume_microversion looks like 3.59")), "3.59"),
  /** External network: tenant routers' gateway and instances' floating IPs. */
  external_network_id: v.optional(id),
  /** Networks for instances whose order names none. */
  default_network_ids: v.optional(v.array(id), []),
  /** Tenant defaults (Waldur's). */
  subnet_cidr: v.optional(v.pipe(v.string(), v.regex(/^\d+\.\d+\.\d+\.\d+\/\d+$/, "subnet_cidr is a CIDR")), "192.168.42.0/24"),
  dns_nameservers: v.optional(v.array(v.string()), []),
  domain_id: v.optional(id, "default"),
  member_role: v.optional(id, "member"),
  /** How long one plugin call may wait for a backend state (volume available, server gone). */
  wait_timeout_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 60_000),
  wait_interval_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10)), 1_000),
  /** Page size for list calls that follow *_links/next markers. */
  page_size: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 100),
};

export const settingsSchema = v.variant("auth_type", [
  v.object({
    ...common,
    auth_type: v.literal("password"),
    username: id,
    password: id,
    user_domain_id: v.optional(id, "default"),
    /** Scope: project_id, or project_name in project_domain_id. */
    project_id: v.optional(id),
    project_name: v.optional(id),
    project_domain_id: v.optional(id, "default"),
  }),
  v.object({
    ...common,
    auth_type: v.literal("application_credential"),
    // An application credential is always scoped to the project it was created in.
    application_credential_id: id,
    application_credential_secret: id,
  }),
]);

export type OpenStackSettings = v.InferOutput<typeof settingsSchema>;
