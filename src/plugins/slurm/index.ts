// SLURM through slurmrestd: one accounting account per marketplace resource, the project's team
// as users of it, usage from slurmdbd, and the account removed on termination.
//
// Limits: slurmrestd 22.05.8 accepts association limits (`max.tres.minutes.total`) with an empty
// error list but does not store them (checked against slurmdbd's table), and
// `max.tres.group.minutes` makes the daemon exit. So the plugin enforces the allocation itself:
// the limits are kept in the resource's backend metadata, job submission through the API is
// refused once usage reaches them, and usage collection blocks an account that went over (its
// running jobs cancelled, its users' associations removed) until an Update order raises the limits.
import { compareDecimal } from "../../http/decimal.ts";
import { fail, ok, type OrderRequest, type PluginContext, type PluginResult, type ProviderPlugin, type Provisioned, type ResourceRef } from "../types.ts";
import { call, isNotFound, type SlurmClient, slurmClient } from "./client.ts";
import { accountName, isSlurmUserName } from "./names.ts";
import { type SlurmSettings, slurmSettingsSchema } from "./settings.ts";
import { type AccountedJob, limitInTresMinutes, usageFromJobs } from "./usage.ts";

const DB = "/slurmdb/v0.0.38";

type Result<T> = Promise<PluginResult<T>>;

interface AccountState {
  users: string[];
  /** The account's own association on the cluster exists (users can only be added under it). */
  onCluster: boolean;
}

async function findAccount(c: SlurmClient, s: SlurmSettings, name: string): Result<AccountState | null> {
  const r = await call(() => c.GET(`${DB}/account/{account_name}`, { params: { path: { account_name: name } } }), `reading account ${name}`);
  if (!r.ok) return isNotFound(r.error.message) && !r.error.transient ? ok(null) : r;
  const acct = r.value.accounts?.find((a) => a.name === name);
  if (!acct || (acct.flags ?? []).includes("DELETED")) return ok(null);
  const assocs = (acct.associations ?? []).filter((a) => a.cluster === s.cluster_name);
  const users = assocs.map((a) => a.user).filter((u): u is string => !!u);
  return ok({ users, onCluster: assocs.some((a) => !a.user) });
}

async function ensureAccount(c: SlurmClient, s: SlurmSettings, name: string, r: ResourceRef): Result<AccountState> {
  let found = await findAccount(c, s, name);
  if (!found.ok) return found;
  if (!found.value) {
    const made = await call(
      () =>
        c.POST(`${DB}/accounts`, {
          body: { accounts: [{ name, description: `virtengine resource ${r.uuid}`, organization: r.customerSlug.toLowerCase().slice(0, 64) || "virtengine" }] },
        }),
      `creating account ${name}`,
    );
    if (!made.ok) return made;
    found = await findAccount(c, s, name);
    if (!found.ok) return found;
    if (!found.value) return fail(`slurmrestd did not create account ${name}`);
  }
  if (found.value.onCluster) return ok(found.value);
  // 22.05 creates only the account record; its association on the cluster (user "") is added
  // separately, or adding users fails with slurmdbd's "Couldn't get left from query". Checked on
  // every run, so a crash between the two calls is repaired by the re-run.
  const assoc = await call(
    () => c.POST(`${DB}/associations`, { body: { associations: [{ account: name, cluster: s.cluster_name, user: "", parent_account: "root" }] } }),
    `adding account ${name} to cluster ${s.cluster_name}`,
  );
  if (!assoc.ok) return assoc;
  const check = await findAccount(c, s, name);
  if (!check.ok) return check;
  return check.value?.onCluster ? ok(check.value) : fail(`slurmrestd did not add account ${name} to cluster ${s.cluster_name}`);
}

/** Makes the account's user associations equal to the team's usernames (all of them when not blocked). */
async function syncUsers(c: SlurmClient, s: SlurmSettings, account: string, have: string[], want: string[]): Result<string[]> {
  for (const user of want.filter((u) => !have.includes(u))) {
    const u = await call(() => c.POST(`${DB}/users`, { body: { users: [{ name: user, default: { account } }] } }), `adding user ${user}`);
    if (!u.ok) return u;
    const a = await call(() => c.POST(`${DB}/associations`, { body: { associations: [{ account, cluster: s.cluster_name, user }] } }), `adding ${user} to ${account}`);
    if (!a.ok) return a;
  }
  for (const user of have.filter((u) => !want.includes(u))) {
    const d = await call(
      () => c.DELETE(`${DB}/association`, { params: { query: { account, user, cluster: s.cluster_name } } }),
      `removing ${user} from ${account}`,
    );
    if (!d.ok && !isNotFound(d.error.message)) return d;
  }
  return ok(want);
}

