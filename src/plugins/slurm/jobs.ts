// Job submission and state through slurmrestd, for the HPC job API.
import type { components } from "../../../openapi/slurmrestd/slurmrestd.d.ts";
import { fail, ok, type PluginContext, type PluginResult } from "../types.ts";
import { call, isNotFound, slurmClient } from "./client.ts";
import type { SlurmSettings } from "./settings.ts";

type JobProperties = components["schemas"]["v0.0.38_job_properties"];

export interface JobSubmission {
  account: string;
  name: string;
  script: string;
  tasks: number;
  array?: string;
  timeLimitMinutes: number;
  /** Marks the job with the marketplace job uuid (SLURM's comment field). */
  comment: string;
}

export async function submitJob(ctx: PluginContext, s: SlurmSettings, j: JobSubmission): Promise<PluginResult<string>> {
  const c = slurmClient(ctx, s);
  const r = await call(
    () =>
      c.POST("/slurm/v0.0.38/job/submit", {
        body: {
          script: j.script,
          // The served document marks open_mode and oversubscribe required; slurmrestd defaults them.
          job: {
            account: j.account,
            name: j.name,
            comment: j.comment,
            ...(s.partition ? { partition: s.partition } : {}),
            tasks: j.tasks,
            ...(j.array ? { array: j.array } : {}),
            time_limit: j.timeLimitMinutes,
            current_working_directory: s.jobs_dir,
            standard_output: "/dev/null",
            // slurmrestd 22.05 requires an environment; the job gets a minimal one, not the daemon's.
            // (The served document declares it as an object without properties, hence the cast.)
            environment: { PATH: "/usr/local/bin:/usr/bin:/bin", LANG: "C.UTF-8" } as unknown as Record<string, never>,
          } as JobProperties,
        },
      }),
    `submitting job ${j.name}`,
  );
  if (!r.ok) return r;
  const id = r.value.job_id;
  return id === undefined ? fail("slurmrestd accepted the job without a job id") : ok(String(id));
}

/** SLURM states of the job (one per array task), or null when SLURM has forgotten it. */
export async function jobStates(ctx: PluginContext, s: SlurmSettings, jobId: string): Promise<PluginResult<string[] | null>> {
  const c = slurmClient(ctx, s);
  const r = await call(() => c.GET("/slurm/v0.0.38/job/{job_id}", { params: { path: { job_id: jobId } } }), `reading job ${jobId}`);
  if (!r.ok) return isNotFound(r.error.message) || /invalid job id/i.test(r.error.message) ? ok(null) : r;
  return ok((r.value.jobs ?? []).map((x) => x.job_state ?? "UNKNOWN"));
}

export async function cancelJob(ctx: PluginContext, s: SlurmSettings, jobId: string): Promise<PluginResult<void>> {
  const c = slurmClient(ctx, s);
  const r = await call(() => c.DELETE("/slurm/v0.0.38/job/{job_id}", { params: { path: { job_id: jobId } } }), `cancelling job ${jobId}`);
  if (!r.ok && !isNotFound(r.error.message) && !/invalid job id|already completing|completed/i.test(r.error.message)) return r;
  return ok(undefined);
}

export const FINISHED = ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE"];
const BAD = FINISHED.filter((x) => x !== "COMPLETED");

/** One state for the whole job from its tasks' states: the worst finished one, else the live one. */
export function summarize(states: string[]): { runtime: string; finished: boolean; failed: boolean } {
  if (states.length === 0) return { runtime: "UNKNOWN", finished: false, failed: false };
  const live = states.find((x) => !FINISHED.includes(x));
  if (live) return { runtime: live, finished: false, failed: false };
  const bad = states.find((x) => BAD.includes(x));
  return { runtime: bad ?? "COMPLETED", finished: true, failed: !!bad };
}
