// The lifecycle's deployment settings, each an env var with a documented default:
//   VE_IDENTITY_RETENTION_DAYS        raw sealed images (ID document, selfie) are deleted from R2
//                                     this many days after capture (default 30; 0 = at the next cron)
//   VE_IDENTITY_APPEAL_PERIOD_DAYS    an account may appeal its score once per this many days (default 30)
//   VE_IDENTITY_REVIEW_MARGIN         a face distance within this of the match threshold is borderline
//                                     and goes to manual review (default 0.05)
//   VE_IDENTITY_REVIEW_SCORE_THRESHOLDS  comma-separated 0-100 scores that decide access (default "50");
//   VE_IDENTITY_REVIEW_SCORE_MARGIN      an account whose latest score is within this many points of
//                                     one of them goes to manual review (default 5)
// A malformed value is a deployment error: it is named, never silently replaced by the default.
import type { SecretEnv } from "../../secrets/sealed-json.ts";
import { MATCH_THRESHOLD } from "../face/verify.ts";

export interface LifecycleEnv {
  VE_IDENTITY_RETENTION_DAYS?: string;
  VE_IDENTITY_APPEAL_PERIOD_DAYS?: string;
  VE_IDENTITY_REVIEW_MARGIN?: string;
  VE_IDENTITY_REVIEW_SCORE_THRESHOLDS?: string;
  VE_IDENTITY_REVIEW_SCORE_MARGIN?: string;
}

export const DEFAULT_RETENTION_DAYS = 30;
export const DEFAULT_APPEAL_PERIOD_DAYS = 30;
export const DEFAULT_REVIEW_MARGIN = 0.05;
export const DEFAULT_SCORE_THRESHOLDS = [50];
export const DEFAULT_SCORE_MARGIN = 5;

export class LifecycleConfigError extends Error {}

function number(
  env: LifecycleEnv,
  name: keyof LifecycleEnv,
  fallback: number,
  ok: (n: number) => boolean,
  what: string,
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || !ok(n))
    throw new LifecycleConfigError(`${name}=${JSON.stringify(raw)} is not ${what}`);
  return n;
}

const DAY_MS = 86_400_000;

export const retentionMs = (env: LifecycleEnv) =>
  number(
    env,
    "VE_IDENTITY_RETENTION_DAYS",
    DEFAULT_RETENTION_DAYS,
    (n) => Number.isInteger(n) && n >= 0 && n <= 3650,
    "a whole number of days (0..3650)",
  ) * DAY_MS;

export const appealPeriodMs = (env: LifecycleEnv) =>
  number(
    env,
    "VE_IDENTITY_APPEAL_PERIOD_DAYS",
    DEFAULT_APPEAL_PERIOD_DAYS,
    (n) => Number.isInteger(n) && n >= 1 && n <= 3650,
    "a whole number of days (1..3650)",
  ) * DAY_MS;

/** The distance band [threshold - margin, threshold + margin] that counts as borderline. */
export function borderlineBand(env: LifecycleEnv): { low: number; high: number } {
  const m = number(
    env,
    "VE_IDENTITY_REVIEW_MARGIN",
    DEFAULT_REVIEW_MARGIN,
    (n) => n >= 0 && n <= 1,
    "a distance margin between 0 and 1",
  );
  return { low: MATCH_THRESHOLD - m, high: MATCH_THRESHOLD + m };
}

/** Score thresholds and the margin around them that counts as borderline. */
export function scoreBand(env: LifecycleEnv): { thresholds: number[]; margin: number } {
  const margin = number(
    env,
    "VE_IDENTITY_REVIEW_SCORE_MARGIN",
    DEFAULT_SCORE_MARGIN,
    (n) => Number.isInteger(n) && n >= 0 && n <= 50,
    "a whole number of points (0..50)",
  );
  const raw = env.VE_IDENTITY_REVIEW_SCORE_THRESHOLDS;
  if (raw === undefined || raw.trim() === "") return { thresholds: DEFAULT_SCORE_THRESHOLDS, margin };
  const thresholds = raw.split(",").map((x) => Number(x.trim()));
  if (thresholds.some((t) => !Number.isInteger(t) || t < 0 || t > 100)) {
    throw new LifecycleConfigError(
      `VE_IDENTITY_REVIEW_SCORE_THRESHOLDS=${JSON.stringify(raw)} is not a comma-separated list of whole scores 0..100`,
    );
  }
  return { thresholds, margin };
}

/** The settings above plus the executor key that seals what people write (texts.ts). */
export type LifecycleSecretEnv = LifecycleEnv & SecretEnv;
export const lifecycleEnv = (env: unknown): LifecycleSecretEnv => env as LifecycleSecretEnv;
