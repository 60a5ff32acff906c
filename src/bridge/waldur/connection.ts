// A connection to a provider's remote Waldur: the sealed token, a client built from it, the check
// that the connection can work (version, the token's user, its role on the remote organization),
// and the status kept on the connection (every remote error recorded with its time).
import { eq } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { waldurConnections } from "../../db/schema/index.ts";
import { nowIso } from "../../http/ids.ts";
import { openJson, type SecretEnv, sealJson } from "../../secrets/sealed-json.ts";
import { WaldurClient, type WaldurClientOptions } from "./client.ts";
import { customerSchema, meSchema, parseRemote, type RemoteMe, versionSchema } from "./remote.ts";

export type WaldurConnection = typeof waldurConnections.$inferSelect;

/** Remote roles that may list the organization's offerings, create its projects and approve its orders. */
export const REMOTE_ROLES = ["CUSTOMER.OWNER", "CUSTOMER.MANAGER"];

/** The associated data binds a sealed token to its connection: copied onto another row it does not open. */
const sealId = (connectionUuid: string) => ({ kind: "waldur-token", recordId: connectionUuid }) as const;

export const sealToken = (env: SecretEnv, connectionUuid: string, token: string) => sealJson(env, sealId(connectionUuid), { token });

export async function openToken(env: SecretEnv, c: Pick<WaldurConnection, "uuid" | "tokenSealed">): Promise<string> {
  const opened = await openJson(env, sealId(c.uuid), c.tokenSealed);
  if (typeof opened.token !== "string") throw new Error("sealed token has no value");
  return opened.token;
}

/** API root without a trailing slash or /api suffix, as the client and offering links want it. */
export const normaliseApiUrl = (url: string) => url.trim().replace(/\/+$/, "").replace(/\/api$/, "");

export type ClientTuning = Pick<WaldurClientOptions, "minIntervalMs" | "retries" | "backoffMs" | "sleep" | "fetch">;

export function clientFor(apiUrl: string, token: string, tuning: ClientTuning = {}): WaldurClient {
  return new WaldurClient({ baseUrl: apiUrl, token, ...tuning });
}

export interface RemoteIdentity {
  version: string;
  username: string;
  customerName: string;
}

export type CheckResult = { ok: true; value: RemoteIdentity } | Refusal;

type Refusal = { ok: false; field: string; message: string; transient: boolean };
type Credentials = { ok: true; value: { version: string; user: RemoteMe } } | Refusal;

/** The wizard's credentials step: the URL is a Waldur API root and the token is accepted. */
async function checkCredentials(client: WaldurClient): Promise<Credentials> {
  const ver = await client.call(client.api.GET("/api/version/"));
  if (!ver.ok && ver.status === 401) {
    // DRF authenticates every request, so a bad token is refused even on the public version endpoint.
    return { ok: false, field: "token", message: `the token was refused (GET /api/version/: ${ver.message})`, transient: false };
  }
  if (!ver.ok) {
    return { ok: false, field: "api_url", message: `${ver.status ? `HTTP ${ver.status}: ` : ""}${ver.message} (GET /api/version/)`, transient: ver.transient };
  }
  const version = parseRemote(versionSchema, ver.value, "version");
  if (!version.ok) return { ok: false, field: "api_url", message: `${version.message}: is this a Waldur API root?`, transient: false };
  const me = await client.call(client.api.GET("/api/users/me/"));
  if (!me.ok) {
    const reason = me.status === 401 ? "the token was refused" : me.message;
    return { ok: false, field: "token", message: `${reason} (GET /api/users/me/: ${me.message})`, transient: me.transient };
  }
  const user = parseRemote(meSchema, me.value, "user");
  if (!user.ok) return { ok: false, field: "token", message: user.message, transient: false };
  return { ok: true, value: { version: version.value.version, user: user.value } };
}

const managedCustomerUuids = (user: RemoteMe): string[] => [
  ...new Set(
    user.permissions
      .filter((p) => p.scope_type === "customer" && REMOTE_ROLES.includes(p.role_name) && p.scope_uuid)
      .map((p) => (p.scope_uuid ?? "").replaceAll("-", "")),
  ),
];