/** The project team, plus the user slurmrestd acts as, which submits the HPC jobs of the job API. */
function accountUsers(s: SlurmSettings, order: OrderRequest): string[] {
  return [...new Set([...order.team.map((m) => m.username), s.user_name].filter(isSlurmUserName))].sort();
}

function limitsMetadata(s: SlurmSettings, limits: Record<string, number>) {
  const tresMinutes: Record<string, number> = {};
  for (const [component, m] of Object.entries(s.components)) {
    if (typeof limits[component] === "number") tresMinutes[m.tres] = limitInTresMinutes(limits[component], m.unit_factor);
  }
  return tresMinutes;
}

async function provision(ctx: PluginContext, s: SlurmSettings, order: OrderRequest): Result<Provisioned> {
  const c = slurmClient(ctx, s);
  const name = order.resource.backendId || accountName(s.account_prefix, order.resource);
  const acct = await ensureAccount(c, s, name, order.resource);
  if (!acct.ok) return acct;
  const users = await syncUsers(c, s, name, acct.value.users, accountUsers(s, order));
  if (!users.ok) return users;
  return ok({
    backendId: name,
    state: "OK",
    metadata: { cluster: s.cluster_name, account: name, users: users.value, tres_minutes_limits: limitsMetadata(s, order.limits), blocked: false },
    limits: order.limits,
  });
}

async function cancelRunningJobs(c: SlurmClient, account: string): Result<number> {
  const jobs = await call(() => c.GET("/slurm/v0.0.38/jobs", {}), "listing jobs");
  if (!jobs.ok) return jobs;
  const live = (jobs.value.jobs ?? []).filter((j) => j.account === account && ["PENDING", "RUNNING", "SUSPENDED", "CONFIGURING"].includes(j.job_state ?? ""));
  for (const j of live) {
    const d = await call(() => c.DELETE("/slurm/v0.0.38/job/{job_id}", { params: { path: { job_id: String(j.job_id) } } }), `cancelling job ${j.job_id}`);
    if (!d.ok && !isNotFound(d.error.message)) return d;
  }
  return ok(live.length);
}

async function accountedJobs(c: SlurmClient, s: SlurmSettings, account: string, periodStart: Date): Result<AccountedJob[]> {
  const r = await call(
    () =>
      c.GET(`${DB}/jobs`, {
        params: { query: { account, cluster: s.cluster_name, start_time: periodStart.toISOString().slice(0, 19) } },
      }),
    `reading accounting for ${account}`,
  );
  if (!r.ok) return isNotFound(r.error.message) && !r.error.transient ? ok([]) : r;
  return ok(
    (r.value.jobs ?? [])
      .filter((j) => j.account === account)
      .map((j) => ({ tres: j.tres?.allocated ?? [], start: j.time?.start ?? 0, end: j.time?.end ?? 0 })),
  );
}

