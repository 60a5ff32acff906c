// Demo data for a new local install, created through the public API (so it exercises the same
// validation and rules as any client): a provider organization with offerings in several categories,
// and a customer organization with a project and users. With the chain localnet, the demo users
// also prove their localnet wallets (wallet-auth link) before any offering goes Active, so the
// demo's offerings and orders go on chain.
import { Secp256k1HdWallet, type StdSignDoc } from "@cosmjs/amino";
import { type DomainCall, proveDomainOverWellKnown, verifiedDomainOf } from "./domain-proof.ts";

type Json = Record<string, unknown> & { url: string; uuid: string };

export interface DemoLogins {
  staff: { username: string; password: string };
  users: { username: string; password: string; role: string }[];
  tokens: Record<string, string>;
}

class Client {
  constructor(
    readonly base: string,
    readonly token?: string,
  ) {}
  async call<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        "Content-Type": "application/json",
        ...(this.token ? { Authorization: `Token ${this.token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : {}) as T;
  }
  get<T = Json>(p: string) {
    return this.call<T>("GET", p);
  }
  /** First item of a filtered list, or undefined. */
  async first(p: string): Promise<Json | undefined> {
    return (await this.call<Json[]>("GET", p))[0];
  }
  post<T = Json>(p: string, b: unknown = {}) {
    return this.call<T>("POST", p, b);
  }
}

export const DEMO_PASSWORD = "virtengine-demo-1";
const DEMO_USERS = [
  { username: "provider", first_name: "Pat", last_name: "Provider", role: "owner of Nimbus Compute (service provider)" },
  { username: "alice", first_name: "Alice", last_name: "Customer", role: "owner of Helix Labs (customer)" },
  { username: "bob", first_name: "Bob", last_name: "Researcher", role: "admin of project Genome pipeline" },
];

async function login(base: string, username: string, password: string): Promise<string> {
  const r = await new Client(base).post<{ token: string }>("/api-auth/password/", { username, password });
  return r.token;
}

/** Localnet accounts (accounts.json) for the demo users' wallets. */
export interface DemoWallets {
  prefix: string;
  accounts: Record<string, { address: string; mnemonic: string }>;
}

/** Which localnet account each demo user signs in with: the provider organization's owner and the customers. */
export const DEMO_WALLETS: Record<string, string> = { provider: "provider", alice: "customer1", bob: "customer2" };

/** Links each demo user to its localnet account by signing the wallet-auth challenge (idempotent). */
async function linkWallets(base: string, wallets: DemoWallets): Promise<void> {
  for (const [username, account] of Object.entries(DEMO_WALLETS)) {
    const acct = wallets.accounts[account];
    if (!acct) continue;
    const api = new Client(base, await login(base, username, DEMO_PASSWORD));
    const me = await api.get<{ wallet_address: string | null }>("/api/users/me/");
    if (me.wallet_address === acct.address) continue;
    const wallet = await Secp256k1HdWallet.fromMnemonic(acct.mnemonic, { prefix: wallets.prefix });
    const ch = await api.post<{ nonce: string; sign_doc: StdSignDoc }>("/api/wallet-auth/challenge/", { address: acct.address });
    const signed = await wallet.signAmino(acct.address, ch.sign_doc);
    await api.post("/api/wallet-auth/link/", { nonce: ch.nonce, address: acct.address, pub_key: signed.signature.pub_key.value, signature: signed.signature.signature });
  }
}

/**
 * Issue 7: offerings go live only for a provider with a verified domain. The demo provider proves
 * one through the real flow against a well-known server on loopback that lives only while seeding
 * (the Worker checks over http with a port in local mode only). False, with the reason printed,
 * when the API refused it (not local mode): the demo offerings then stay Draft.
 */
async function ensureProviderDomain(base: string, customer: Json): Promise<boolean> {
  const token = await login(base, "provider", DEMO_PASSWORD);
  const call: DomainCall = async (method, path, body) => {
    const res = await fetch(base + path, {
      method,
      headers: { "Content-Type": "application/json", Authorization: `Token ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  try {
    if (await verifiedDomainOf(call, customer.uuid)) return true;
    const proven = await proveDomainOverWellKnown(call, customer.url);
    console.log(`demo provider ${String(customer.name)}: domain ${proven.domain} verified (well-known file on loopback, during seeding only)`);
    return true;
  } catch (e) {
    console.error(`demo provider ${String(customer.name)}: domain not verified, demo offerings stay Draft: ${(e as Error).message}`);
    return false;
  }
}

/** Idempotent: when the demo provider organization exists, only logs in and returns tokens. */
export async function seedDemo(base: string, staff: { username: string; password: string }, wallets?: DemoWallets): Promise<DemoLogins> {
  const staffApi = new Client(base, await login(base, staff.username, staff.password));
  // The demo is complete when its last object exists; otherwise (re)create what is missing.
  const existing = await staffApi.get<Json[]>("/api/projects/?name_exact=Genome%20pipeline");
  const out: DemoLogins = {
    staff,
    users: DEMO_USERS.map((u) => ({ username: u.username, password: DEMO_PASSWORD, role: u.role })),
    tokens: {},
  };
  if (existing.length === 0) await createDemo(base, staffApi, wallets);
  else {
    if (wallets) await linkWallets(base, wallets);
    // Installs seeded before providers had to verify a domain get it now.
    const nimbus = await staffApi.first("/api/customers/?name_exact=Nimbus%20Compute");
    if (nimbus) await ensureProviderDomain(base, nimbus);
  }
  for (const u of DEMO_USERS) out.tokens[u.username] = await login(base, u.username, DEMO_PASSWORD);
  return out;
}

async function createDemo(base: string, staffApi: Client, wallets?: DemoWallets) {
  const users: Record<string, Json> = {};
  for (const u of DEMO_USERS) {
    const found = await staffApi.get<Json[]>(`/api/users/?username=${u.username}`);
    users[u.username] = found[0] ?? await staffApi.post("/api/users/", {
      username: u.username,
      password: DEMO_PASSWORD,
      email: `${u.username}@demo.virtengine.local`,
      first_name: u.first_name,
      last_name: u.last_name,
    });
  }
  // Before any offering is activated: an offering goes on chain when its provider has a wallet.
  if (wallets) await linkWallets(base, wallets);
  const provider = new Client(base, await login(base, "provider", DEMO_PASSWORD));
  const alice = new Client(base, await login(base, "alice", DEMO_PASSWORD));

  const nimbus =
    (await provider.first("/api/customers/?name_exact=Nimbus%20Compute")) ??
    (await provider.post<Json>("/api/customers/", { name: "Nimbus Compute", abbreviation: "NIMBUS", country: "EE" }));
  if ((await provider.get<Json[]>(`/api/marketplace-service-providers/?customer_uuid=${nimbus.uuid}`)).length === 0) {
    await provider.post("/api/marketplace-service-providers/", { customer: nimbus.url, description: "OpenStack, Kubernetes and HPC" });
  }
  // Its owner authorises the Worker's executor key for its plugins, without which its offerings'
  // credentials are not sealed (openapi/sealed-flows.md, offering secret options).
  const sp = (await provider.first(`/api/marketplace-service-providers/?customer_uuid=${nimbus.uuid}`))!;
  const exec = await provider.get<Json>(`/api/marketplace-service-providers/${sp.uuid}/executor_key/`);
  if (!exec.current_key_authorised) await provider.post(`/api/marketplace-service-providers/${sp.uuid}/executor_key/`, { key_id: (exec.executor_key as { key_id: string }).key_id });

  const live = await ensureProviderDomain(base, nimbus);

  const category = async (title: string, description: string) =>
    (await staffApi.first(`/api/marketplace-categories/?title=${encodeURIComponent(title)}`)) ??
    (await staffApi.post<Json>("/api/marketplace-categories/", { title, description }));
  const vms = await category("Virtual machines", "OpenStack instances and tenants");
  const hpc = await category("HPC", "SLURM allocations and batch jobs");
  const k8s = await category("Kubernetes", "Namespaces with quotas");
  const support = await category("Support", "Consulting and managed services");

  const offering = async (body: Record<string, unknown>) => {
    const found = await provider.get<Json[]>(
      `/api/marketplace-provider-offerings/?customer_uuid=${nimbus.uuid}&name_exact=${encodeURIComponent(String(body.name))}`,
    );
    if (found[0]) return found[0];
    const o = await provider.post("/api/marketplace-provider-offerings/", { customer: nimbus.url, shared: true, billable: true, ...body });
    if (live) await staffApi.post(`/api/marketplace-provider-offerings/${o.uuid}/activate/`);
    return o;
  };
  await offering({
    name: "Cloud VM (OpenStack)",
    category: vms.url,
    type: "OpenStack.Instance",
    description: "General purpose virtual machines",
    components: [
      { type: "cores", name: "Cores", measured_unit: "cores", billing_type: "limit", limit_period: "month", max_value: 64 },
      { type: "ram", name: "RAM", measured_unit: "GB", billing_type: "limit", limit_period: "month", max_value: 256 },
      { type: "storage", name: "Storage", measured_unit: "GB", billing_type: "limit", limit_period: "month", max_value: 4096 },
    ],
    plans: [{ name: "Standard", unit: "month", prices: { cores: "5.00", ram: "2.50", storage: "0.05" } }],
  });
  await offering({
    name: "HPC allocation (SLURM)",
    category: hpc.url,
    type: "Marketplace.Slurm",
    description: "CPU and GPU hours on the Nimbus cluster",
    plugin_options: { service_provider_can_create_offering_user: true, username_generation_policy: "waldur_username" },
    components: [
      { type: "cpu", name: "CPU", measured_unit: "k-Hours", billing_type: "usage", limit_period: "total" },
      { type: "gpu", name: "GPU", measured_unit: "Hours", billing_type: "usage", limit_period: "total" },
      { type: "ram", name: "RAM", measured_unit: "GB-Hours", billing_type: "usage", limit_period: "total" },
    ],
    plans: [{ name: "Research", unit: "month", prices: { cpu: "12.00", gpu: "1.20", ram: "0.01" } }],
  });
  await offering({
    name: "Kubernetes namespace",
    category: k8s.url,
    type: "Kubernetes.Namespace",
    description: "A namespace with CPU and memory quota",
    components: [
      { type: "cpu", name: "CPU", measured_unit: "cores", billing_type: "limit", limit_period: "month", max_value: 32 },
      { type: "memory", name: "Memory", measured_unit: "GiB", billing_type: "limit", limit_period: "month", max_value: 128 },
    ],
    plans: [{ name: "Namespace", unit: "month", prices: { cpu: "8.00", memory: "2.00" } }],
  });
  await offering({
    name: "Expert support",
    category: support.url,
    type: "Marketplace.Basic",
    description: "Hours of consulting with the Nimbus engineers",
    components: [{ type: "hours", name: "Hours", measured_unit: "hours", billing_type: "fixed" }],
    plans: [{ name: "10 hours", unit: "month", prices: { hours: "90.00" }, quotas: { hours: 10 } }],
  });

  const helix =
    (await alice.first("/api/customers/?name_exact=Helix%20Labs")) ??
    (await alice.post<Json>("/api/customers/", { name: "Helix Labs", abbreviation: "HELIX", country: "DE" }));
  const project = await alice.post("/api/projects/", { name: "Genome pipeline", customer: helix.url });
  await alice.post(`/api/projects/${project.uuid}/add_user/`, { role: "PROJECT.ADMIN", user: users.bob!.uuid });
}
