// /api/slurm-jobs/: HPC jobs on a SLURM allocation (a marketplace resource served by the slurm
// plugin). Shaped like Waldur's slurm-jobs (FirecrestJob: name, description, file, state,
// runtime_state, backend_id, report, pull/), with `resource` in place of Firecrest's
// service_settings and a library `workload` as an alternative to a script `file`.
import { and, eq, or, sql } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireUser } from "../auth/session.ts";
import { randomHex, sha256Hex } from "../auth/tokens.ts";
import { constantTimeEqual, utf8 } from "../crypto/bytes.ts";
import { projects, resources, slurmJobs } from "../db/schema/index.ts";
import { ApiError, fieldError, nonFieldError, notFound } from "../http/errors.ts";
import { newUuid, nowIso, parseUuid, pathUuid } from "../http/ids.ts";
import { pageOf, paginated } from "../http/list.ts";
import { linksFor, origin, parseLink } from "../http/links.ts";
import { body, int, optStr, requiredStr, str, v } from "../http/validate.ts";
import { loadExecution } from "../marketplace/execution/context.ts";
import { pluginContext } from "../marketplace/execution/consumer.ts";
import type { Resource } from "../marketplace/orders/context.ts";
import { consumerResourceVisible, findResource, providerResourceVisible } from "../marketplace/orders/queries.ts";
import { overLimit } from "../plugins/slurm/index.ts";
import { cancelJob, FINISHED, jobStates, submitJob, summarize } from "../plugins/slurm/jobs.ts";
import type { SlurmSettings } from "../plugins/slurm/settings.ts";
import { WORKLOADS, type WorkloadName, wrapScript } from "../plugins/slurm/workloads.ts";
import { openJson, sealJson } from "../secrets/sealed-json.ts";

const BASE = "/api/slurm-jobs";
const MAX_OUTPUT_BYTES = 1_000_000;
type Job = typeof slurmJobs.$inferSelect;

const createSchema = v.object({
  name: requiredStr(150),
  description: optStr(4096),
  resource: requiredStr(500),
  workload: v.optional(v.picklist(["batch", "mpi", "array", "custom"], 'Choose one of "batch", "mpi", "array", "custom".')),
  file: v.optional(str(100_000)),
  parameters: v.optional(
    v.object({
      tasks: v.optional(int(1, 64)),
      array_size: v.optional(int(1, 100)),
      n: v.optional(int(1, 5000)),
    }),
    {},
  ),
  time_limit: v.optional(int(1, 10_080), 10),
});

/** A marketplace-resources hyperlink, or a bare uuid. */
function resourceUuid(ref: string): string {
  const bare = parseUuid(ref);
  if (bare) return bare;
  const link = parseLink(ref, "marketplace-resources");
  if (!link.ok) throw fieldError("resource", link.message);
  return link.uuid;
}

async function slurmOf(c: Context<AppEnv>, res: Resource): Promise<{ settings: SlurmSettings }> {
  const x = await loadExecution(c.var.db, c.env, res);
  if (!x.ok || x.value.plugin.name !== "slurm") throw fieldError("resource", "The resource is not a SLURM allocation served by this marketplace.");
  return { settings: x.value.settings as SlurmSettings };
}

function visibleJobs(c: Context<AppEnv>) {
  const me = requireUser(c.var.user);
  const db = c.var.db;
  const visible = db.select({ id: resources.id }).from(resources).where(or(consumerResourceVisible(db, me), providerResourceVisible(db, me)));
  return inArray(slurmJobs.resourceId, visible);
}

async function findJob(c: Context<AppEnv>): Promise<Job> {
  const job = await c.var.db.select().from(slurmJobs).where(and(eq(slurmJobs.uuid, pathUuid(c.req.param("uuid"))), visibleJobs(c))).get();
  if (!job) throw notFound();
  return job;
}

const partKey = (job: Job, part: number) => `${job.outputPrefix}part-${part}`;

async function report(c: Context<AppEnv>, job: Job) {
  const parts: { part: number; exit_code: number; output: string }[] = [];
  for (let i = 0; i < job.parts; i++) {
    const obj = await c.env.BLOBS.get(partKey(job, i));
    if (!obj) continue;
    const opened = await openJson(c.env, { kind: "job-output", recordId: `${job.uuid}:${i}` }, await obj.text());
    parts.push({ part: i, exit_code: Number(opened.exit_code), output: String(opened.output) });
  }
  return parts;
}

