// Delivery of a broadcast: one message per recipient through the configured mail transport (so no
// recipient sees another's address), a few at a time. The claim on the row (DRAFT/SCHEDULED → SENT
// in one conditional UPDATE) comes first, so two concurrent sends never mail anyone twice.
import { and, eq, inArray as drizzleInArray } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { inArray } from "../../db/in-list.ts";
import { broadcastMessages, users } from "../../db/schema/index.ts";
import { ApiError, invalidState } from "../../http/errors.ts";
import { nowIso } from "../../http/ids.ts";
import type { IdentityEnv } from "../../identity/scopes/common.ts";
import { mailSettings, MailConfigError, sendSmtp, type SmtpSettings } from "../../identity/scopes/mail.ts";
import { recipientIds } from "./query.ts";
import type { BroadcastMessage } from "./serialize.ts";

const PARALLEL = 4;
const UNSENT = ["DRAFT", "SCHEDULED"] as const;

function transport(env: IdentityEnv): SmtpSettings {
  let s: SmtpSettings | null;
  try {
    s = mailSettings(env);
  } catch (e) {
    if (e instanceof MailConfigError) throw new ApiError(503, { detail: "The mail transport is misconfigured." });
    throw e;
  }
  if (!s) throw new ApiError(503, { detail: "No mail transport is configured (VE_MAIL_TRANSPORT)." });
  return s;
}

export async function sendBroadcast(db: Db, env: IdentityEnv, msg: BroadcastMessage): Promise<BroadcastMessage> {
  const smtp = transport(env);
  if (msg.state === "SENT") throw invalidState(UNSENT);
  // Recipients as the query names them now (Waldur resolves at send time too).
  const ids = await recipientIds(db, msg.query);
  const claimed = await db
    .update(broadcastMessages)
    .set({ state: "SENT", recipientIds: ids, sentAt: nowIso(), modified: nowIso() })
    .where(and(eq(broadcastMessages.id, msg.id), drizzleInArray(broadcastMessages.state, [...UNSENT])))
    .returning()
    .get();
  if (!claimed) throw invalidState(UNSENT);
  const people = ids.length ? await db.select({ email: users.email }).from(users).where(inArray(users.id, ids)).all() : [];
  let sent = 0;
  let failed = 0;
  for (let i = 0; i < people.length; i += PARALLEL) {
    const results = await Promise.allSettled(
      people.slice(i, i + PARALLEL).map((p) => sendSmtp(smtp, { to: p.email, subject: msg.subject, text: msg.body })),
    );
    for (const r of results) r.status === "fulfilled" ? sent++ : failed++;
  }
  return db
    .update(broadcastMessages)
    .set({ sentCount: sent, failedCount: failed, modified: nowIso() })
    .where(eq(broadcastMessages.id, msg.id))
    .returning()
    .get();
}