export interface RemoteOrganizations {
  version: string;
  username: string;
  organizations: { uuid: string; name: string }[];
}

/**
 * The wizard's organization step: the remote organizations whose offerings the token's user may
 * import (owner or manager there; every organization for a remote staff user), at most `max`.
 */
export async function remoteOrganizations(client: WaldurClient, max = 200): Promise<{ ok: true; value: RemoteOrganizations } | Refusal> {
  const cred = await checkCredentials(client);
  if (!cred.ok) return cred;
  const { user, version } = cred.value;
  const organizations: { uuid: string; name: string }[] = [];
  if (user.is_staff) {
    const all = await client.listAll<unknown>("/api/customers/");
    if (!all.ok) return { ok: false, field: "api_url", message: `${all.message} (GET /api/customers/)`, transient: all.transient };
    for (const raw of all.value.slice(0, max)) {
      const c = parseRemote(customerSchema, raw, "organization");
      if (!c.ok) return { ok: false, field: "api_url", message: c.message, transient: false };
      organizations.push({ uuid: c.value.uuid, name: c.value.name });
    }
  } else {
    for (const uuid of managedCustomerUuids(user).slice(0, max)) {
      const got = await client.call(client.api.GET("/api/customers/{uuid}/", { params: { path: { uuid } } }));
      if (!got.ok) {
        if (got.status === 404) continue; // a role on an organization since removed
        return { ok: false, field: "api_url", message: `${got.message} (GET /api/customers/${uuid}/)`, transient: got.transient };
      }
      const c = parseRemote(customerSchema, got.value, "organization");
      if (!c.ok) return { ok: false, field: "api_url", message: c.message, transient: false };
      organizations.push({ uuid: c.value.uuid, name: c.value.name });
    }
  }
  organizations.sort((a, b) => a.name.localeCompare(b.name));
  return { ok: true, value: { version, username: user.username, organizations } };
}

/** The three checks Waldur's own import wizard makes, each failure in words the provider can act on. */
export async function checkRemote(client: WaldurClient, remoteCustomerUuid: string): Promise<CheckResult> {
  const cred = await checkCredentials(client);
  if (!cred.ok) return cred;
  const { user, version } = cred.value;
  const cust = await client.call(client.api.GET("/api/customers/{uuid}/", { params: { path: { uuid: remoteCustomerUuid } } }));
  if (!cust.ok) {
    const message = cust.status === 404 ? `organization ${remoteCustomerUuid} does not exist on the remote Waldur or the token's user cannot see it` : cust.message;
    return { ok: false, field: "remote_customer_uuid", message, transient: cust.transient };
  }
  const customer = parseRemote(customerSchema, cust.value, "organization");
  if (!customer.ok) return { ok: false, field: "remote_customer_uuid", message: customer.message, transient: false };
  const allowed = user.is_staff || managedCustomerUuids(user).includes(remoteCustomerUuid);
  if (!allowed) {
    return {
      ok: false,
      field: "remote_customer_uuid",
      message: `remote user "${user.username}" is neither owner nor manager of organization "${customer.value.name}": it cannot import its offerings or place orders there`,
      transient: false,
    };
  }
  return { ok: true, value: { version, username: user.username, customerName: customer.value.name } };
}

/** Every remote failure is kept on the connection (status Erred, message, time); a success clears it. */
export async function recordRemoteError(db: Db, connectionId: number, message: string): Promise<void> {
  const now = nowIso();
  await db
    .update(waldurConnections)
    .set({ status: "Erred", lastError: message.slice(0, 2000), lastErrorAt: now, modified: now })
    .where(eq(waldurConnections.id, connectionId));
}

export async function recordRemoteOk(db: Db, connectionId: number, set: Partial<typeof waldurConnections.$inferInsert> = {}): Promise<void> {
  await db
    .update(waldurConnections)
    .set({ status: "OK", lastError: "", modified: nowIso(), ...set })
    .where(eq(waldurConnections.id, connectionId));
}
