// The lifecycle's share of the cron: the retention sweep, and borderline results into the review queue.
import type { Db } from "../../app-env.ts";
import { LifecycleConfigError, type LifecycleSecretEnv } from "./config.ts";
import type { EvidenceBucket } from "./dispose.ts";
import { sweepRetention } from "./retention.ts";
import { queueBorderline, queueBorderlineScores } from "./reviews.ts";

export async function runIdentityLifecycleCron(
  db: Db,
  bucket: EvidenceBucket,
  env: LifecycleSecretEnv,
): Promise<{ deleted: number; queued: number } | { error: string }> {
  try {
    const { deleted } = await sweepRetention(db, bucket, env);
    const queued = (await queueBorderline(db, env)) + (await queueBorderlineScores(db, env));
    return { deleted, queued };
  } catch (e) {
    // A bad setting (or a failing store) must be visible in the logs and must not stop the rest of the cron.
    return {
      error:
        e instanceof LifecycleConfigError
          ? e.message
          : `${e instanceof Error ? e.name : "error"}: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}
