// TEST SERVER — not OpenStack. Nova, Neutron, Cinder and Glance cannot run on this machine (they
// need a message bus, libvirt, OVS…), so the OpenStack plugin tests talk to this in-process HTTP
// server instead. It follows the OpenStack API reference for exactly the calls the plugin makes:
// status codes (202 on server/volume create, 204 on server delete, 404 itemNotFound…), async
// states (BUILD → ACTIVE after a delay, ERROR for a broken image, deleting → gone), each service's
// error body ({"badRequest": {...}}, {"NeutronError": {...}}, glance's HTML), pagination with
// limit/marker and `*_links` / glance `next`, microversion headers (406 out of range, features
// gated by version), quotas (nova 403 forbidden, cinder 413 overLimit, neutron 409 OverQuota).
//
// Tokens are checked against the REAL Keystone: GET /v3/auth/tokens with the token as both
// X-Auth-Token and X-Subject-Token (Keystone's policy lets a token's subject validate it), cached
// until expires_at as keystonemiddleware does. Fallback when no keystoneUrl is given: tokens
// registered with allowToken() only.
//
// Paths (registered in Keystone's catalog by infra/keystone/up.sh, RegionOne):
//   /compute/v2.1/…   /network/v2.0/…   /volume/v3/{project_id}/…   /image/v2/…
// Fault hooks: failNext(service, n, status) answers the next n calls with a proxy's 503 page;
// stop()/start() make the port refuse connections; setQuota(); the image "broken-image" boots
// into ERROR; "queued-image" is not active.
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

export type Service = "compute" | "network" | "volume" | "image";
type Json = Record<string, unknown>;
interface Caller {
  projectId: string;
  userId: string;
  admin: boolean;
  expiresAt: number;
}
interface Reply {
  status: number;
  body?: unknown;
  text?: string;
  headers?: Record<string, string>;
}
class HttpError extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

export interface TestServerOptions {
  port?: number;
  keystoneUrl?: string;
  buildDelayMs?: number;
  deleteDelayMs?: number;
  volumeDelayMs?: number;
  /** Nova's/neutron's/cinder's max_limit: pages never exceed it. Small, so pagination happens. */
  maxLimit?: number;
}

const NOVA_MIN = [2, 1];
const NOVA_MAX = [2, 93]; // Zed
const CINDER_MIN = [3, 0];
const CINDER_MAX = [3, 70]; // Zed
const NOVA_FAULT: Record<number, string> = {
  400: "badRequest",
  401: "unauthorized",
  403: "forbidden",
  404: "itemNotFound",
  405: "badMethod",
  409: "conflictingRequest",
  413: "overLimit",
  415: "badMediaType",
  429: "overLimit",
  501: "notImplemented",
  503: "serviceUnavailable",
};
const DEFAULT_QUOTAS = {
  compute: { instances: 10, cores: 20, ram: 51200, key_pairs: 100 },
  network: { network: 100, subnet: 100, router: 10, port: 500, floatingip: 50, security_group: 10, security_group_rule: 100 },
  volume: { volumes: 10, gigabytes: 1000, snapshots: 10 },
} as const;

/** nova and cinder: {"<faultName>": {"code", "message"}} */
const fault = (status: number, message: string, extra: Json = {}): never => {
  throw new HttpError({ status, body: { [NOVA_FAULT[status] ?? "computeFault"]: { code: status, message, ...extra } } });
};
/** neutron: {"NeutronError": {"type", "message", "detail"}} */
const neutronError = (status: number, type: string, message: string): never => {
  throw new HttpError({ status, body: { NeutronError: { type, message, detail: "" } } });
};

const parseVersion = (v: string): number[] | undefined => (/^\d+\.\d+$/.test(v) ? v.split(".").map(Number) : undefined);
const cmp = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]!;

export class OpenStackTestServer {
  readonly opts: Required<Omit<TestServerOptions, "keystoneUrl">> & { keystoneUrl?: string };
  private server: http.Server | undefined;
  private port = 0;
  /** Every request: for tests counting calls (e.g. one POST /servers across a crash + re-run). */
  readonly calls: { service: string; method: string; path: string; status: number; headers: http.IncomingHttpHeaders }[] = [];
  private failures = new Map<Service | "all", { n: number; status: number }>();
  private failRules: { method: string; path: RegExp; n: number; status: number }[] = [];
  private tokens = new Map<string, Caller>();
  private allowed = new Map<string, Omit<Caller, "expiresAt">>();

  readonly externalNetworkId = randomUUID();
  readonly flavors: Json[] = [
    ["1", "m1.tiny", 1, 512, 1],
    ["2", "m1.small", 1, 2048, 20],
    ["3", "m1.medium", 2, 4096, 40],
    ["4", "m1.large", 4, 8192, 80],
    ["5", "m1.xlarge", 8, 16384, 160],
  ].map(([id, name, vcpus, ram, disk]) => ({ id, name, vcpus, ram, disk, "OS-FLV-EXT-DATA:ephemeral": 0, swap: 0, rxtx_factor: 1, "os-flavor-access:is_public": true }));
  readonly images: Json[] = [
    { id: randomUUID(), name: "cirros-0.6.2", status: "active", visibility: "public", disk_format: "qcow2", min_disk: 0, min_ram: 0, size: 21430272 },
    { id: randomUUID(), name: "broken-image", status: "active", visibility: "public", disk_format: "qcow2", min_disk: 0, min_ram: 0, size: 1 },
    { id: randomUUID(), name: "queued-image", status: "queued", visibility: "public", disk_format: "qcow2", min_disk: 0, min_ram: 0, size: null },
  ];
  readonly servers = new Map<string, Json>();
  readonly keypairs = new Map<string, Json>(); // `${userId}/${name}`
  readonly networks = new Map<string, Json>();
  readonly subnets = new Map<string, Json>();
  readonly routers = new Map<string, Json>();
  readonly ports = new Map<string, Json>();
  readonly floatingips = new Map<string, Json>();
  readonly securityGroups = new Map<string, Json>();
  readonly volumes = new Map<string, Json>();
  readonly quotas = { compute: new Map<string, Json>(), network: new Map<string, Json>(), volume: new Map<string, Json>() };
  /** Pending async transitions, applied lazily at the start of each request (deterministic). */
  private pending: { at: number; run: () => void }[] = [];
  private ipCounter = 10;
  /** volume id → server id, while a BUILDing server holds the volume */
  private reservations = new Map<string, string>();