async function serialize(c: Context<AppEnv>, jobs: Job[], withReport: boolean) {
  if (jobs.length === 0) return [];
  const db = c.var.db;
  const res = await db.select().from(resources).where(inArray(resources.id, [...new Set(jobs.map((j) => j.resourceId))])).all();
  const projs = await db.select().from(projects).where(inArray(projects.id, [...new Set(res.map((r) => r.projectId))])).all();
  const links = linksFor(c);
  return Promise.all(
    jobs.map(async (j) => {
      const r = res.find((x) => x.id === j.resourceId)!;
      const p = projs.find((x) => x.id === r.projectId)!;
      return {
        url: links.to("slurm-jobs", j.uuid),
        uuid: j.uuid,
        name: j.name,
        description: j.description,
        resource: links.to("marketplace-resources", r.uuid),
        resource_uuid: r.uuid,
        project: links.to("projects", p.uuid),
        project_uuid: p.uuid,
        project_name: p.name,
        workload: j.workload,
        script_sha256: j.scriptSha256,
        state: j.state,
        runtime_state: j.runtimeState,
        backend_id: j.backendId,
        error_message: j.errorMessage,
        resource_type: "SLURM.Job",
        created: j.created,
        modified: j.modified,
        report: withReport ? await report(c, j) : null,
      };
    }),
  );
}

/** Asks SLURM for the job's state and stores it. */
async function refresh(c: Context<AppEnv>, job: Job): Promise<Job> {
  if (!job.backendId || job.state !== "OK" || FINISHED.includes(job.runtimeState)) return job;
  const res = (await c.var.db.select().from(resources).where(eq(resources.id, job.resourceId)).get())!;
  const { settings } = await slurmOf(c, res);
  const states = await jobStates(pluginContext(), settings, job.backendId);
  if (!states.ok) throw new ApiError(503, { detail: states.error.message });
  const s = states.value ? summarize(states.value) : { runtime: "COMPLETED", finished: true, failed: false };
  return (await c.var.db.update(slurmJobs).set({ runtimeState: s.runtime, modified: nowIso() }).where(eq(slurmJobs.id, job.id)).returning().get())!;
}

