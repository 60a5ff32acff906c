// The one interface every provider backend implements. Modeled on Waldur's per-offering-type
// processors (one processor per offering type, a registry mapping type -> processor) and on
// Akash's provider cluster layer (deploy / status / teardown, idempotent by a lease id).
import type { GenericSchema } from "valibot";

/** Errors as values: transient failures are retried with backoff, permanent ones make the order erred. */
export type PluginResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: PluginError };

export interface PluginError {
  /** true: network failure, 5xx, 429, timeouts — retry later. false: the backend refused. */
  transient: boolean;
  /** The backend's own message, kept for the customer and the provider. */
  message: string;
}

export const ok = <T>(value: T): PluginResult<T> => ({ ok: true, value });
export const fail = (message: string, transient = false): PluginResult<never> => ({
  ok: false,
  error: { message, transient },
});

/** Waldur offering component, as far as a plugin needs it. */
export interface ComponentSpec {
  type: string;
  billingType: "fixed" | "usage" | "limit" | "one" | "few";
  minValue?: number | null;
  maxValue?: number | null;
  maxAvailableLimit?: number | null;
  unitFactor?: number;
}

export interface ResourceRef {
  /** Marketplace resource uuid (32 hex). */
  uuid: string;
  /** The offering's Waldur type (e.g. "OpenStack.Volume"), for plugins serving several. */
  offeringType?: string;
  name: string;
  slug: string;
  projectUuid: string;
  projectSlug: string;
  customerUuid: string;
  customerSlug: string;
  /** Backend id stored after a successful create; null before. */
  backendId: string | null;
  limits: Record<string, number>;
  attributes: Record<string, unknown>;
  backendMetadata: Record<string, unknown>;
}

export interface TeamMember {
  username: string;
  email: string;
  /** Waldur project role: admin | manager | member. */
  role: string;
}

export interface OrderRequest {
  /** Order uuid (32 hex): the idempotency key on the backend. */
  orderUuid: string;
  type: "Create" | "Update" | "Terminate";
  attributes: Record<string, unknown>;
  limits: Record<string, number>;
  planUuid: string | null;
  resource: ResourceRef;
  components: ComponentSpec[];
  team: TeamMember[];
}

export interface Provisioned {
  backendId: string;
  /** OK when ready; Creating when the backend is still building (poll() follows it). */
  state: "OK" | "Creating";
  /** Public backend metadata (shown in resource.backend_metadata). */
  metadata: Record<string, unknown>;
  /** Sensitive access details (credentials, kubeconfig, IPs): sealed to the project before storing. */
  accessDetails?: Record<string, unknown>;
  /** Limits as the backend applied them, when they differ from the order's. */
  limits?: Record<string, number>;
}

export interface PollResult {
  state: "OK" | "Creating" | "Erred" | "Terminated";
  metadata: Record<string, unknown>;
  errorMessage?: string;
  accessDetails?: Record<string, unknown>;
}

/** Usage of one billing period, component type -> decimal string (at most 2 decimals). */
export type UsageReport = Record<string, string>;

export interface PluginContext {
  fetch: typeof fetch;
  /** Now, injectable for tests. */
  now(): Date;
}

export interface ProviderPlugin<Settings = unknown> {
  /** Registry name, e.g. "slurm", "openstack", "kubernetes". */
  name: string;
  /** Waldur offering types this plugin serves, e.g. ["OpenStack.Tenant", "OpenStack.Instance"]. */
  offeringTypes: readonly string[];
  /** Offering settings including secret options (endpoint, credentials); validated at start-up. */
  settingsSchema: GenericSchema<unknown, Settings>;
  /** Field-level problems with an order against the offering's components (empty when valid). */
  validateOrder(order: OrderRequest): { field: string; message: string }[];
  /** Must be idempotent by order.orderUuid: a re-run after a crash finds and reuses what exists. */
  create(ctx: PluginContext, settings: Settings, order: OrderRequest): Promise<PluginResult<Provisioned>>;
  updateLimits(ctx: PluginContext, settings: Settings, order: OrderRequest): Promise<PluginResult<Provisioned>>;
  /** Removes everything the resource owns; succeeds when it is already gone (half-created too). */
  terminate(ctx: PluginContext, settings: Settings, order: OrderRequest): Promise<PluginResult<void>>;
  pause?(ctx: PluginContext, settings: Settings, resource: ResourceRef, paused: boolean): Promise<PluginResult<void>>;
  poll(ctx: PluginContext, settings: Settings, resource: ResourceRef): Promise<PluginResult<PollResult>>;
  /**
   * After usage collection: a plugin whose backend cannot hold the limits itself acts on usage
   * that reached them (blocks the allocation) and returns the metadata to store.
   */
  enforceLimits?(
    ctx: PluginContext,
    settings: Settings,
    resource: ResourceRef,
    usage: UsageReport,
  ): Promise<PluginResult<Record<string, unknown> | null>>;
  /** Usage for the billing month starting at periodStart (UTC). */
  collectUsage(
    ctx: PluginContext,
    settings: Settings,
    resource: ResourceRef,
    periodStart: Date,
  ): Promise<PluginResult<UsageReport>>;
}
