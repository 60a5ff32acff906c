import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ids, timestamps } from "./common.ts";
import { resources } from "./marketplace.ts";
import { users } from "./structure.ts";

/** Waldur's CoreStates, as /api/slurm-jobs/ reports them. */
export type JobState = "Creating" | "OK" | "Erred" | "Deleting" | "Deleted";

/**
 * HPC jobs submitted to a SLURM allocation (a marketplace resource). The script itself is not
 * kept: D1 holds its hash and size; the output lives sealed in R2 under `outputPrefix`.
 */
export const slurmJobs = sqliteTable(
  "slurm_jobs",
  {
    ...ids(),
    resourceId: integer("resource_id")
      .notNull()
      .references(() => resources.id),
    userId: integer("user_id").references(() => users.id),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    /** Library workload name, or "custom" for a script the user gave. */
    workload: text("workload").notNull(),
    scriptSha256: text("script_sha256").notNull(),
    scriptBytes: integer("script_bytes").notNull(),
    /** Number of array tasks (1 for plain jobs); each reports its own output part. */
    parts: integer("parts").notNull().default(1),
    state: text("state").$type<JobState>().notNull().default("Creating"),
    /** SLURM's job state (PENDING, RUNNING, COMPLETED, FAILED, …). */
    runtimeState: text("runtime_state").notNull().default(""),
    backendId: text("backend_id").notNull().default(""),
    errorMessage: text("error_message").notNull().default(""),
    /** SHA-256 of the one-time token the job presents when it sends its output back. */
    outputTokenHash: text("output_token_hash").notNull(),
    outputPrefix: text("output_prefix").notNull(),
    partsReported: integer("parts_reported").notNull().default(0),
    ...timestamps(),
  },
  (t) => [index("slurm_jobs_resource").on(t.resourceId)],
);
