// The cron's half of Waldur's scheduled broadcasts: a SCHEDULED message whose send_at (a date, as
// Waldur has it) is today or earlier goes out once. sendBroadcast claims the row with a conditional
// UPDATE before mailing anyone, so overlapping cron runs (or a staff send/ racing the cron) mail
// each recipient once: the loser of the claim gets invalidState and is counted as skipped. A message
// whose query no longer resolves (a named organization was deleted) goes back to DRAFT, reported by
// uuid, rather than being retried every run and holding up the messages behind it; staff fix its
// query and schedule it again.
import { and, asc, eq, lte } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { broadcastMessages } from "../../db/schema/index.ts";
import { ApiError } from "../../http/errors.ts";
import { nowIso } from "../../http/ids.ts";
import type { IdentityEnv } from "../../identity/scopes/common.ts";
import { sendBroadcast } from "./send.ts";

/** Per cron run: a backlog drains over a few runs instead of one long invocation. */
const BATCH = 20;

export interface ScheduledBroadcastRun {
  sent: number;
  skipped: number;
  /** Due messages refused as they stand (e.g. the query names a deleted object), now DRAFT again. */
  invalid: { uuid: string; error: string }[];
  /** Why nothing was sent although messages were due (no or a bad mail transport). */
  error?: string;
}

export async function sendDueBroadcasts(db: Db, env: IdentityEnv, now = new Date()): Promise<ScheduledBroadcastRun> {
  const today = now.toISOString().slice(0, 10);
  const due = await db
    .select()
    .from(broadcastMessages)
    .where(and(eq(broadcastMessages.state, "SCHEDULED"), lte(broadcastMessages.sendAt, today)))
    .orderBy(asc(broadcastMessages.sendAt), asc(broadcastMessages.id))
    .limit(BATCH)
    .all();
  const run: ScheduledBroadcastRun = { sent: 0, skipped: 0, invalid: [] };
  for (const m of due) {
    try {
      await sendBroadcast(db, env, m);
      run.sent++;
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      // 503: the transport is missing or misconfigured; the message stays SCHEDULED for a later run.
      if (e.status === 503) return { ...run, error: e.message };
      if (e.status === 400) {
        await db
          .update(broadcastMessages)
          .set({ state: "DRAFT", modified: nowIso() })
          .where(and(eq(broadcastMessages.id, m.id), eq(broadcastMessages.state, "SCHEDULED")));
        run.invalid.push({ uuid: m.uuid, error: JSON.stringify(e.body) });
      } else run.skipped++; // 409: claimed by a concurrent run or sent by hand in between
    }
  }
  return run;
}
