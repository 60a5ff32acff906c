// Offering settings for the Kubernetes plugin. The bearer token is a secret option: configure it
// as {"$secret": "<name>"} in VE_PLUGINS so it lives in the offering's sealed secret_options.
import * as v from "valibot";

/** RFC 1123 label prefix: the namespace name is `<prefix><slug>-<uuid12>` and must stay a valid label. */
const PREFIX_RE = /^[a-z0-9]([-a-z0-9]*)?$/;

/** A container to run in the namespace; offering settings give the default, order attributes override. */
export const containerSchema = v.object({
  image: v.pipe(v.string("image must be a string"), v.nonEmpty("image is required")),
  port: v.optional(
    v.pipe(v.number("port must be a number"), v.integer("port must be an integer"), v.minValue(1, "port must be 1-65535"), v.maxValue(65535, "port must be 1-65535")),
  ),
  replicas: v.optional(
    v.pipe(v.number("replicas must be a number"), v.integer("replicas must be an integer"), v.minValue(0, "replicas must be 0-100"), v.maxValue(100, "replicas must be 0-100")),
    1,
  ),
});
export type ContainerSpec = v.InferOutput<typeof containerSchema>;

const httpUrl = (what: string) =>
  v.pipe(
    v.string(`${what} must be a string`),
    v.url(`${what} must be a URL`),
    v.check((s) => /^https?:\/\//i.test(s), `${what} must be an http(s) URL`),
    // A trailing slash would give "//api/v1/..." paths, which the API server rejects.
    v.transform((s) => s.replace(/\/+$/, "")),
  );

export const kubernetesSettingsSchema = v.object({
  /** Where the Worker reaches the API server. */
  api_url: httpUrl("api_url"),
  /** Where customers reach it (kubeconfig `server`), when it differs from api_url. */
  public_api_url: v.optional(httpUrl("public_api_url")),
  /** Bearer token of the provider's service account (needs namespace + RBAC admin rights). */
  token: v.pipe(v.string("token must be a string"), v.nonEmpty("token is required")),
  /**
   * PEM CA of the API server. Only written into the customer's kubeconfig: Workers' fetch trusts
   * public CAs only, so api_url itself needs a publicly trusted certificate (or a tunnel).
   */
  ca_cert: v.optional(
    v.pipe(v.string("ca_cert must be a string"), v.check((s) => s.includes("-----BEGIN CERTIFICATE-----"), "ca_cert must be a PEM certificate")),
  ),
  namespace_prefix: v.optional(
    v.pipe(
      v.string("namespace_prefix must be a string"),
      v.maxLength(20, "namespace_prefix is at most 20 characters"),
      v.regex(PREFIX_RE, "namespace_prefix must be lowercase letters, digits and '-', starting with a letter or digit"),
    ),
    "ve-",
  ),
  /** Default container for container offerings (order attribute `container` overrides it). */
  container: v.optional(containerSchema),
  /** Per-request timeout; a timeout is a transient failure. */
  timeout_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(120_000)), 15_000),
  /** How long create waits for the token controller and terminate for namespace removal. */
  wait_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(600_000)), 10_000),
});
export type KubernetesSettings = v.InferOutput<typeof kubernetesSettingsSchema>;
