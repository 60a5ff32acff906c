// TEST SERVER — not Kubernetes. No kube-apiserver can run on this machine (see
// shared/reference/infra.md §2), so the plugin tests run against this small node:http server that
// follows the Kubernetes API conventions for exactly the calls the kubernetes plugin makes:
//   /api/v1/namespaces[/{name}]                       (cluster-scoped; list with ?labelSelector=)
//   /api/v1/namespaces/{ns}/{resourcequotas|limitranges|serviceaccounts|secrets|services}[/{name}]
//   /apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/{roles|rolebindings}[/{name}]
//   /apis/apps/v1/namespaces/{ns}/deployments[/{name}]
// Conventions kept: meta/v1 Status bodies (kind "Status", reason AlreadyExists / NotFound / Conflict /
// Invalid / Forbidden / Unauthorized with their HTTP codes), metadata.uid / creationTimestamp /
// resourceVersion (one counter, bumped on every write), 409 Conflict on a stale resourceVersion in
// PUT or PATCH, JSON merge patch, namespace deletion through phase Terminating (content purged,
// then the namespace disappears asynchronously; a second DELETE is a 409 Conflict), creates in a
// terminating namespace refused with 403 NamespaceTerminating, object-count quotas (count/<res>,
// services, secrets) enforced at admission with 403 "exceeded quota", bearer-token auth (401
// otherwise) with service-account tokens checked against their Role/RoleBinding (403 otherwise).
// Simulated controllers: the token controller fills service-account-token Secrets, the deployment
// controller rolls out (or fails: unpullable image, pods over quota), ResourceQuota status.used
// follows the running pods' requests.
// Test hooks: failNext (503 / 429 / any Status), dropNext (connection reset before or after the
// write), stallNext (no answer: client timeouts), quotaExceededNext (403 exceeded quota on the next create), stop() / start().
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";

type Obj = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [k: string]: unknown;
  };
};

interface ResourceType {
  group: string; // "" for core
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

const TYPES: ResourceType[] = [
  { group: "", version: "v1", plural: "namespaces", kind: "Namespace", namespaced: false },
  { group: "", version: "v1", plural: "resourcequotas", kind: "ResourceQuota", namespaced: true },
  { group: "", version: "v1", plural: "limitranges", kind: "LimitRange", namespaced: true },
  { group: "", version: "v1", plural: "serviceaccounts", kind: "ServiceAccount", namespaced: true },
  { group: "", version: "v1", plural: "secrets", kind: "Secret", namespaced: true },
  { group: "", version: "v1", plural: "services", kind: "Service", namespaced: true },
  { group: "", version: "v1", plural: "pods", kind: "Pod", namespaced: true },
  { group: "rbac.authorization.k8s.io", version: "v1", plural: "roles", kind: "Role", namespaced: true },
  { group: "rbac.authorization.k8s.io", version: "v1", plural: "rolebindings", kind: "RoleBinding", namespaced: true },
  { group: "apps", version: "v1", plural: "deployments", kind: "Deployment", namespaced: true },
];
const typeOf = (group: string, version: string, plural: string) => TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
const apiVersionOf = (t: ResourceType) => (t.group ? `${t.group}/${t.version}` : t.version);

export interface StatusBody {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Failure" | "Success";
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string; causes?: { reason: string; message: string; field?: string }[] };
  code: number;
}

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusBody["details"],
  ) {
    super(message);
  }
  body(): StatusBody {
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: this.message, reason: this.reason, ...(this.details ? { details: this.details } : {}), code: this.code };
  }
}

const notFound = (t: ResourceType, name: string) => new ApiError(404, "NotFound", `${t.group ? `${t.plural}.${t.group}` : t.plural} "${name}" not found`, { name, ...(t.group ? { group: t.group } : {}), kind: t.plural });
const invalid = (t: ResourceType, name: string, causes: { field: string; message: string }[]) =>
  new ApiError(422, "Invalid", `${t.kind} "${name}" is invalid: ${causes.map((c) => `${c.field}: ${c.message}`).join(", ")}`, {
    name,
    ...(t.group ? { group: t.group } : {}),
    kind: t.kind,
    causes: causes.map((c) => ({ reason: c.message.startsWith("Required") ? "FieldValueRequired" : "FieldValueInvalid", message: c.message, field: c.field })),
  });