export function mountSlurmJobs(app: Hono<AppEnv>) {
  app.get(`${BASE}/`, async (c) => {
    const page = pageOf(c);
    const where = visibleJobs(c);
    const [{ n }] = (await c.var.db.select({ n: sql<number>`count(*)` }).from(slurmJobs).where(where).all()) as [{ n: number }];
    const rows = await c.var.db.select().from(slurmJobs).where(where).orderBy(sql`${slurmJobs.id} desc`).limit(page.size).offset(page.offset).all();
    return paginated(c, page, n, await serialize(c, rows, false));
  });

  app.get(`${BASE}/:uuid/`, async (c) => c.json((await serialize(c, [await findJob(c)], true))[0]));

  app.post(`${BASE}/`, async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, createSchema);
    const workload = b.workload ?? (b.file ? "custom" : undefined);
    if (!workload) throw fieldError("workload", 'Give a library workload ("batch", "mpi", "array") or a script in "file".');
    if (workload === "custom" && !b.file?.trim()) throw fieldError("file", "A custom job needs its script.");
    if (workload !== "custom" && b.file) throw fieldError("file", "Give either a library workload or a script, not both.");
    const res = await findResource(c.var.db, me, resourceUuid(b.resource), "consumer");
    if (res.state !== "OK" || !res.backendId) throw fieldError("resource", `The allocation is ${res.state}; jobs run only on allocations that are OK.`);
    const { settings } = await slurmOf(c, res);
    if (res.backendMetadata.blocked === true) throw nonFieldError("The allocation is blocked: its usage reached the limits. Raise the limits with an update order.");
    const over = overLimit(res.currentUsages, res.limits);
    if (over.length) throw nonFieldError(`The allocation's usage reached its limits for: ${over.join(", ")}.`);

    const shape =
      workload === "custom" ? { script: b.file!, tasks: b.parameters.tasks ?? 1, parts: 1 } : WORKLOADS[workload as WorkloadName](b.parameters);
    const uuid = newUuid();
    const token = randomHex(32);
    const outputUrl = `${origin(c)}${BASE}/${uuid}/set_output/`;
    const script = wrapScript(shape.script, outputUrl, token, `VE_JOB_${randomHex(8)}`);
    const now = nowIso();
    const job = (await c.var.db
      .insert(slurmJobs)
      .values({
        uuid,
        resourceId: res.id,
        userId: me.id,
        name: b.name,
        description: b.description,
        workload,
        scriptSha256: await sha256Hex(shape.script),
        scriptBytes: new TextEncoder().encode(shape.script).length,
        parts: shape.parts,
        outputTokenHash: await sha256Hex(token),
        outputPrefix: `slurm-jobs/${uuid}/`,
        created: now,
        modified: now,
      })
      .returning()
      .get())!;
    const submitted = await submitJob(pluginContext(), settings, {
      account: res.backendId,
      name: b.name.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 64),
      script,
      tasks: shape.tasks,
      array: "array" in shape ? shape.array : undefined,
      timeLimitMinutes: b.time_limit,
      comment: `virtengine job ${uuid}`,
    });
    const set = submitted.ok
      ? { state: "OK" as const, backendId: submitted.value, runtimeState: "PENDING" }
      : { state: "Erred" as const, errorMessage: submitted.error.message.slice(0, 2000) };
    const saved = (await c.var.db.update(slurmJobs).set({ ...set, modified: nowIso() }).where(eq(slurmJobs.id, job.id)).returning().get())!;
    return c.json((await serialize(c, [saved], false))[0], 201);
  });

  app.post(`${BASE}/:uuid/pull/`, async (c) => {
    await refresh(c, await findJob(c));
    return c.json({ detail: "Job has been pulled." }, 202);
  });

  app.delete(`${BASE}/:uuid/`, async (c) => {
    const job = await findJob(c);
    if (job.backendId) {
      const res = (await c.var.db.select().from(resources).where(eq(resources.id, job.resourceId)).get())!;
      const { settings } = await slurmOf(c, res);
      const r = await cancelJob(pluginContext(), settings, job.backendId);
      if (!r.ok) throw new ApiError(r.error.transient ? 503 : 400, { detail: r.error.message });
    }
    await c.env.BLOBS.delete(Array.from({ length: job.parts }, (_, i) => partKey(job, i)));
    await c.var.db.delete(slurmJobs).where(eq(slurmJobs.id, job.id));
    return c.body(null, 204);
  });

  // Called by the job itself when it ends (see wrapScript): authenticated by the job's one-time
  // token, not by a user. The output is sealed before it is stored.
  app.post(`${BASE}/:uuid/set_output/`, async (c) => {
    const job = await c.var.db.select().from(slurmJobs).where(eq(slurmJobs.uuid, pathUuid(c.req.param("uuid")))).get();
    const presented = c.req.header("x-ve-job-token") ?? "";
    if (!job || !presented || !constantTimeEqual(utf8(await sha256Hex(presented)), utf8(job.outputTokenHash))) throw notFound();
    const part = Number(c.req.query("part") ?? "0");
    const exitCode = Number(c.req.query("exit_code") ?? "");
    if (!Number.isInteger(part) || part < 0 || part >= job.parts) throw fieldError("part", `A part between 0 and ${job.parts - 1} is required.`);
    if (!Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) throw fieldError("exit_code", "An exit code between 0 and 255 is required.");
    const text = await c.req.text();
    if (new TextEncoder().encode(text).length > MAX_OUTPUT_BYTES) throw new ApiError(413, { detail: "Output is larger than 1 MB." });
    const key = partKey(job, part);
    const existed = (await c.env.BLOBS.head(key)) !== null;
    await c.env.BLOBS.put(key, await sealJson(c.env, { kind: "job-output", recordId: `${job.uuid}:${part}` }, { output: text, exit_code: exitCode }));
    if (!existed) await c.var.db.update(slurmJobs).set({ partsReported: sql`${slurmJobs.partsReported} + 1`, modified: nowIso() }).where(eq(slurmJobs.id, job.id));
    return c.json({ detail: "Output has been stored." });
  });
}

