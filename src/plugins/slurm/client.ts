// slurmrestd client, typed from the OpenAPI document the Debian 22.05.8 build serves with
// accounting enabled (openapi/slurmrestd/). Every call returns a value: transient for network
// failures and 5xx, permanent with slurmrestd's own error text otherwise.
import createClient from "openapi-fetch";
import type { paths } from "../../../openapi/slurmrestd/slurmrestd.d.ts";
import { fail, ok, type PluginContext, type PluginResult } from "../types.ts";
import type { SlurmSettings } from "./settings.ts";

export type SlurmClient = ReturnType<typeof slurmClient>;

export function slurmClient(ctx: PluginContext, s: SlurmSettings) {
  return createClient<paths>({
    baseUrl: s.slurmrestd_url.replace(/\/$/, ""),
    fetch: (req) => ctx.fetch(req),
    headers: { "X-SLURM-USER-NAME": s.user_name, "X-SLURM-USER-TOKEN": s.token },
  });
}

interface SlurmError {
  error?: string;
  description?: string;
  error_number?: number;
}

/** slurmrestd reports most failures inside a 200 body as `errors: [...]`; 22.05 also says 500 for "not found". */
export function errorsOf(body: unknown): SlurmError[] {
  const errs = (body as { errors?: SlurmError[] } | undefined)?.errors;
  return Array.isArray(errs) ? errs : [];
}

const describe = (e: SlurmError) => [e.error, e.description].filter(Boolean).join(": ") || `error ${e.error_number ?? "?"}`;

export async function call<T>(
  run: () => Promise<{ data?: T; error?: unknown; response: Response }>,
  what: string,
): Promise<PluginResult<T>> {
  let r: { data?: T; error?: unknown; response: Response };
  try {
    r = await run();
  } catch (e) {
    return fail(`slurmrestd unreachable during ${what}: ${(e as Error).message}`, true);
  }
  const body = (r.data ?? r.error) as unknown;
  const errs = errorsOf(body);
  if (r.response.status === 401 || r.response.status === 403) return fail(`slurmrestd refused the credentials during ${what} (HTTP ${r.response.status})`);
  if (r.response.status >= 500 && errs.length === 0) return fail(`slurmrestd failed during ${what} (HTTP ${r.response.status})`, true);
  if (errs.length > 0) return fail(`slurmrestd, ${what}: ${errs.map(describe).join("; ")}`);
  if (!r.response.ok) return fail(`slurmrestd, ${what}: HTTP ${r.response.status}`, r.response.status === 429);
  return ok(r.data as T);
}

/** True when slurmrestd's errors only say the object does not exist. */
export function isNotFound(message: string): boolean {
  return /not found|nothing found|no such|does not exist|unable to find|data has not changed/i.test(message);
}