// ---- quantities (own parser: the server must not share the plugin's code it is testing) ----
const QTY = /^([+-]?[0-9.]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;
const POW: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6 };
export function qty(s: unknown): number | null {
  if (typeof s === "number") return s;
  if (typeof s !== "string") return null;
  const m = QTY.exec(s);
  if (!m || Number.isNaN(Number(m[1]))) return null;
  const suf = m[2] ?? "";
  if (/^[eE]/.test(suf)) return Number(m[1]) * 10 ** Number(suf.slice(1));
  return Number(m[1]) * (POW[suf] ?? 1);
}
/** Canonical-ish quantity text the way the API server prints used/hard values. */
function fmtQty(key: string, n: number): string {
  if (key.endsWith("cpu")) return Number.isInteger(n) ? String(n) : `${Math.round(n * 1000)}m`;
  if (key.endsWith("memory") || key.endsWith("storage")) {
    if (n === 0) return "0";
    for (const [s, f] of [["Gi", 1024 ** 3], ["Mi", 1024 ** 2], ["Ki", 1024]] as const) if (n % f === 0) return `${n / f}${s}`;
    return String(n);
  }
  return String(n);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
const clone = <T>(x: T): T => structuredClone(x);
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (!patch || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target && typeof target === "object" && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, unknown>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function matchesSelector(labels: Record<string, string> | undefined, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(",").every((term) => {
    const t = term.trim();
    if (!t) return true;
    const ne = t.split("!=");
    if (ne.length === 2) return labels?.[ne[0]!] !== ne[1];
    const eq = t.split(/==?/);
    if (eq.length === 2) return labels?.[eq[0]!] === eq[1];
    if (t.startsWith("!")) return !(labels && t.slice(1) in labels);
    return !!labels && t in labels;
  });
}

export interface KubernetesTestServerOptions {
  /** The admin bearer token (the provider's). */
  token?: string;
  /** Delay before a terminating namespace is purged. */
  namespaceDeletionMs?: number;
  /** Delay before the token controller fills a service-account-token Secret. */
  tokenControllerMs?: number;
  /** Delay before a Deployment's rollout finishes (or fails). */
  rolloutMs?: number;
  /** Images the simulated kubelet cannot pull: their rollout ends in ProgressDeadlineExceeded. */
  unpullable?: (image: string) => boolean;
}

interface Fault {
  remaining: number;
  match: (method: string, path: string) => boolean;
  kind: "status" | "drop-before" | "drop-after" | "quota" | "stall";
  status?: { code: number; reason: string; message: string };
}

export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
  identity: string;
}

export class KubernetesTestServer {
  readonly token: string;
  port = 0;
  readonly log: RequestLogEntry[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly store = new Map<string, Obj>();
  private readonly saTokens = new Map<string, { namespace: string; name: string }>();
  private readonly faults: Fault[] = [];
  private rv = 1000;
  private timer: NodeJS.Timeout | null = null;
  private readonly opts: Required<KubernetesTestServerOptions>;
  private readonly bornAt = new Map<string, number>();

  constructor(opts: KubernetesTestServerOptions = {}) {
    this.opts = {
      token: opts.token ?? `admin-${randomBytes(8).toString("hex")}`,
      namespaceDeletionMs: opts.namespaceDeletionMs ?? 40,
      tokenControllerMs: opts.tokenControllerMs ?? 20,
      rolloutMs: opts.rolloutMs ?? 30,
      unpullable: opts.unpullable ?? ((img) => img.includes("does-not-exist")),
    };
    this.token = this.opts.token;
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Listens on 127.0.0.1 (a random port first, the same port after a stop). State survives a restart. */
  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => void this.handle(req, res));
    server.on("connection", (s) => {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, "127.0.0.1", () => resolve());
    });
    const addr = server.address();
    if (addr && typeof addr === "object") this.port = addr.port;
    this.server = server;
    this.timer = setInterval(() => this.reconcile(), 5);
    this.timer.unref();
  }

  /** Stops listening and cuts open connections: callers see connection refused / reset. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const s = this.server;
    this.server = null;
    if (!s) return;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((r) => s.close(() => r()));
  }

  // ---- fault injection ----
  private matcher(m?: RegExp | ((method: string, path: string) => boolean)) {
    if (!m) return () => true;
    if (m instanceof RegExp) return (method: string, path: string) => m.test(`${method} ${path}`);
    return m;
  }
  /** The next n matching requests get this Status (default 503 ServiceUnavailable). `match` sees "METHOD /path". */
  failNext(n: number, o: { code?: number; reason?: string; message?: string; match?: RegExp } = {}) {
    const code = o.code ?? 503;
    const reason = o.reason ?? (code === 429 ? "TooManyRequests" : code === 503 ? "ServiceUnavailable" : "InternalError");
    const message = o.message ?? (code === 429 ? "Too many requests, please try again later." : code === 503 ? "the server is currently unable to handle the request" : "Internal error occurred");
    this.faults.push({ remaining: n, match: this.matcher(o.match), kind: "status", status: { code, reason, message } });
  }
  /** Resets the connection of the next n matching requests, before the write or after it was stored. */
  dropNext(n: number, o: { match?: RegExp; afterWrite?: boolean } = {}) {
    this.faults.push({ remaining: n, match: this.matcher(o.match), kind: o.afterWrite ? "drop-after" : "drop-before" });
  }
  /** The next n matching requests never get an answer (until stop() cuts the connection): a hung server. */
  stallNext(n: number, o: { match?: RegExp } = {}) {
    this.faults.push({ remaining: n, match: this.matcher(o.match), kind: "stall" });
  }
  /** The next matching create is refused by a (provider-side) quota with 403 "exceeded quota". */
  quotaExceededNext(match: RegExp) {
    this.faults.push({ remaining: 1, match: this.matcher(match), kind: "quota" });
  }
  private takeFault(method: string, path: string): Fault | null {
    const f = this.faults.find((x) => x.remaining > 0 && x.match(method, path));
    if (!f) return null;
    f.remaining--;
    return f;
  }

  // ---- inspection for tests ----
  objects(plural: string, namespace?: string): Obj[] {
    return [...this.store.values()].filter((o) => this.typeOfObj(o)?.plural === plural && (namespace === undefined || o.metadata.namespace === namespace)).map(clone);
  }
  object(plural: string, namespace: string | undefined, name: string): Obj | undefined {
    const t = TYPES.find((x) => x.plural === plural);
    const o = t ? this.store.get(this.key(t, namespace, name)) : undefined;
    return o ? clone(o) : undefined;
  }
  /** Direct write for tests that stage odd states (bypasses admission). */
  put(plural: string, obj: Obj) {
    const t = TYPES.find((x) => x.plural === plural)!;
    this.store.set(this.key(t, obj.metadata.namespace, obj.metadata.name), clone(obj));
  }

  // ---- storage ----
  private key(t: ResourceType, ns: string | undefined, name: string) {
    return `${t.group}/${t.plural}/${t.namespaced ? ns : ""}/${name}`;
  }
  private typeOfObj(o: Obj) {
    return TYPES.find((t) => t.kind === o.kind && apiVersionOf(t) === o.apiVersion);
  }
  private nextRv() {
    return String(++this.rv);
  }

  // ---- HTTP ----
  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://x");
    const method = req.method ?? "GET";
    let identity = "anonymous";
    const send = (code: number, body: unknown) => {
      this.log.push({ method, path: url.pathname + url.search, status: code, identity });
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString("utf8");
      const auth = req.headers.authorization ?? "";
      const tok = auth.startsWith("Bearer ") ? auth.slice(7) : "";
      const sa = this.saTokens.get(tok);
      if (tok !== this.token && !sa) throw new ApiError(401, "Unauthorized", "Unauthorized");
      identity = sa ? `system:serviceaccount:${sa.namespace}:${sa.name}` : "admin";
      const fault = this.takeFault(method, url.pathname);
      if (fault?.kind === "status") {
        const s = fault.status!;
        if (s.code === 429) res.setHeader("retry-after", "1");
        throw new ApiError(s.code, s.reason, s.message);
      }
      if (fault?.kind === "stall") {
        this.log.push({ method, path: url.pathname, status: 0, identity });
        return;
      }
      if (fault?.kind === "drop-before") {
        this.log.push({ method, path: url.pathname, status: 0, identity });
        req.socket.destroy();
        return;
      }
      const route = this.route(url.pathname);
      if (sa) this.authorize(sa, method, route);
      const out = this.dispatch(method, route, raw, req.headers["content-type"] ?? "", url.searchParams, fault?.kind === "quota");
      if (fault?.kind === "drop-after") {
        this.log.push({ method, path: url.pathname, status: 0, identity });
        req.socket.destroy();
        return;
      }
      send(out.code, out.body);
    } catch (e) {
      if (e instanceof ApiError) send(e.code, e.body());
      else send(500, new ApiError(500, "InternalError", `Internal error occurred: ${(e as Error).message}`).body());
    }
  }

  private route(path: string): { t: ResourceType; ns?: string; name?: string } {
    const p = path.split("/").filter(Boolean);
    let group = "";
    let version: string;
    let rest: string[];
    if (p[0] === "api" && p[1]) {
      version = p[1];
      rest = p.slice(2);
    } else if (p[0] === "apis" && p[1] && p[2]) {
      group = p[1];
      version = p[2];
      rest = p.slice(3);
    } else throw new ApiError(404, "NotFound", "the server could not find the requested resource");
    const nsT = typeOf("", "v1", "namespaces")!;
    if (rest[0] === "namespaces" && rest.length >= 3) {
      const t = typeOf(group, version, rest[2]!);
      if (!t || rest.length > 4) throw new ApiError(404, "NotFound", "the server could not find the requested resource");
      return { t, ns: rest[1], name: rest[3] };
    }
    if (group === "" && version === "v1" && rest[0] === "namespaces" && rest.length <= 2) return { t: nsT, name: rest[1] };
    throw new ApiError(404, "NotFound", "the server could not find the requested resource");
  }

  /** RBAC for service-account tokens: the verb must be granted by a Role bound to the account in that namespace. */
  private authorize(sa: { namespace: string; name: string }, method: string, r: { t: ResourceType; ns?: string; name?: string }) {
    const verb = { GET: r.name ? "get" : "list", POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" }[method] ?? "unknown";
    const ns = r.t.namespaced ? r.ns : r.name;
    const user = `system:serviceaccount:${sa.namespace}:${sa.name}`;
    const groupText = `in API group "${r.t.group}"`;
    const deny = () =>
      new ApiError(
        403,
        "Forbidden",
        `${r.t.plural}${r.name ? ` "${r.name}"` : ""} is forbidden: User "${user}" cannot ${verb} resource "${r.t.plural}" ${groupText}${ns ? ` in the namespace "${ns}"` : " at the cluster scope"}`,
        { ...(r.name ? { name: r.name } : {}), ...(r.t.group ? { group: r.t.group } : {}), kind: r.t.plural },
      );
    if (!ns || ns !== sa.namespace) throw deny();
    const bindings = this.objects("rolebindings", ns).filter((b) =>
      ((b["subjects"] as { kind: string; name: string; namespace?: string }[] | undefined) ?? []).some((s) => s.kind === "ServiceAccount" && s.name === sa.name && (s.namespace ?? ns) === sa.namespace),
    );
    for (const b of bindings) {
      const ref = b["roleRef"] as { kind: string; name: string };
      if (ref.kind !== "Role") continue;
      const role = this.object("roles", ns, ref.name);
      const rules = (role?.["rules"] as { apiGroups?: string[]; resources?: string[]; verbs?: string[] }[] | undefined) ?? [];
      const ok = rules.some(
        (rule) =>
          (rule.apiGroups ?? []).some((g) => g === "*" || g === r.t.group) &&
          (rule.resources ?? []).some((x) => x === "*" || x === r.t.plural) &&
          (rule.verbs ?? []).some((v) => v === "*" || v === verb),
      );
      if (ok) return;
    }
    throw deny();
  }

  private dispatch(method: string, r: { t: ResourceType; ns?: string; name?: string }, raw: string, contentType: string, q: URLSearchParams, forceQuota: boolean): { code: number; body: unknown } {
    const { t, ns, name } = r;
    const parse = (): Obj => {
      try {
        const b = JSON.parse(raw) as unknown;
        if (!b || typeof b !== "object" || Array.isArray(b)) throw new Error("not an object");
        return b as Obj;
      } catch (e) {
        throw new ApiError(400, "BadRequest", `the body of the request was in an unknown format: ${(e as Error).message}`);
      }
    };
    if (method === "GET" && !name) return { code: 200, body: this.list(t, ns, q.get("labelSelector")) };
    if (method === "GET") return { code: 200, body: this.read(t, ns, name!) };
    if (method === "POST" && !name) return { code: 201, body: this.create(t, ns, parse(), forceQuota) };
    if (method === "PUT" && name) return { code: 200, body: this.replace(t, ns, name, parse()) };
    if (method === "PATCH" && name) {
      if (!/^application\/(merge-patch|strategic-merge-patch)\+json/.test(contentType)) {
        throw new ApiError(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
      }
      return { code: 200, body: this.patch(t, ns, name, parse()) };
    }
    if (method === "DELETE" && name) return { code: 200, body: this.remove(t, ns, name) };
    throw new ApiError(405, "MethodNotAllowed", `the server does not allow this method on the requested resource`);
  }

  private list(t: ResourceType, ns: string | undefined, selector: string | null) {
    const items = [...this.store.entries()]
      .filter(([k, o]) => k.startsWith(`${t.group}/${t.plural}/`) && (!t.namespaced || o.metadata.namespace === ns) && matchesSelector(o.metadata.labels, selector))
      .map(([, o]) => clone(o));
    return { kind: `${t.kind}List`, apiVersion: apiVersionOf(t), metadata: { resourceVersion: String(this.rv) }, items };
  }

  private read(t: ResourceType, ns: string | undefined, name: string): Obj {
    const o = this.store.get(this.key(t, ns, name));
    if (!o) throw notFound(t, name);
    return clone(o);
  }

  private namespaceFor(t: ResourceType, ns: string | undefined, name: string) {
    if (!t.namespaced) return;
    const nsT = TYPES[0]!;
    const n = this.store.get(this.key(nsT, undefined, ns!));
    if (!n) throw notFound(nsT, ns!);
    if (n.metadata.deletionTimestamp) {
      const msg = `unable to create new content in namespace ${ns} because it is being terminated`;
      throw new ApiError(403, "Forbidden", `${t.plural} "${name}" is forbidden: ${msg}`, {
        name,
        kind: t.plural,
        causes: [{ reason: "NamespaceTerminating", message: msg, field: "metadata.namespace" }],
      });
    }
  }

  private create(t: ResourceType, ns: string | undefined, body: Obj, forceQuota: boolean): Obj {
    if (body.kind !== t.kind || body.apiVersion !== apiVersionOf(t)) {
      throw new ApiError(400, "BadRequest", `the API version in the data (${body.apiVersion}) does not match the expected API version (${apiVersionOf(t)}) or kind ${body.kind} is not ${t.kind}`);
    }
    const meta = (body.metadata ?? {}) as Obj["metadata"];
    const name = meta.name;
    if (t.namespaced && meta.namespace && meta.namespace !== ns) {
      throw new ApiError(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
    }
    this.validate(t, body);
    this.namespaceFor(t, ns, name);
    if (this.store.has(this.key(t, ns, name))) {
      throw new ApiError(409, "AlreadyExists", `${t.group ? `${t.plural}.${t.group}` : t.plural} "${name}" already exists`, { name, ...(t.group ? { group: t.group } : {}), kind: t.plural });
    }
    this.admitCount(t, ns, name, forceQuota);
    const obj: Obj = clone(body);
    obj.metadata = {
      ...meta,
      ...(t.namespaced ? { namespace: ns } : {}),
      uid: randomUUID(),
      resourceVersion: this.nextRv(),
      creationTimestamp: now(),
      ...(t.kind === "Deployment" ? { generation: 1 } : {}),
    };
    if (t.kind === "Namespace") {
      obj.metadata.labels = { ...(obj.metadata.labels ?? {}), "kubernetes.io/metadata.name": name };
      obj["spec"] = { finalizers: ["kubernetes"] };
      obj["status"] = { phase: "Active" };
    }
    if (t.kind === "ResourceQuota") obj["status"] = { hard: { ...((obj["spec"] as { hard?: object })?.hard ?? {}) }, used: {} };
    if (t.kind === "Deployment") obj["status"] = {};
    if (t.kind === "Secret" && obj["type"] === "kubernetes.io/service-account-token") {
      obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), "kubernetes.io/service-account.uid": "" };
    }
    const key = this.key(t, ns, name);
    this.store.set(key, obj);
    this.bornAt.set(key, Date.now());
    this.refreshQuotas(ns);
    return clone(obj);
  }

  /** Object-count quotas, checked at admission like the ResourceQuota admission plugin does. */
  private admitCount(t: ResourceType, ns: string | undefined, name: string, force: boolean) {
    const res = t.group ? `${t.plural}.${t.group}` : t.plural;
    if (force) {
      const key = `count/${res}`;
      throw new ApiError(403, "Forbidden", `${res} "${name}" is forbidden: exceeded quota: provider-quota, requested: ${key}=1, used: ${key}=50, limited: ${key}=50`, { name, kind: t.plural });
    }
    if (!t.namespaced) return;
    for (const q of this.objects("resourcequotas", ns)) {
      const hard = ((q["spec"] as { hard?: Record<string, string> })?.hard ?? {}) as Record<string, string>;
      for (const key of [`count/${res}`, ...(["services", "secrets", "configmaps", "persistentvolumeclaims"].includes(t.plural) ? [t.plural] : [])]) {
        if (!(key in hard)) continue;
        const limit = qty(hard[key]) ?? 0;
        const used = this.objects(t.plural, ns).length;
        if (used + 1 > limit) {
          throw new ApiError(403, "Forbidden", `${res} "${name}" is forbidden: exceeded quota: ${q.metadata.name}, requested: ${key}=1, used: ${key}=${used}, limited: ${key}=${hard[key]}`, { name, kind: t.plural });
        }
      }
    }
  }

  private validate(t: ResourceType, o: Obj) {
    const name = o.metadata?.name;
    const causes: { field: string; message: string }[] = [];
    if (!name) throw invalid(t, "", [{ field: "metadata.name", message: "Required value: name or generateName is required" }]);
    if (t.kind === "Namespace" ? !DNS_LABEL.test(name) || name.length > 63 : !DNS_SUBDOMAIN.test(name) || name.length > 253) {
      causes.push({ field: "metadata.name", message: `Invalid value: "${name}": ${LABEL_MSG}` });
    }
    for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
      if (typeof v !== "string" || v.length > 63 || !LABEL_VALUE.test(v)) causes.push({ field: `metadata.labels`, message: `Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.' (key ${k})` });
    }
    const spec = (o["spec"] ?? {}) as Record<string, unknown>;
    const quantities = (field: string, m: unknown) => {
      for (const [k, v] of Object.entries((m ?? {}) as Record<string, unknown>)) {
        const n = qty(v);
        if (n === null) causes.push({ field: `${field}[${k}]`, message: `Invalid value: "${String(v)}": must be a valid quantity` });
        else if (n < 0) causes.push({ field: `${field}[${k}]`, message: `Invalid value: "${String(v)}": must be greater than or equal to 0` });
      }
    };
    if (t.kind === "ResourceQuota") quantities("spec.hard", spec["hard"]);
    if (t.kind === "LimitRange") {
      ((spec["limits"] ?? []) as Record<string, unknown>[]).forEach((l, i) => {
        if (!["Container", "Pod", "PersistentVolumeClaim"].includes(String(l["type"]))) causes.push({ field: `spec.limits[${i}].type`, message: `Unsupported value: "${String(l["type"])}"` });
        for (const f of ["default", "defaultRequest", "max", "min"]) quantities(`spec.limits[${i}].${f}`, l[f]);
      });
    }
    if (t.kind === "Secret" && o["type"] === "kubernetes.io/service-account-token" && !o.metadata.annotations?.["kubernetes.io/service-account.name"]) {
      causes.push({ field: "metadata.annotations[kubernetes.io/service-account.name]", message: "Required value" });
    }
    if (t.kind === "RoleBinding" && !(o["roleRef"] as { name?: string } | undefined)?.name) causes.push({ field: "roleRef.name", message: "Required value" });
    if (t.kind === "Service") {
      const ports = (spec["ports"] ?? []) as { port?: number }[];
      if (ports.length === 0) causes.push({ field: "spec.ports", message: "Required value" });
      ports.forEach((p, i) => {
        if (!Number.isInteger(p.port) || p.port! < 1 || p.port! > 65535) causes.push({ field: `spec.ports[${i}].port`, message: `Invalid value: ${p.port}: must be between 1 and 65535, inclusive` });
      });
    }
    if (t.kind === "Deployment") {
      const sel = (spec["selector"] as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
      const tpl = (spec["template"] ?? {}) as { metadata?: { labels?: Record<string, string> }; spec?: { containers?: { name?: string; image?: string }[] } };
      if (!sel) causes.push({ field: "spec.selector", message: "Required value" });
      else if (!Object.entries(sel).every(([k, v]) => tpl.metadata?.labels?.[k] === v)) {
        causes.push({ field: "spec.template.metadata.labels", message: "Invalid value: `selector` does not match template `labels`" });
      }
      const replicas = spec["replicas"];
      if (replicas !== undefined && (!Number.isInteger(replicas) || (replicas as number) < 0)) causes.push({ field: "spec.replicas", message: `Invalid value: ${String(replicas)}: must be greater than or equal to 0` });
      const cs = tpl.spec?.containers ?? [];
      if (cs.length === 0) causes.push({ field: "spec.template.spec.containers", message: "Required value" });
      cs.forEach((c, i) => {
        if (!c.name || !DNS_LABEL.test(c.name)) causes.push({ field: `spec.template.spec.containers[${i}].name`, message: `Invalid value: "${c.name ?? ""}": ${LABEL_MSG}` });
        if (!c.image) causes.push({ field: `spec.template.spec.containers[${i}].image`, message: "Required value" });
        else if (c.image.trim() !== c.image) causes.push({ field: `spec.template.spec.containers[${i}].image`, message: `Invalid value: "${c.image}": must not have leading or trailing whitespace` });
      });
    }
    if (causes.length) throw invalid(t, name, causes);
  }

  private replace(t: ResourceType, ns: string | undefined, name: string, body: Obj): Obj {
    if (body.metadata?.name !== name) throw new ApiError(400, "BadRequest", "the name of the object does not match the name on the URL");
    const key = this.key(t, ns, name);
    const cur = this.store.get(key);
    if (!cur) throw notFound(t, name);
    return this.write(t, key, cur, body);
  }

  private patch(t: ResourceType, ns: string | undefined, name: string, patch: Obj): Obj {
    const key = this.key(t, ns, name);
    const cur = this.store.get(key);
    if (!cur) throw notFound(t, name);
    const merged = mergePatch(clone(cur), patch) as Obj;
    // A patch without resourceVersion applies to whatever is current (no optimistic lock).
    if (!(patch.metadata as { resourceVersion?: string } | undefined)?.resourceVersion) merged.metadata.resourceVersion = cur.metadata.resourceVersion;
    return this.write(t, key, cur, merged);
  }

  private write(t: ResourceType, key: string, cur: Obj, next: Obj): Obj {
    const rv = next.metadata.resourceVersion;
    if (rv !== undefined && rv !== cur.metadata.resourceVersion) {
      throw new ApiError(409, "Conflict", `Operation cannot be fulfilled on ${t.group ? `${t.plural}.${t.group}` : t.plural} "${cur.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`, {
        name: cur.metadata.name,
        ...(t.group ? { group: t.group } : {}),
        kind: t.plural,
      });
    }
    next.kind = t.kind;
    next.apiVersion = apiVersionOf(t);
    this.validate(t, next);
    const out: Obj = { ...clone(next), metadata: { ...clone(next.metadata), uid: cur.metadata.uid, creationTimestamp: cur.metadata.creationTimestamp, namespace: cur.metadata.namespace, resourceVersion: this.nextRv() } };
    if (cur.metadata.deletionTimestamp) out.metadata.deletionTimestamp = cur.metadata.deletionTimestamp;
    if (!("status" in next) && "status" in cur) out["status"] = clone(cur["status"]);
    if (t.kind === "Deployment" && JSON.stringify(cur["spec"]) !== JSON.stringify(next["spec"])) {
      out.metadata.generation = (cur.metadata.generation ?? 1) + 1;
      this.bornAt.set(key, Date.now());
    }
    if (t.kind === "ResourceQuota") out["status"] = { ...((cur["status"] as object) ?? {}), hard: { ...((out["spec"] as { hard?: object })?.hard ?? {}) } };
    this.store.set(key, out);
    this.refreshQuotas(out.metadata.namespace);
    return clone(out);
  }

  private remove(t: ResourceType, ns: string | undefined, name: string): Obj {
    const key = this.key(t, ns, name);
    const cur = this.store.get(key);
    if (!cur) throw notFound(t, name);
    if (t.kind === "Namespace") {
      if (cur.metadata.deletionTimestamp) {
        throw new ApiError(
          409,
          "Conflict",
          `Operation cannot be fulfilled on namespaces "${name}": The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.`,
          { name, kind: "namespaces" },
        );
      }
      cur.metadata.deletionTimestamp = now();
      cur.metadata.resourceVersion = this.nextRv();
      cur["status"] = { phase: "Terminating" };
      this.bornAt.set(key, Date.now());
      return clone(cur);
    }
    this.store.delete(key);
    if (t.kind === "Secret") for (const [tok, sa] of this.saTokens) if (sa.namespace === ns && this.tokenSecretOf(tok) === name) this.saTokens.delete(tok);
    this.refreshQuotas(ns);
    return clone(cur);
  }

  private readonly tokenSecrets = new Map<string, string>();
  private tokenSecretOf(tok: string) {
    return this.tokenSecrets.get(tok);
  }

  // ---- simulated controllers ----
  private reconcile() {
    const t0 = Date.now();
    for (const [key, o] of [...this.store.entries()]) {
      const age = t0 - (this.bornAt.get(key) ?? 0);
      if (o.kind === "Namespace" && o.metadata.deletionTimestamp && age >= this.opts.namespaceDeletionMs) this.purgeNamespace(o.metadata.name);
      if (o.kind === "Secret" && o["type"] === "kubernetes.io/service-account-token" && !(o["data"] as { token?: string } | undefined)?.token && age >= this.opts.tokenControllerMs) {
        this.fillToken(key, o);
      }
      if (o.kind === "Deployment" && (o["status"] as { observedGeneration?: number })?.observedGeneration !== o.metadata.generation && age >= this.opts.rolloutMs) {
        this.rollout(key, o);
      }
    }
  }

  private purgeNamespace(ns: string) {
    for (const [k, o] of [...this.store.entries()]) if (o.metadata.namespace === ns) this.store.delete(k);
    for (const [tok, sa] of [...this.saTokens]) if (sa.namespace === ns) this.saTokens.delete(tok);
    this.store.delete(this.key(TYPES[0]!, undefined, ns));
  }

  private fillToken(key: string, o: Obj) {
    const ns = o.metadata.namespace!;
    const saName = o.metadata.annotations?.["kubernetes.io/service-account.name"] ?? "";
    const sa = this.store.get(this.key(TYPES.find((t) => t.plural === "serviceaccounts")!, ns, saName));
    if (!sa) return; // the real controller waits for the ServiceAccount too
    const token = `sa-${randomBytes(24).toString("base64url")}`;
    this.saTokens.set(token, { namespace: ns, name: saName });
    this.tokenSecrets.set(token, o.metadata.name);
    o["data"] = { token: b64(token), "ca.crt": b64("-----BEGIN CERTIFICATE-----\nTEST-SERVER-CA\n-----END CERTIFICATE-----\n"), namespace: b64(ns) };
    o.metadata.annotations = { ...(o.metadata.annotations ?? {}), "kubernetes.io/service-account.uid": String(sa.metadata.uid) };
    o.metadata.resourceVersion = this.nextRv();
    this.store.set(key, o);
  }

  /** Requests of one pod of a Deployment: the container's own, else the LimitRange defaults. */
  private podRequests(d: Obj): Record<string, number> {
    const ns = d.metadata.namespace;
    const lr = this.objects("limitranges", ns).flatMap((l) => ((l["spec"] as { limits?: Record<string, unknown>[] })?.limits ?? []).filter((x) => x["type"] === "Container"));
    const defaults = (lr[0]?.["defaultRequest"] ?? {}) as Record<string, string>;
    const limitsDefault = (lr[0]?.["default"] ?? {}) as Record<string, string>;
    const out: Record<string, number> = { pods: 1 };
    const cs = ((d["spec"] as { template?: { spec?: { containers?: { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }[] } } })?.template?.spec?.containers ?? []);
    for (const c of cs) {
      for (const r of ["cpu", "memory"]) {
        const req = qty(c.resources?.requests?.[r] ?? defaults[r]);
        const lim = qty(c.resources?.limits?.[r] ?? limitsDefault[r]);
        if (req !== null) out[`requests.${r}`] = (out[`requests.${r}`] ?? 0) + req;
        if (lim !== null) out[`limits.${r}`] = (out[`limits.${r}`] ?? 0) + lim;
      }
    }
    return out;
  }

  private rollout(key: string, d: Obj) {
    const spec = d["spec"] as { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
    const want = spec.replicas ?? 1;
    const images = (spec.template?.spec?.containers ?? []).map((c) => c.image ?? "");
    const hash = d.metadata.uid!.slice(0, 10).replace(/-/g, "");
    const ns = d.metadata.namespace;
    const status: Record<string, unknown> = { observedGeneration: d.metadata.generation, replicas: want };
    const ts = now();
    if (images.some((i) => this.opts.unpullable(i))) {
      status["availableReplicas"] = 0;
      status["unavailableReplicas"] = want;
      status["conditions"] = [
        { type: "Available", status: "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability.", lastUpdateTime: ts, lastTransitionTime: ts },
        { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: `ReplicaSet "${d.metadata.name}-${hash}" has timed out progressing.`, lastUpdateTime: ts, lastTransitionTime: ts },
      ];
    } else {
      // Pods over quota: the ReplicaSet controller's pod creates are refused at admission.
      const per = this.podRequests(d);
      let running = 0;
      let refusal: string | null = null;
      const others = this.usedBy(ns, d.metadata.name);
      for (let i = 0; i < want; i++) {
        const q = this.exceeds(ns, others, per, running);
        if (q) {
          refusal = `pods "${d.metadata.name}-${hash}-${randomBytes(3).toString("hex").slice(0, 5)}" is forbidden: ${q}`;
          break;
        }
        running++;
      }
      status["availableReplicas"] = running;
      status["readyReplicas"] = running;
      const conds: Record<string, unknown>[] = [
        running >= want
          ? { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability.", lastUpdateTime: ts, lastTransitionTime: ts }
          : { type: "Available", status: "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability.", lastUpdateTime: ts, lastTransitionTime: ts },
        { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: `ReplicaSet "${d.metadata.name}-${hash}" has successfully progressed.`, lastUpdateTime: ts, lastTransitionTime: ts },
      ];
      if (refusal) conds.push({ type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: refusal, lastUpdateTime: ts, lastTransitionTime: ts });
      status["conditions"] = conds;
    }
    d["status"] = status;
    d.metadata.resourceVersion = this.nextRv();
    this.store.set(key, d);
    this.refreshQuotas(ns);
  }

  /** Sum of running pods' requests in a namespace, optionally leaving one Deployment out. */
  private usedBy(ns: string | undefined, except?: string): Record<string, number> {
    const used: Record<string, number> = {};
    for (const d of this.objects("deployments", ns)) {
      if (d.metadata.name === except) continue;
      const running = (d["status"] as { availableReplicas?: number })?.availableReplicas ?? 0;
      for (const [k, v] of Object.entries(this.podRequests(d))) used[k] = (used[k] ?? 0) + v * running;
    }
    return used;
  }

  private exceeds(ns: string | undefined, base: Record<string, number>, per: Record<string, number>, running: number): string | null {
    for (const q of this.objects("resourcequotas", ns)) {
      const hard = (q["spec"] as { hard?: Record<string, string> })?.hard ?? {};
      const over = Object.keys(per).filter((k) => k in hard && (base[k] ?? 0) + per[k]! * (running + 1) > (qty(hard[k]) ?? 0));
      if (over.length) {
        const f = (m: Record<string, number>, mul = 1, add: Record<string, number> = {}) => over.map((k) => `${k}=${fmtQty(k, (m[k] ?? 0) * mul + (add[k] ?? 0))}`).join(",");
        const usedNow: Record<string, number> = {};
        for (const k of over) usedNow[k] = (base[k] ?? 0) + per[k]! * running;
        return `exceeded quota: ${q.metadata.name}, requested: ${f(per)}, used: ${f(usedNow)}, limited: ${over.map((k) => `${k}=${hard[k]}`).join(",")}`;
      }
    }
    return null;
  }

  /** The quota controller: status.hard mirrors spec.hard, status.used counts what runs. */
  private refreshQuotas(ns: string | undefined) {
    if (!ns) return;
    const used = this.usedBy(ns);
    for (const [k, q] of this.store) {
      if (q.kind !== "ResourceQuota" || q.metadata.namespace !== ns) continue;
      const hard = (q["spec"] as { hard?: Record<string, string> })?.hard ?? {};
      const u: Record<string, string> = {};
      for (const key of Object.keys(hard)) {
        if (key.startsWith("count/") || ["services", "secrets", "configmaps", "persistentvolumeclaims"].includes(key)) {
          const plural = key.replace(/^count\//, "").split(".")[0]!;
          u[key] = String(this.objects(plural, ns).length);
        } else u[key] = fmtQty(key, used[key] ?? 0);
      }
      const next = { hard: { ...hard }, used: u };
      if (JSON.stringify(next) !== JSON.stringify(q["status"])) {
        q["status"] = next;
        q.metadata.resourceVersion = this.nextRv();
        this.store.set(k, q);
      }
    }
  }
}

/** Starts a test server; `await using`-free helper for node:test suites. */
export async function startKubernetesTestServer(opts?: KubernetesTestServerOptions): Promise<KubernetesTestServer> {
  const s = new KubernetesTestServer(opts);
  await s.start();
  return s;
}
