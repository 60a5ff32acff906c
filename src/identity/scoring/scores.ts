// The edge side of identity scores: which accounts a validator should (re)score, with their signal
// rows, and the validator's score posted back. A score is due when the validator has none for the
// account, when a scope, the TOTP factor or a face verdict changed after its latest one, or when
// that one is older than RESCORE_DAYS (verification ages keep growing). Accounts with no evidence
// at all are not listed: they are unscored, i.e. 0.
import { eq, sql } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { identityScores, users } from "../../db/schema/index.ts";
import { fieldError } from "../../http/errors.ts";
import { newUuid, nowIso } from "../../http/ids.ts";
import { v } from "../../http/validate.ts";
import type { IdentityValidator } from "../capture/validators.ts";
import { MODEL_INPUTS } from "./features.ts";
import { signalRows } from "./signals.ts";

export const RESCORE_DAYS = 7;
/** Accounts per due listing (the scorer asks again next round). */
export const DUE_LIMIT = 50;

interface DueRow {
  user_id: number;
  uuid: string;
  changed: string;
  scored: string | null;
}

export async function dueScores(db: Db, validator: IdentityValidator, now = new Date()) {
  const stale = new Date(now.getTime() - RESCORE_DAYS * 86_400_000).toISOString();
  const due = await db.all<DueRow>(sql`
    SELECT e.user_id AS user_id, u.uuid AS uuid, e.changed AS changed, s.scored AS scored
    FROM (
      SELECT user_id, MAX(t) AS changed FROM (
        SELECT user_id, modified AS t FROM identity_scopes WHERE status = 'verified'
        UNION ALL SELECT user_id, enabled_at AS t FROM identity_totp WHERE enabled_at IS NOT NULL
        UNION ALL SELECT c.user_id AS user_id, a.created AS t FROM identity_attestations a JOIN identity_captures c ON c.id = a.document_capture_id
      ) GROUP BY user_id
    ) e
    JOIN users u ON u.id = e.user_id
    LEFT JOIN (SELECT user_id, MAX(created) AS scored FROM identity_scores WHERE validator_key_id = ${validator.keyId} GROUP BY user_id) s ON s.user_id = e.user_id
    WHERE u.is_active = 1 AND (s.scored IS NULL OR s.scored < e.changed OR s.scored < ${stale})
    ORDER BY e.changed, e.user_id
    LIMIT ${DUE_LIMIT}`);
  const rows = await signalRows(
    db,
    due.map((d) => ({ id: d.user_id, uuid: d.uuid })),
  );
  const asOf = now.toISOString();
  return due.map((d) => ({
    account: d.uuid,
    as_of: asOf,
    last_scored: d.scored,
    signals: rows.get(d.user_id)!,
  }));
}

const uuidField = () =>
  v.pipe(v.string("Not a valid string."), v.regex(/^[0-9a-f]{32}$/, "Must be a valid UUID."));
export const scoreSchema = v.object({
  account: uuidField(),
  score: v.pipe(
    v.number("A valid integer is required."),
    v.integer("A valid integer is required."),
    v.minValue(0, "Ensure this value is greater than or equal to 0."),
    v.maxValue(100, "Ensure this value is less than or equal to 100."),
  ),
  pipeline_version: v.pipe(
    v.string("Not a valid string."),
    v.regex(/^[A-Za-z0-9._-]{1,32}$/, "A version label."),
  ),
  pipeline_hash: v.pipe(
    v.string("Not a valid string."),
    v.regex(/^[0-9a-f]{64}$/, "The hex SHA-256 of the scoring pipeline."),
  ),
  reasons: v.pipe(
    v.array(
      v.object({
        input: v.picklist(MODEL_INPUTS, (i) => `"${String(i.input)}" is not a model input.`),
        points: v.pipe(
          v.number("A valid number is required."),
          v.finite("A valid number is required."),
          v.minValue(-100),
          v.maxValue(100),
        ),
      }),
      "Must be a list of {input, points}.",
    ),
    v.maxLength(MODEL_INPUTS.length, `At most ${MODEL_INPUTS.length} reasons.`),
  ),
});
export type ScoreInput = v.InferOutput<typeof scoreSchema>;

export async function recordScore(db: Db, validator: IdentityValidator, b: ScoreInput) {
  const user = await db.select({ id: users.id }).from(users).where(eq(users.uuid, b.account)).get();
  if (!user) throw fieldError("account", "No such account.");
  return db
    .insert(identityScores)
    .values({
      uuid: newUuid(),
      userId: user.id,
      validator: validator.validator,
      validatorKeyId: validator.keyId,
      score: b.score,
      pipelineVersion: b.pipeline_version,
      pipelineHash: b.pipeline_hash,
      reasons: b.reasons,
      created: nowIso(),
    })
    .returning()
    .get();
}

export function serializeScore(s: typeof identityScores.$inferSelect, account: string) {
  return {
    uuid: s.uuid,
    account,
    validator: s.validator,
    score: s.score,
    pipeline_version: s.pipelineVersion,
    pipeline_hash: s.pipelineHash,
    reasons: s.reasons,
    created: s.created,
  };
}
