// Offering settings for the SLURM plugin: where slurmrestd listens, whom it acts as, and how the
// offering's components map to SLURM trackable resources (TRES).
import * as v from "valibot";

const tresMapping = v.object({
  /** SLURM TRES name: "cpu", "mem", "node", "gres/gpu", … */
  tres: v.pipe(v.string(), v.regex(/^[a-z]+(\/[a-z0-9_]+)?$/, "a TRES name such as cpu, mem or gres/gpu")),
  /** TRES-minutes per component unit (Waldur's unit_factor): CPU-hours → 60, GB-hours of RAM → 61440 MB-minutes. */
  unit_factor: v.pipe(v.number(), v.integer(), v.minValue(1)),
});

export const slurmSettingsSchema = v.object({
  slurmrestd_url: v.pipe(v.string(), v.url("slurmrestd_url must be an http(s) URL"), v.regex(/^https?:\/\//, "slurmrestd_url must be an http(s) URL")),
  /** The SLURM user slurmrestd acts as (X-SLURM-USER-NAME); an operator of the accounting database. */
  user_name: v.pipe(v.string(), v.nonEmpty("user_name is required")),
  /** A JWT from `scontrol token` (X-SLURM-USER-TOKEN); give it as {"$secret": "slurm_jwt"}. */
  token: v.pipe(v.string(), v.nonEmpty("token is required")),
  cluster_name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,40}$/, "cluster_name is a SLURM cluster name")),
  /** Prefix of the per-resource account names, so the plugin never touches accounts it did not make. */
  account_prefix: v.optional(v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_]{0,15}$/, "account_prefix is lower-case letters, digits and _")), "ve_"),
  partition: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, "partition is a SLURM partition name"))),
  /** Directory on the cluster where submitted jobs write their output. */
  jobs_dir: v.optional(v.pipe(v.string(), v.regex(/^\/[^\0]*$/, "jobs_dir is an absolute path")), "/tmp"),
  components: v.optional(v.record(v.string(), tresMapping), {
    cpu: { tres: "cpu", unit_factor: 60 },
    gpu: { tres: "gres/gpu", unit_factor: 60 },
    ram: { tres: "mem", unit_factor: 61440 },
  }),
});
export type SlurmSettings = v.InferOutput<typeof slurmSettingsSchema>;
