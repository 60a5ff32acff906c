// The HPC job library: pre-configured workloads a customer can run on their SLURM allocation
// without writing a script, plus custom scripts. Each returns the bash body and the SLURM job
// properties it needs (tasks, array range). Parameters are validated by the route's schema.

export interface JobShape {
  script: string;
  tasks: number;
  /** SLURM array spec such as "0-3"; absent for plain jobs. */
  array?: string;
  /** Output parts the job will report (one per array task). */
  parts: number;
}

export interface WorkloadParams {
  tasks?: number;
  array_size?: number;
  /** For "batch": how many primes to find (a small CPU-bound computation). */
  n?: number;
}

export const WORKLOADS = {
  /** One task computing the first n primes: a plain batch job. */
  batch: (p: WorkloadParams): JobShape => ({
    script: `n=${p.n ?? 100}
count=0; i=2; last=0
while [ $count -lt $n ]; do
  is=1; j=2
  while [ $((j*j)) -le $i ]; do if [ $((i%j)) -eq 0 ]; then is=0; break; fi; j=$((j+1)); done
  if [ $is -eq 1 ]; then count=$((count+1)); last=$i; fi
  i=$((i+1))
done
echo "prime #$n is $last"`,
    tasks: 1,
    parts: 1,
  }),
  /** Several tasks launched by srun, each reporting its rank: the shape of an MPI job. */
  mpi: (p: WorkloadParams): JobShape => ({
    script: `srun --ntasks=\${SLURM_NTASKS} bash -c 'echo "rank $SLURM_PROCID of $SLURM_NTASKS on $(hostname)"' | sort`,
    tasks: p.tasks ?? 2,
    parts: 1,
  }),
  /** An array job: each element processes its own index. */
  array: (p: WorkloadParams): JobShape => {
    const size = p.array_size ?? 3;
    return {
      script: `echo "array task $SLURM_ARRAY_TASK_ID of ${size}: square is $((SLURM_ARRAY_TASK_ID * SLURM_ARRAY_TASK_ID))"`,
      tasks: 1,
      array: `0-${size - 1}`,
      parts: size,
    };
  },
} as const;

export type WorkloadName = keyof typeof WORKLOADS;

/**
 * Wraps the job body so its output comes back to the API: SLURM's REST API cannot read files, so
 * the job posts its own stdout+stderr (with a one-time token) when it ends. The body runs from a
 * quoted heredoc, so nothing in it is expanded by the wrapper.
 */
export function wrapScript(body: string, outputUrl: string, token: string, delimiter: string): string {
  return `#!/bin/bash
__ve_out=$(mktemp)
bash > "$__ve_out" 2>&1 <<'${delimiter}'
${body}
${delimiter}
__ve_rc=$?
curl -sS -m 60 -X POST -H "X-VE-Job-Token: ${token}" -H "Content-Type: text/plain" --data-binary @"$__ve_out" \\
  "${outputUrl}?part=\${SLURM_ARRAY_TASK_ID:-0}&exit_code=$__ve_rc" > /dev/null
rm -f "$__ve_out"
exit $__ve_rc
`;
}