export const slurmPlugin: ProviderPlugin<SlurmSettings> = {
  name: "slurm",
  offeringTypes: ["Marketplace.Slurm", "SlurmInvoices.SlurmPackage"],
  settingsSchema: slurmSettingsSchema,

  validateOrder(order) {
    const problems: { field: string; message: string }[] = [];
    for (const [k, val] of Object.entries(order.limits)) {
      if (!Number.isInteger(val) || val < 0) problems.push({ field: `limits.${k}`, message: "A limit is a whole number of units, 0 or more." });
    }
    if (order.type === "Create" && order.team.some((m) => !isSlurmUserName(m.username))) {
      const bad = order.team.filter((m) => !isSlurmUserName(m.username)).map((m) => m.username);
      problems.push({ field: "team", message: `Usernames SLURM cannot use: ${bad.join(", ")}.` });
    }
    return problems;
  },

  create: provision,
  updateLimits: provision,

  async terminate(ctx, s, order) {
    const c = slurmClient(ctx, s);
    const name = order.resource.backendId || accountName(s.account_prefix, order.resource);
    const cancelled = await cancelRunningJobs(c, name);
    if (!cancelled.ok) return cancelled;
    const released = await releaseDefaultAccount(c, s, name);
    if (!released.ok) return released;
    const d = await call(() => c.DELETE(`${DB}/account/{account_name}`, { params: { path: { account_name: name } } }), `removing account ${name}`);
    if (!d.ok && !isNotFound(d.error.message)) return d;
    const gone = await findAccount(c, s, name);
    if (!gone.ok) return gone;
    return gone.value ? fail(`account ${name} is still present after removal`, true) : ok(undefined);
  },

  async poll(ctx, s, resource) {
    const c = slurmClient(ctx, s);
    const name = resource.backendId || accountName(s.account_prefix, resource);
    const found = await findAccount(c, s, name);
    if (!found.ok) return found;
    if (!found.value) return ok({ state: "Erred", metadata: resource.backendMetadata, errorMessage: `account ${name} no longer exists on ${s.cluster_name}` });
    return ok({ state: "OK", metadata: { ...resource.backendMetadata, users: found.value.users } });
  },

  async collectUsage(ctx, s, resource, periodStart) {
    const c = slurmClient(ctx, s);
    const name = resource.backendId || accountName(s.account_prefix, resource);
    const jobs = await accountedJobs(c, s, name, periodStart);
    if (!jobs.ok) return jobs;
    return ok(usageFromJobs(jobs.value, s.components, periodStart, ctx.now()));
  },

  async enforceLimits(ctx, s, resource, usage) {
    const over = overLimit(usage, resource.limits);
    if (over.length === 0 || resource.backendMetadata.blocked === true) return ok(null);
    const blocked = await blockAccount(ctx, s, resource);
    if (!blocked.ok) return blocked;
    return ok({ ...resource.backendMetadata, users: [], blocked: true, blocked_components: over, cancelled_jobs: blocked.value.cancelled });
  },
};

/**
 * SLURM refuses to remove an account that is some user's default account. Such users get another
 * of their accounts as default, or, when this was their only one, are removed from accounting.
 */
async function releaseDefaultAccount(c: SlurmClient, s: SlurmSettings, account: string): Result<void> {
  const found = await findAccount(c, s, account);
  if (!found.ok || !found.value) return found.ok ? ok(undefined) : found;
  for (const user of found.value.users) {
    const u = await call(() => c.GET(`${DB}/user/{user_name}`, { params: { path: { user_name: user } } }), `reading user ${user}`);
    if (!u.ok) {
      if (isNotFound(u.error.message)) continue;
      return u;
    }
    const info = u.value.users?.find((x) => x.name === user);
    if (!info || info.default?.account !== account) continue;
    const other = (info.associations ?? []).find((a) => a.account && a.account !== account)?.account;
    const r = other
      ? await call(() => c.POST(`${DB}/users`, { body: { users: [{ name: user, default: { account: other } }] } }), `moving ${user}'s default account to ${other}`)
      : await call(() => c.DELETE(`${DB}/user/{user_name}`, { params: { path: { user_name: user } } }), `removing user ${user}`);
    if (!r.ok && !isNotFound(r.error.message)) return r;
  }
  return ok(undefined);
}

/** Over its allocation: stop the account's running jobs and take its users off it. */
export async function blockAccount(ctx: PluginContext, s: SlurmSettings, resource: ResourceRef): Result<{ cancelled: number }> {
  const c = slurmClient(ctx, s);
  const name = resource.backendId;
  if (!name) return fail("resource has no SLURM account yet");
  const found = await findAccount(c, s, name);
  if (!found.ok) return found;
  if (found.value) {
    const users = await syncUsers(c, s, name, found.value.users, []);
    if (!users.ok) return users;
  }
  const cancelled = await cancelRunningJobs(c, name);
  return cancelled.ok ? ok({ cancelled: cancelled.value }) : cancelled;
}

/** Components whose usage has reached the resource's limit (empty when within the allocation). */
export function overLimit(usage: Record<string, string>, limits: Record<string, number>): string[] {
  return Object.entries(limits)
    .filter(([k, lim]) => usage[k] !== undefined && compareDecimal(usage[k]!, String(lim)) >= 0)
    .map(([k]) => k);
}