  constructor(opts: TestServerOptions = {}) {
    this.opts = { port: 0, buildDelayMs: 300, deleteDelayMs: 200, volumeDelayMs: 200, maxLimit: 2, ...opts };
    const ext = { id: this.externalNetworkId, name: "public", project_id: "admin", tenant_id: "admin", shared: true, "router:external": true, status: "ACTIVE", admin_state_up: true, subnets: [] as string[], description: "" };
    this.networks.set(ext.id, ext);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.server) return;
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once("error", reject);
      this.server!.listen(this.port || this.opts.port, "127.0.0.1", () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Closes the port (clients get ECONNREFUSED) but keeps all state for start(). */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  /** The next n calls to a service (or all) get `status` from the "load balancer" in front. */
  failNext(service: Service | "all", n: number, status = 503): void {
    this.failures.set(service, { n, status });
  }

  /** The next n calls matching method + path (e.g. POST /compute/v2.1/servers) get `status`: a crash point. */
  failOn(method: string, path: RegExp, n = 1, status = 503): void {
    this.failRules.push({ method, path, n, status });
  }

  allowToken(token: string, caller: { projectId: string; userId?: string; admin?: boolean }): void {
    this.allowed.set(token, { projectId: caller.projectId, userId: caller.userId ?? "user", admin: caller.admin ?? false });
  }

  setQuota(service: "compute" | "network" | "volume", projectId: string, values: Record<string, number>): void {
    this.quotas[service].set(projectId, { ...this.quotaOf(service, projectId), ...values });
  }

  /** A project network + subnet, as an operator would have made (instances attach to it). */
  addNetwork(projectId: string, name: string, cidr = "10.0.0.0/24"): { networkId: string; subnetId: string } {
    const net = { id: randomUUID(), name, project_id: projectId, tenant_id: projectId, shared: false, "router:external": false, status: "ACTIVE", admin_state_up: true, subnets: [] as string[], description: "" };
    const sub = { id: randomUUID(), name: `${name}-subnet`, network_id: net.id, project_id: projectId, tenant_id: projectId, cidr, ip_version: 4, gateway_ip: cidr.replace(/\d+\/\d+$/, "1"), enable_dhcp: true, dns_nameservers: [], description: "" };
    net.subnets.push(sub.id);
    this.networks.set(net.id, net);
    this.subnets.set(sub.id, sub);
    return { networkId: net.id, subnetId: sub.id };
  }

  imageId(name: string): string {
    return String(this.images.find((i) => i.name === name)!.id);
  }

  /** What a project holds in one service (the tests' leak checks). */
  owned(projectId: string) {
    const mine = (m: Map<string, Json>) => [...m.values()].filter((x) => x.project_id === projectId || x.tenant_id === projectId);
    return {
      servers: mine(this.servers),
      volumes: mine(this.volumes),
      floatingips: mine(this.floatingips),
      networks: mine(this.networks),
      subnets: mine(this.subnets),
      routers: mine(this.routers),
      ports: mine(this.ports),
    };
  }

  // ---------------------------------------------------------------- plumbing

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const m = /^\/(compute|network|volume|image)(\/.*)?$/.exec(url.pathname);
    const service = (m?.[1] ?? "unknown") as Service;
    let reply: Reply;
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString("utf8");
      reply = await this.route(service, req.method ?? "GET", m?.[2] ?? "/", url, req.headers, raw);
    } catch (e) {
      if (e instanceof HttpError) reply = e.reply;
      else reply = { status: 500, body: { computeFault: { code: 500, message: `test server bug: ${(e as Error).message}` } } };
    }
    this.calls.push({ service, method: req.method ?? "GET", path: url.pathname + url.search, status: reply.status, headers: req.headers });
    const headers: Record<string, string> = { ...(reply.headers ?? {}) };
    let payload = "";
    if (reply.text !== undefined) {
      payload = reply.text;
      headers["Content-Type"] ??= "text/html; charset=UTF-8";
    } else if (reply.body !== undefined) {
      payload = JSON.stringify(reply.body);
      headers["Content-Type"] = "application/json";
    }
    res.writeHead(reply.status, headers);
    res.end(reply.status === 204 ? undefined : payload);
  }

  private async route(service: Service, method: string, path: string, url: URL, h: http.IncomingHttpHeaders, raw: string): Promise<Reply> {
    // the load balancer in front answers before any service does
    const rule = this.failRules.find((r) => r.n > 0 && r.method === method && r.path.test(url.pathname));
    for (const f of [this.failures.get(service), this.failures.get("all"), rule]) {
      if (f && f.n > 0) {
        f.n--;
        return { status: f.status, text: `<html><body><h1>${f.status} Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>` };
      }
    }
    const caller = await this.authenticate(h);
    this.tick();
    let body: Json = {};
    if (raw) {
      try {
        body = JSON.parse(raw) as Json;
      } catch {
        if (service === "network") neutronError(400, "BadRequest", "Malformed request body");
        fault(400, "Malformed request body");
      }
    }
    const q = url.searchParams;
    if (service === "compute" && path.startsWith("/v2.1")) return this.nova(method, path.slice(5), q, h, body, caller);
    if (service === "network" && path.startsWith("/v2.0")) return this.neutron(method, path.slice(5), q, body, caller);
    if (service === "volume") {
      const vm = /^\/v3\/([^/]+)(\/.*)$/.exec(path);
      if (vm) return this.cinder(method, vm[1]!, vm[2]!, q, h, body, caller);
    }
    if (service === "image" && path.startsWith("/v2")) return this.glance(method, path.slice(3), q);
    return { status: 404, text: "404 Not Found\n\nThe resource could not be found.\n\n" };
  }

  private async authenticate(h: http.IncomingHttpHeaders): Promise<Caller> {
    const unauthorized = (): never => {
      // keystonemiddleware's answer, with the Keystone URI clients may use to authenticate
      throw new HttpError({
        status: 401,
        body: { error: { code: 401, title: "Unauthorized", message: "The request you have made requires authentication." } },
        headers: { "WWW-Authenticate": `Keystone uri="${this.opts.keystoneUrl ?? ""}"` },
      });
    };
    const token = h["x-auth-token"];
    if (typeof token !== "string" || !token) return unauthorized();
    const cached = this.tokens.get(token);
    if (cached && cached.expiresAt > Date.now()) return cached;
    const allowed = this.allowed.get(token);
    if (allowed) return { ...allowed, expiresAt: Number.POSITIVE_INFINITY };
    if (!this.opts.keystoneUrl) return unauthorized();
    const res = await fetch(`${this.opts.keystoneUrl.replace(/\/+$/, "")}/auth/tokens?nocatalog`, {
      headers: { "X-Auth-Token": token, "X-Subject-Token": token, Accept: "application/json" },
    });
    if (res.status !== 200) {
      await res.body?.cancel();
      return unauthorized();
    }
    const t = ((await res.json()) as { token: { expires_at: string; project?: { id: string }; user: { id: string }; roles?: { name: string }[] } }).token;
    if (!t.project) return unauthorized();
    const caller = { projectId: t.project.id, userId: t.user.id, admin: (t.roles ?? []).some((r) => r.name === "admin"), expiresAt: Date.parse(t.expires_at) };
    this.tokens.set(token, caller);
    return caller;
  }

  private after(ms: number, run: () => void): void {
    this.pending.push({ at: Date.now() + ms, run });
    // also on a timer, so state moves when nobody asks (tests read the stores directly)
    setTimeout(() => this.tick(), ms + 1).unref();
  }

  private tick(): void {
    const now = Date.now();
    const due = this.pending.filter((p) => p.at <= now);
    this.pending = this.pending.filter((p) => p.at > now);
    for (const p of due) p.run();
  }

  /** limit/marker pagination; `next` builds the link to the following page. */
  private page<T extends Json>(items: T[], q: URLSearchParams, next: (marker: string, limit: number) => string, onBadMarker: () => never) {
    const limit = Math.min(Number(q.get("limit") ?? this.opts.maxLimit) || this.opts.maxLimit, this.opts.maxLimit);
    let start = 0;
    const marker = q.get("marker");
    if (marker) {
      const i = items.findIndex((x) => String(x.id) === marker);
      if (i < 0) onBadMarker();
      start = i + 1;
    }
    const slice = items.slice(start, start + limit);
    // like nova/neutron/cinder: a full page gets a next link (which may lead to an empty page)
    const link = slice.length === limit ? next(String(slice[slice.length - 1]!.id), limit) : undefined;
    return { slice, link };
  }

  private nextHref(prefix: string, q: URLSearchParams, marker: string, limit: number): string {
    const p = new URLSearchParams(q);
    p.set("limit", String(limit));
    p.set("marker", marker);
    return `${this.url}${prefix}?${p.toString()}`;
  }

  private quotaOf(service: "compute" | "network" | "volume", projectId: string): Json {
    return this.quotas[service].get(projectId) ?? { ...DEFAULT_QUOTAS[service] };
  }

  private visible(x: Json, caller: Caller, q?: URLSearchParams): boolean {
    if (caller.admin && q?.get("all_tenants")) {
      const p = q.get("project_id") ?? q.get("tenant_id");
      return !p || x.project_id === p || x.tenant_id === p;
    }
    return x.project_id === caller.projectId || x.tenant_id === caller.projectId;
  }

  // ---------------------------------------------------------------- nova

  private novaVersion(h: http.IncomingHttpHeaders): number[] {
    const std = typeof h["openstack-api-version"] === "string" ? /(?:^|,)\s*compute\s+(\S+)/.exec(h["openstack-api-version"])?.[1] : undefined;
    const legacy = typeof h["x-openstack-nova-api-version"] === "string" ? h["x-openstack-nova-api-version"] : undefined;
    const raw = std ?? legacy;
    if (!raw) return NOVA_MIN;
    if (raw === "latest") return NOVA_MAX;
    const v = parseVersion(raw);
    if (!v) fault(400, `API Version String ${raw} is of invalid format. Must be of format MajorNum.MinorNum.`);
    if (cmp(v!, NOVA_MIN) < 0 || cmp(v!, NOVA_MAX) > 0) {
      fault(406, `Version ${raw} is not supported by the API. Minimum is ${NOVA_MIN.join(".")} and maximum is ${NOVA_MAX.join(".")}.`);
    }
    return v!;
  }

  private nova(method: string, path: string, q: URLSearchParams, h: http.IncomingHttpHeaders, body: Json, caller: Caller): Reply {
    const mv = this.novaVersion(h);
    const vh = { "OpenStack-API-Version": `compute ${mv.join(".")}`, "X-OpenStack-Nova-API-Version": mv.join("."), Vary: "OpenStack-API-Version, X-OpenStack-Nova-API-Version" };
    const r = this.novaRoute(method, path, q, body, caller, mv);
    return { ...r, headers: { ...vh, ...(r.headers ?? {}) } };
  }

  private novaRoute(method: string, path: string, q: URLSearchParams, body: Json, caller: Caller, mv: number[]): Reply {
    let m: RegExpExecArray | null;
    if (method === "GET" && path === "/flavors/detail") {
      const { slice, link } = this.page(this.flavors, q, (mk, l) => this.nextHref("/compute/v2.1/flavors/detail", q, mk, l), () => fault(400, `marker [${q.get("marker")}] not found`));
      return { status: 200, body: { flavors: slice, ...(link ? { flavors_links: [{ rel: "next", href: link }] } : {}) } };
    }
    if (method === "GET" && path === "/servers/detail") {
      let list = [...this.servers.values()].filter((s) => this.visible(s, caller, q));
      // tag filters exist from 2.26; before that nova ignores the parameter
      const tags = q.get("tags");
      if (tags && cmp(mv, [2, 26]) >= 0) list = list.filter((s) => tags.split(",").every((t) => (s.tags as string[]).includes(t)));
      const name = q.get("name");
      if (name) list = list.filter((s) => new RegExp(name).test(String(s.name)));
      const { slice, link } = this.page(list, q, (mk, l) => this.nextHref("/compute/v2.1/servers/detail", q, mk, l), () => fault(400, `marker [${q.get("marker")}] not found`));
      return { status: 200, body: { servers: slice.map((s) => this.serverView(s, mv)), ...(link ? { servers_links: [{ rel: "next", href: link }] } : {}) } };
    }
    if (method === "POST" && path === "/servers") return this.createServer(body, caller, mv);
    m = /^\/servers\/([^/]+)\/action$/.exec(path);
    if (m && method === "POST") {
      const s = this.servers.get(m[1]!);
      if (!s || !this.visible(s, caller)) return fault(404, `Instance ${m[1]} could not be found.`);
      const action = "os-stop" in body ? "stop" : "os-start" in body ? "start" : undefined;
      if (!action) return fault(400, `There is no such action: ${Object.keys(body).join(",")}`);
      const from = action === "stop" ? "ACTIVE" : "SHUTOFF";
      if (s.status !== from || s["OS-EXT-STS:task_state"]) {
        fault(409, `Cannot '${action}' instance ${s.id} while it is in vm_state ${String(s["OS-EXT-STS:vm_state"])}`);
      }
      s["OS-EXT-STS:task_state"] = action === "stop" ? "powering-off" : "powering-on";
      this.after(this.opts.deleteDelayMs, () => {
        Object.assign(s, action === "stop" ? { status: "SHUTOFF", "OS-EXT-STS:vm_state": "stopped" } : { status: "ACTIVE", "OS-EXT-STS:vm_state": "active" });
        s["OS-EXT-STS:task_state"] = null;
      });
      return { status: 202 };
    }
    m = /^\/servers\/([^/]+)$/.exec(path);
    if (m) {
      const s = this.servers.get(m[1]!);
      if (!s || !this.visible(s, caller)) fault(404, `Instance ${m[1]} could not be found.`);
      if (method === "GET") return { status: 200, body: { server: this.serverView(s!, mv) } };
      if (method === "DELETE") {
        if (s!["OS-EXT-STS:task_state"] !== "deleting") {
          s!["OS-EXT-STS:task_state"] = "deleting";
          this.after(this.opts.deleteDelayMs, () => this.reapServer(String(s!.id)));
        }
        return { status: 204 };
      }
    }
    m = /^\/os-keypairs(?:\/([^/]+))?$/.exec(path);
    if (m) {
      const key = (name: string) => `${caller.userId}/${name}`;
      if (method === "POST" && !m[1]) {
        const kp = (body.keypair ?? {}) as Json;
        const name = String(kp.name ?? "");
        if (!name || typeof kp.public_key !== "string") fault(400, "Invalid input for field/attribute keypair. Value: {}. 'name' is a required property");
        if (this.keypairs.has(key(name))) fault(409, `Key pair '${name}' already exists.`);
        const rec = { name, public_key: kp.public_key, fingerprint: "00:11:22:33", type: "ssh", user_id: caller.userId };
        this.keypairs.set(key(name), rec);
        return { status: cmp(mv, [2, 2]) >= 0 ? 201 : 200, body: { keypair: rec } };
      }
      const rec = m[1] ? this.keypairs.get(key(m[1])) : undefined;
      if (!rec) fault(404, `Keypair ${m[1]} not found for user ${caller.userId}`);
      if (method === "GET") return { status: 200, body: { keypair: rec } };
      if (method === "DELETE") {
        this.keypairs.delete(key(m[1]!));
        return { status: cmp(mv, [2, 2]) >= 0 ? 204 : 202 };
      }
    }
    m = /^\/os-quota-sets\/([^/]+)(\/detail)?$/.exec(path);
    if (m) {
      const pid = m[1]!;
      if (method === "PUT") {
        if (!caller.admin) fault(403, "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.");
        const qs = (body.quota_set ?? {}) as Json;
        for (const [k, v] of Object.entries(qs)) if (typeof v !== "number" || !(k in DEFAULT_QUOTAS.compute)) fault(400, `Invalid input for field/attribute quota_set. Additional properties are not allowed ('${k}' was unexpected)`);
        this.setQuota("compute", pid, qs as Record<string, number>);
        return { status: 200, body: { quota_set: this.quotaOf("compute", pid) } };
      }
      if (method === "GET") {
        const quota = this.quotaOf("compute", pid);
        if (!m[2]) return { status: 200, body: { quota_set: { id: pid, ...quota } } };
        const used = this.novaUsage(pid);
        return { status: 200, body: { quota_set: { id: pid, ...Object.fromEntries(Object.entries(quota).map(([k, v]) => [k, { limit: v, in_use: used[k] ?? 0, reserved: 0 }])) } } };
      }
    }
    return fault(404, "The resource could not be found.");
  }

  private novaUsage(pid: string): Record<string, number> {
    const mine = [...this.servers.values()].filter((s) => s.tenant_id === pid);
    const fl = (s: Json) => this.flavors.find((f) => f.id === s.flavor_id)!;
    return {
      instances: mine.length,
      cores: mine.reduce((a, s) => a + Number(fl(s).vcpus), 0),
      ram: mine.reduce((a, s) => a + Number(fl(s).ram), 0),
      key_pairs: 0,
    };
  }

  private serverView(s: Json, mv: number[]): Json {
    const f = this.flavors.find((x) => x.id === s.flavor_id)!;
    const { flavor_id: _f, ...rest } = s;
    return {
      ...rest,
      // 2.47+: the flavor is embedded instead of linked
      flavor: cmp(mv, [2, 47]) >= 0 ? { original_name: f.name, vcpus: f.vcpus, ram: f.ram, disk: f.disk, ephemeral: 0, swap: 0, extra_specs: {} } : { id: f.id, links: [] },
      ...(cmp(mv, [2, 26]) >= 0 ? {} : { tags: undefined }),
    };
  }

  private createServer(body: Json, caller: Caller, mv: number[]): Reply {
    const s = body.server as Json | undefined;
    if (!s || typeof s !== "object") return fault(400, "Invalid input for field/attribute server. Value: None. 'server' is a required property");
    if (typeof s.name !== "string" || !s.name) fault(400, "Invalid input for field/attribute name. Value: None. None is not of type 'string'");
    if (s.tags !== undefined && cmp(mv, [2, 52]) < 0) fault(400, "Invalid input for field/attribute server. Value: ... Additional properties are not allowed ('tags' was unexpected)");
    if (s.networks === undefined && cmp(mv, [2, 37]) >= 0) fault(400, "Invalid input for field/attribute server. Value: ... 'networks' is a required property");
    const flavor = this.flavors.find((f) => f.id === s.flavorRef);
    if (!flavor) fault(400, `Flavor ${String(s.flavorRef)} could not be found.`);
    const image = this.images.find((i) => i.id === s.imageRef);
    if (!image) fault(400, `Image ${String(s.imageRef)} could not be found.`);
    if (image!.status !== "active") fault(400, `Image ${image!.id} is not active.`);
    if (s.key_name !== undefined && !this.keypairs.has(`${caller.userId}/${String(s.key_name)}`)) fault(400, "Invalid key_name provided.");
    const sgs = (Array.isArray(s.security_groups) ? s.security_groups : [{ name: "default" }]) as { name: string }[];
    for (const g of sgs) {
      if (!this.projectSecurityGroups(caller.projectId).some((x) => x.name === g.name || x.id === g.name)) {
        fault(400, `Security group ${g.name} not found for project ${caller.projectId}.`);
      }
    }
    const nets: Json[] = [];
    if (s.networks === "auto") {
      const own = [...this.networks.values()].find((n) => n.project_id === caller.projectId && !n["router:external"]);
      if (!own) fault(400, `Unable to automatically allocate a network for project ${caller.projectId}`);
      nets.push(own!);
    } else if (Array.isArray(s.networks)) {
      for (const n of s.networks as Json[]) {
        const net = this.networks.get(String(n.uuid));
        if (!net || (net.project_id !== caller.projectId && !net.shared && !caller.admin)) fault(400, `Network ${String(n.uuid)} could not be found.`);
        nets.push(net!);
      }
    }
    const vols: Json[] = [];
    for (const b of (Array.isArray(s.block_device_mapping_v2) ? s.block_device_mapping_v2 : []) as Json[]) {
      if (b.source_type !== "volume") continue;
      const v = this.volumes.get(String(b.uuid));
      if (!v || v.project_id !== caller.projectId) fault(400, `Block Device Mapping is Invalid: failed to get volume ${String(b.uuid)}.`);
      if (v!.status !== "available") fault(400, `Invalid volume: volume '${v!.id}' status must be 'available'. Currently in '${v!.status}'`);
      vols.push(v!);
    }
    // quota: every exceeded resource in one message, as nova words it
    const quota = this.quotaOf("compute", caller.projectId);
    const used = this.novaUsage(caller.projectId);
    const want: Record<string, number> = { instances: 1, cores: Number(flavor!.vcpus), ram: Number(flavor!.ram) };
    const over = Object.keys(want).filter((k) => Number(quota[k]) >= 0 && used[k]! + want[k]! > Number(quota[k]));
    if (over.length) {
      fault(403, `Quota exceeded for ${over.join(", ")}: Requested ${over.map((k) => want[k]).join(", ")}, but already used ${over.map((k) => used[k]).join(", ")} of ${over.map((k) => quota[k]).join(", ")} ${over.join(", ")}`);
    }
    const id = randomUUID();
    const server: Json = {
      id,
      name: s.name,
      status: "BUILD",
      "OS-EXT-STS:task_state": "spawning",
      "OS-EXT-STS:vm_state": "building",
      tenant_id: caller.projectId,
      user_id: caller.userId,
      metadata: (s.metadata ?? {}) as Json,
      tags: (s.tags ?? []) as string[],
      flavor_id: flavor!.id,
      image: { id: image!.id, links: [] },
      key_name: s.key_name ?? null,
      security_groups: sgs.map((g) => ({ name: g.name })),
      addresses: {},
      created: new Date().toISOString(),
      "os-extended-volumes:volumes_attached": [],
    };
    this.servers.set(id, server);
    for (const v of vols) {
      v.status = "reserved";
      this.reservations.set(String(v.id), id);
    }
    this.after(this.opts.buildDelayMs, () => this.finishBuild(id, image!, nets, vols));
    return {
      status: 202,
      headers: { Location: `${this.url}/compute/v2.1/servers/${id}` },
      body: { server: { id, links: [{ rel: "self", href: `${this.url}/compute/v2.1/servers/${id}` }], adminPass: "x7Hq2pLm9sTd", security_groups: server.security_groups, "OS-DCF:diskConfig": "MANUAL" } },
    };
  }

  private finishBuild(id: string, image: Json, nets: Json[], vols: Json[]): void {
    const s = this.servers.get(id);
    if (!s || s["OS-EXT-STS:task_state"] === "deleting") return;
    for (const v of vols) this.reservations.delete(String(v.id));
    if (image.name === "broken-image") {
      Object.assign(s, { status: "ERROR", "OS-EXT-STS:task_state": null, "OS-EXT-STS:vm_state": "error" });
      s.fault = { code: 500, created: new Date().toISOString(), message: `Build of instance ${id} aborted: Image ${String(image.id)} is unacceptable: corrupt image` };
      for (const v of vols) v.status = "available";
      return;
    }
    const addresses: Record<string, Json[]> = {};
    for (const net of nets) {
      const sub = this.subnets.get((net.subnets as string[])[0] ?? "");
      const ip = sub ? String(sub.cidr).replace(/\d+\/\d+$/, String(this.ipCounter++)) : `10.255.0.${this.ipCounter++}`;
      const port = { id: randomUUID(), network_id: net.id, device_id: id, device_owner: "compute:nova", project_id: s.tenant_id, tenant_id: s.tenant_id, status: "ACTIVE", fixed_ips: [{ subnet_id: sub?.id, ip_address: ip }], mac_address: "fa:16:3e:00:00:01" };
      this.ports.set(port.id, port);
      addresses[String(net.name)] ??= [];
      addresses[String(net.name)]!.push({ addr: ip, version: 4, "OS-EXT-IPS:type": "fixed", "OS-EXT-IPS-MAC:mac_addr": port.mac_address });
    }
    for (const v of vols) {
      v.status = "in-use";
      v.attachments = [{ server_id: id, volume_id: v.id, attachment_id: randomUUID(), device: "/dev/vdb" }];
    }
    Object.assign(s, { status: "ACTIVE", "OS-EXT-STS:task_state": null, "OS-EXT-STS:vm_state": "active", addresses, "os-extended-volumes:volumes_attached": vols.map((v) => ({ id: v.id, delete_on_termination: false })) });
  }

  private reapServer(id: string): void {
    this.servers.delete(id);
    for (const p of [...this.ports.values()].filter((p) => p.device_id === id)) {
      for (const f of this.floatingips.values()) if (f.port_id === p.id) Object.assign(f, { port_id: null, fixed_ip_address: null, status: "DOWN" });
      this.ports.delete(String(p.id));
    }
    for (const v of this.volumes.values()) {
      const reserved = this.reservations.get(String(v.id)) === id;
      if (reserved || (v.attachments as Json[]).some((a) => a.server_id === id)) Object.assign(v, { status: "available", attachments: [] });
      if (reserved) this.reservations.delete(String(v.id));
    }
  }

  // ---------------------------------------------------------------- neutron

  private projectSecurityGroups(pid: string): Json[] {
    let list = [...this.securityGroups.values()].filter((g) => g.project_id === pid);
    if (!list.some((g) => g.name === "default")) {
      const g = { id: randomUUID(), name: "default", project_id: pid, tenant_id: pid, description: "Default security group", security_group_rules: [] };
      this.securityGroups.set(g.id, g);
      list = [...list, g];
    }
    return list;
  }

  private neutronCollections(): Record<string, Map<string, Json>> {
    return { networks: this.networks, subnets: this.subnets, routers: this.routers, ports: this.ports, floatingips: this.floatingips, "security-groups": this.securityGroups };
  }

  private neutronQuotaCheck(pid: string, resource: string, count: number): void {
    const q = Number(this.quotaOf("network", pid)[resource]);
    if (q >= 0 && count + 1 > q) neutronError(409, "OverQuota", `Quota exceeded for resources: ['${resource}'].`);
  }

  private neutron(method: string, path: string, q: URLSearchParams, body: Json, caller: Caller): Reply {
    const cols = this.neutronCollections();
    let m: RegExpExecArray | null;
    m = /^\/quotas\/([^/]+)$/.exec(path);
    if (m && method === "PUT") {
      if (!caller.admin) neutronError(403, "PolicyNotAuthorized", `(rule:update_quota) is disallowed by policy`);
      this.setQuota("network", m[1]!, (body.quota ?? {}) as Record<string, number>);
      return { status: 200, body: { quota: this.quotaOf("network", m[1]!) } };
    }
    m = /^\/routers\/([^/]+)\/(add|remove)_router_interface$/.exec(path);
    if (m && method === "PUT") {
      return this.routerInterface(m[1]!, m[2] as "add" | "remove", body, caller);
    }
    m = /^\/([a-z-]+)(?:\/([^/]+))?$/.exec(path);
    if (m && cols[m[1]!]) {
      const col = m[1]!;
      const store = cols[col]!;
      const single = col === "security-groups" ? "security_group" : col.replace(/s$/, "");
      const typeName = single.replace(/(^|_)([a-z])/g, (_x, _u, c: string) => c.toUpperCase());
      if (col === "security-groups") this.projectSecurityGroups(caller.projectId);
      const visible = (x: Json) => caller.admin || x.project_id === caller.projectId || x.shared === true || x["router:external"] === true;
      if (!m[2] && method === "GET") {
        let list = [...store.values()].filter(visible);
        for (const [k, v] of q) {
          if (k === "limit" || k === "marker" || k === "fields") continue;
          list = list.filter((x) => (v === "null" ? x[k] == null : String(x[k]) === v));
        }
        const { slice, link } = this.page(list, q, (mk, l) => this.nextHref(`/network/v2.0/${col}`, q, mk, l), () => neutronError(404, `${typeName}NotFound`, `${typeName} ${q.get("marker")} could not be found.`));
        return { status: 200, body: { [col.replace("-", "_")]: slice, ...(link ? { [`${col.replace("-", "_")}_links`]: [{ rel: "next", href: link }] } : {}) } };
      }
      if (!m[2] && method === "POST") return this.neutronCreate(col, single, (body[single] ?? {}) as Json, caller);
      const obj = m[2] ? store.get(m[2]) : undefined;
      if (!obj || !visible(obj)) return neutronError(404, `${typeName}NotFound`, `${typeName} ${m[2]} could not be found.`);
      if (method === "GET") return { status: 200, body: { [single]: obj } };
      if (method === "PUT" && col === "floatingips") {
        const portId = ((body.floatingip ?? {}) as Json).port_id as string | null;
        const port = portId ? this.ports.get(portId) : undefined;
        if (portId && !port) neutronError(404, "PortNotFound", `Port ${portId} could not be found.`);
        Object.assign(obj, { port_id: portId ?? null, fixed_ip_address: port ? (port.fixed_ips as Json[])[0]!.ip_address : null, status: port ? "ACTIVE" : "DOWN" });
        return { status: 200, body: { floatingip: obj } };
      }
      if (method === "DELETE") {
        this.neutronDeleteCheck(col, obj);
        store.delete(String(obj.id));
        if (col === "subnets") {
          const net = this.networks.get(String(obj.network_id));
          if (net) net.subnets = (net.subnets as string[]).filter((x) => x !== obj.id);
        }
        if (col === "networks") for (const sid of obj.subnets as string[]) this.subnets.delete(sid);
        return { status: 204 };
      }
    }
    return neutronError(404, "HTTPNotFound", "The resource could not be found.");
  }

  private neutronDeleteCheck(col: string, obj: Json): void {
    const ports = [...this.ports.values()];
    if (col === "routers" && ports.some((p) => p.device_id === obj.id && p.device_owner === "network:router_interface")) {
      neutronError(409, "RouterInUse", `Router ${obj.id} still has ports`);
    }
    if (col === "subnets" && ports.some((p) => (p.fixed_ips as Json[]).some((f) => f.subnet_id === obj.id))) {
      neutronError(409, "SubnetInUse", `Unable to complete operation on subnet ${obj.id}: One or more ports have an IP allocation from this subnet.`);
    }
    if (col === "networks" && ports.some((p) => p.network_id === obj.id)) {
      neutronError(409, "NetworkInUse", `Unable to complete operation on network ${obj.id}. There are one or more ports still in use on the network.`);
    }
  }

  private neutronCreate(col: string, single: string, b: Json, caller: Caller): Reply {
    const pid = typeof b.project_id === "string" ? b.project_id : caller.projectId;
    if (pid !== caller.projectId && !caller.admin) neutronError(403, "PolicyNotAuthorized", `(rule:create_${single} and rule:create_${single}:project_id) is disallowed by policy`);
    const count = (store: Map<string, Json>) => [...store.values()].filter((x) => x.project_id === pid).length;
    const base = { id: randomUUID(), project_id: pid, tenant_id: pid, name: String(b.name ?? ""), description: String(b.description ?? ""), created_at: new Date().toISOString() };
    let obj: Json;
    if (col === "networks") {
      this.neutronQuotaCheck(pid, "network", count(this.networks));
      obj = { ...base, status: "ACTIVE", admin_state_up: b.admin_state_up ?? true, shared: false, "router:external": false, subnets: [] };
    } else if (col === "subnets") {
      const net = this.networks.get(String(b.network_id));
      if (!net) return neutronError(404, "NetworkNotFound", `Network ${String(b.network_id)} could not be found.`);
      if (typeof b.cidr !== "string" || !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(b.cidr)) neutronError(400, "HTTPBadRequest", `Invalid input for cidr. Reason: '${String(b.cidr)}' is not a valid IP subnet.`);
      this.neutronQuotaCheck(pid, "subnet", count(this.subnets));
      obj = { ...base, network_id: net.id, cidr: b.cidr, ip_version: b.ip_version ?? 4, enable_dhcp: b.enable_dhcp ?? true, gateway_ip: String(b.cidr).replace(/\d+\/\d+$/, "1"), dns_nameservers: b.dns_nameservers ?? [] };
      (net.subnets as string[]).push(String(obj.id));
    } else if (col === "routers") {
      const gw = b.external_gateway_info as Json | undefined;
      if (gw) {
        const ext = this.networks.get(String(gw.network_id));
        if (!ext?.["router:external"]) neutronError(400, "BadRequest", `Bad router request: Network ${String(gw.network_id)} is not a valid external network.`);
      }
      this.neutronQuotaCheck(pid, "router", count(this.routers));
      obj = { ...base, status: "ACTIVE", admin_state_up: true, external_gateway_info: gw ? { network_id: gw.network_id, enable_snat: true, external_fixed_ips: [{ ip_address: `203.0.113.${this.ipCounter++}` }] } : null };
    } else if (col === "floatingips") {
      const ext = this.networks.get(String(b.floating_network_id));
      if (!ext?.["router:external"]) return neutronError(404, "ExternalNetworkNotFound", `External network ${String(b.floating_network_id)} could not be found.`);
      const port = b.port_id ? this.ports.get(String(b.port_id)) : undefined;
      if (b.port_id && !port) neutronError(404, "PortNotFound", `Port ${String(b.port_id)} could not be found.`);
      this.neutronQuotaCheck(pid, "floatingip", count(this.floatingips));
      obj = { ...base, floating_network_id: ext.id, floating_ip_address: `203.0.113.${this.ipCounter++}`, port_id: port?.id ?? null, fixed_ip_address: port ? (port.fixed_ips as Json[])[0]!.ip_address : null, status: port ? "ACTIVE" : "DOWN", router_id: null };
    } else {
      return neutronError(400, "BadRequest", `creating ${col} is not supported by this test server`);
    }
    this.neutronCollections()[col]!.set(String(obj.id), obj);
    return { status: 201, body: { [single]: obj } };
  }

  private routerInterface(routerId: string, op: "add" | "remove", b: Json, caller: Caller): Reply {
    const router = this.routers.get(routerId);
    if (!router || (!caller.admin && router.project_id !== caller.projectId)) return neutronError(404, "RouterNotFound", `Router ${routerId} could not be found.`);
    const ifaces = [...this.ports.values()].filter((p) => p.device_id === routerId && p.device_owner === "network:router_interface");
    if (op === "add") {
      const sub = this.subnets.get(String(b.subnet_id));
      if (!sub) return neutronError(404, "SubnetNotFound", `Subnet ${String(b.subnet_id)} could not be found.`);
      if (ifaces.some((p) => (p.fixed_ips as Json[]).some((f) => f.subnet_id === sub.id))) {
        neutronError(400, "BadRequest", `Bad router request: Router already has a port on subnet ${sub.id}.`);
      }
      const port = { id: randomUUID(), network_id: sub.network_id, device_id: routerId, device_owner: "network:router_interface", project_id: router.project_id, tenant_id: router.project_id, status: "ACTIVE", fixed_ips: [{ subnet_id: sub.id, ip_address: sub.gateway_ip }] };
      this.ports.set(port.id, port);
      return { status: 200, body: { id: routerId, subnet_id: sub.id, subnet_ids: [sub.id], port_id: port.id, network_id: sub.network_id, project_id: router.project_id, tenant_id: router.project_id } };
    }
    const port = ifaces.find((p) => p.id === b.port_id || (p.fixed_ips as Json[]).some((f) => f.subnet_id === b.subnet_id));
    if (!port) return neutronError(404, "RouterInterfaceNotFound", `Router ${routerId} does not have an interface with id ${String(b.port_id ?? b.subnet_id)}`);
    this.ports.delete(String(port.id));
    const sid = (port.fixed_ips as Json[])[0]!.subnet_id;
    return { status: 200, body: { id: routerId, subnet_id: sid, subnet_ids: [sid], port_id: port.id, network_id: port.network_id, project_id: router.project_id, tenant_id: router.project_id } };
  }

  // ---------------------------------------------------------------- cinder

  private cinder(method: string, urlProject: string, path: string, q: URLSearchParams, h: http.IncomingHttpHeaders, body: Json, caller: Caller): Reply {
    const raw = typeof h["openstack-api-version"] === "string" ? /(?:^|,)\s*volume\s+(\S+)/.exec(h["openstack-api-version"])?.[1] : undefined;
    let mv = CINDER_MIN;
    if (raw) {
      const v = raw === "latest" ? CINDER_MAX : parseVersion(raw);
      if (!v) fault(400, `API Version String ${raw} is of invalid format. Must be of format MajorNum.MinorNum.`);
      if (cmp(v!, CINDER_MIN) < 0 || cmp(v!, CINDER_MAX) > 0) fault(406, `Version ${raw} is not supported by the API. Minimum is ${CINDER_MIN.join(".")} and maximum is ${CINDER_MAX.join(".")}.`);
      mv = v!;
    }
    // the project in the URL must be the token's (Keystone fills it into the catalog URL)
    if (urlProject !== caller.projectId) fault(400, "Malformed request url");
    const r = this.cinderRoute(method, path, q, body, caller, mv);
    return { ...r, headers: { "OpenStack-API-Version": `volume ${mv.join(".")}`, Vary: "OpenStack-API-Version", ...(r.headers ?? {}) } };
  }

  private cinderUsed(pid: string) {
    const mine = [...this.volumes.values()].filter((v) => v.project_id === pid);
    return { volumes: mine.length, gigabytes: mine.reduce((a, v) => a + Number(v.size), 0), snapshots: 0 };
  }

  private cinderQuota(pid: string, addGb: number, addVolumes: number): void {
    const q = this.quotaOf("volume", pid);
    const used = this.cinderUsed(pid);
    if (Number(q.gigabytes) >= 0 && used.gigabytes + addGb > Number(q.gigabytes)) {
      fault(413, `VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes quota. Requested ${addGb}G, quota is ${q.gigabytes}G and ${used.gigabytes}G has been consumed.`, { retryAfter: "0" });
    }
    if (addVolumes && Number(q.volumes) >= 0 && used.volumes + addVolumes > Number(q.volumes)) {
      fault(413, `VolumeLimitExceeded: Maximum number of volumes allowed (${q.volumes}) exceeded for quota 'volumes'.`, { retryAfter: "0" });
    }
  }

  private cinderRoute(method: string, path: string, q: URLSearchParams, body: Json, caller: Caller, mv: number[]): Reply {
    let m: RegExpExecArray | null;
    const base = `/volume/v3/${caller.projectId}`;
    if (method === "GET" && path === "/volumes/detail") {
      let list = [...this.volumes.values()].filter((v) => this.visible(v, caller, q));
      const meta = q.get("metadata");
      if (meta) {
        let want: Json;
        try {
          want = JSON.parse(meta) as Json;
        } catch {
          return fault(400, `Invalid filter metadata: ${meta}`);
        }
        list = list.filter((v) => Object.entries(want).every(([k, val]) => (v.metadata as Json)[k] === val));
      }
      for (const k of ["name", "status"]) if (q.get(k)) list = list.filter((v) => v[k] === q.get(k));
      const { slice, link } = this.page(list, q, (mk, l) => this.nextHref(`${base}/volumes/detail`, q, mk, l), () => fault(400, `Invalid marker: ${q.get("marker")}`));
      return { status: 200, body: { volumes: slice, ...(link ? { volumes_links: [{ rel: "next", href: link }] } : {}) } };
    }
    if (method === "POST" && path === "/volumes") {
      const b = (body.volume ?? {}) as Json;
      const size = b.size;
      if (typeof size !== "number" || !Number.isInteger(size) || size < 1) fault(400, `Invalid input received: Volume size '${String(size)}' must be an integer and greater than 0`);
      if (b.volume_type !== undefined && !["__DEFAULT__", "lvmdriver-1"].includes(String(b.volume_type))) fault(404, `Volume type with name ${String(b.volume_type)} could not be found.`);
      this.cinderQuota(caller.projectId, size as number, 1);
      const id = randomUUID();
      const v: Json = { id, name: b.name ?? null, description: b.description ?? null, size, status: "creating", metadata: (b.metadata ?? {}) as Json, attachments: [], volume_type: b.volume_type ?? "__DEFAULT__", availability_zone: b.availability_zone ?? "nova", bootable: "false", project_id: caller.projectId, "os-vol-tenant-attr:tenant_id": caller.projectId, user_id: caller.userId, created_at: new Date().toISOString() };
      this.volumes.set(id, v);
      this.after(this.opts.volumeDelayMs, () => {
        if (v.status === "creating") v.status = "available";
      });
      return { status: 202, body: { volume: v } };
    }
    m = /^\/volumes\/([^/]+)(\/action)?$/.exec(path);
    if (m) {
      const v = this.volumes.get(m[1]!);
      if (!v || !this.visible(v, caller)) return fault(404, `Volume ${m[1]} could not be found.`);
      if (method === "GET" && !m[2]) return { status: 200, body: { volume: v } };
      if (method === "DELETE" && !m[2]) {
        if (!["available", "error", "error_restoring", "error_extending", "error_managing"].includes(String(v.status))) {
          fault(400, "Invalid volume: Volume status must be available or error or error_restoring or error_extending or error_managing and must not be migrating, attached, belong to a group, have snapshots or be disassociated from snapshots after volume transfer.");
        }
        v.status = "deleting";
        this.after(this.opts.volumeDelayMs, () => this.volumes.delete(String(v.id)));
        return { status: 202 };
      }
      if (method === "POST" && m[2]) {
        const ext = body["os-extend"] as Json | undefined;
        if (!ext) return fault(400, "There is no such action: " + Object.keys(body).join(","));
        const newSize = Number(ext.new_size);
        const inUseOk = cmp(mv, [3, 42]) >= 0;
        if (!(v.status === "available" || (v.status === "in-use" && inUseOk))) {
          fault(400, `Invalid volume: Volume status must be 'available'${inUseOk ? " or 'in-use'" : ""}, but current status is: ${String(v.status)}.`);
        }
        if (!(newSize > Number(v.size))) fault(400, `New size for extend must be greater than current size. (current: ${v.size}, extended: ${newSize}).`);
        this.cinderQuota(caller.projectId, newSize - Number(v.size), 0);
        const back = v.status;
        v.status = "extending";
        this.after(this.opts.volumeDelayMs, () => Object.assign(v, { status: back, size: newSize }));
        return { status: 202 };
      }
    }
    m = /^\/os-quota-sets\/([^/]+)$/.exec(path);
    if (m) {
      const pid = m[1]!;
      if (method === "PUT") {
        if (!caller.admin) fault(403, "Policy doesn't allow volume_extension:quotas:update to be performed.");
        this.setQuota("volume", pid, (body.quota_set ?? {}) as Record<string, number>);
        return { status: 200, body: { quota_set: this.quotaOf("volume", pid) } };
      }
      if (method === "GET") {
        const quota = this.quotaOf("volume", pid);
        if (q.get("usage") !== "true") return { status: 200, body: { quota_set: { id: pid, ...quota } } };
        const used = this.cinderUsed(pid) as Record<string, number>;
        return { status: 200, body: { quota_set: { id: pid, ...Object.fromEntries(Object.entries(quota).map(([k, v]) => [k, { limit: v, in_use: used[k] ?? 0, reserved: 0, allocated: 0 }])) } } };
      }
    }
    return fault(404, "The resource could not be found.");
  }

  // ---------------------------------------------------------------- glance

  private glance(method: string, path: string, q: URLSearchParams): Reply {
    if (method === "GET" && path === "/images") {
      let list = this.images;
      if (q.get("name")) list = list.filter((i) => i.name === q.get("name"));
      if (q.get("status")) list = list.filter((i) => i.status === q.get("status"));
      const { slice, link } = this.page(
        list,
        q,
        (mk, l) => {
          const p = new URLSearchParams(q);
          p.set("limit", String(l));
          p.set("marker", mk);
          return `/v2/images?${p.toString()}`; // glance: relative to the endpoint root
        },
        () => {
          throw new HttpError({ status: 400, text: `400 Bad Request\n\nmarker not found: ${q.get("marker")}\n\n` });
        },
      );
      return { status: 200, body: { images: slice, first: "/v2/images", schema: "/v2/schemas/images", ...(link ? { next: link } : {}) } };
    }
    const m = /^\/images\/([^/]+)$/.exec(path);
    if (m && method === "GET") {
      const img = this.images.find((i) => i.id === m[1]);
      if (!img) return { status: 404, text: `<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n  <h1>404 Not Found</h1>\n  No image found with ID ${m[1]}<br /><br />\n\n\n </body>\n</html>` };
      return { status: 200, body: img };
    }
    return { status: 404, text: "404 Not Found\n\nThe resource could not be found.\n\n" };
  }
}
