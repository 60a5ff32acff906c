// The score's feature code: one pure function from an account's signal rows (as D1 holds them,
// served to validators by signals.ts) to the raw features, and one from raw features to the model's
// input vector. Nothing here reads a clock, a file or the network, so every validator given the
// same rows and the same `now` computes the same vector; this file's source is part of the
// pipeline hash (pipeline.ts).
//
// Every model input is scaled to [0, 1] with "higher = more evidence of a real, stable owner". The
// score model only has non-negative weights (model.ts), so the score can never drop when an input
// rises: adding a verified scope, an older verification or a better face match never lowers it.
import * as v from "valibot";
import { MATCH_THRESHOLD } from "../face/verify.ts";

/** Verifications older than this count fully for age (log scale below it). */
export const AGE_HORIZON_DAYS = 365;
/** Session sightings needed before device/IP consistency counts fully. */
export const CONSISTENCY_MIN_SIGHTINGS = 5;
/** Face distance assumed when no usable distance exists (beyond any match threshold). */
export const NO_DISTANCE = 1;
export { MATCH_THRESHOLD };

const iso = () => v.pipe(v.string(), v.isoTimestamp("An ISO-8601 timestamp."));
const scopeKind = v.picklist(["email", "sms", "sso", "totp", "domain", "id_document", "selfie"]);

export const signalRowsSchema = v.object({
  account: v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/, "A 32-hex account uuid.")),
  scopes: v.pipe(
    v.array(
      v.object({
        kind: scopeKind,
        status: v.picklist(["pending", "verified"]),
        verified_at: v.nullable(iso()),
      }),
    ),
    v.maxLength(1000),
  ),
  totp: v.nullable(v.object({ enabled_at: v.nullable(iso()) })),
  attestations: v.pipe(
    v.array(
      v.object({
        outcome: v.picklist(["match", "no_match", "rejected"]),
        distance: v.nullable(v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(10))),
        created: iso(),
      }),
    ),
    v.maxLength(1000),
  ),
  /** One row per (network, device) seen using the account's tokens; labels are opaque per account. */
  sessions: v.pipe(
    v.array(
      v.object({
        device: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
        network: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
        first_seen: iso(),
        last_seen: iso(),
        hits: v.pipe(v.number(), v.integer(), v.minValue(1)),
      }),
    ),
    v.maxLength(10_000),
  ),
});
export type SignalRows = v.InferOutput<typeof signalRowsSchema>;

/** Raw features in human units (days, counts, distances): what reasons and the README talk about. */
export const RAW_FEATURES = [
  "email_verified",
  "email_age_days",
  "phone_verified",
  "phone_age_days",
  "sso_verified",
  "sso_age_days",
  "totp_enabled",
  "domain_verified",
  "face_checked",
  "face_passed",
  "face_distance",
  "face_mismatch",
  "sightings",
  "devices",
  "networks",
  "device_consistency",
  "ip_consistency",
] as const;
export type RawFeatureName = (typeof RAW_FEATURES)[number];
export type RawFeatures = Record<RawFeatureName, number>;

/** The model's inputs, in order. */
export const MODEL_INPUTS = [
  "email_verified",
  "email_age",
  "phone_verified",
  "phone_age",
  "sso_verified",
  "sso_age",
  "totp_enabled",
  "domain_verified",
  "face_passed",
  "face_margin",
  "face_clean",
  "device_consistency",
  "ip_consistency",
] as const;
export type ModelInputName = (typeof MODEL_INPUTS)[number];

export class FeatureError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = "FeatureError";
  }
}

const DAY_MS = 86_400_000;

function parseRows(rows: unknown): SignalRows {
  const r = v.safeParse(signalRowsSchema, rows);
  if (r.success) return r.output;
  const issue = r.issues[0];
  const path = v.getDotPath(issue) ?? "rows";
  throw new FeatureError(path, issue.message);
}

/** Share of the hits on the most used value of `key` (1 = always the same). */
function topShare(sessions: SignalRows["sessions"], key: "device" | "network"): number {
  const by = new Map<string, number>();
  let total = 0;
  for (const s of sessions) {
    by.set(s[key], (by.get(s[key]) ?? 0) + s.hits);
    total += s.hits;
  }
  return total === 0 ? 0 : Math.max(...by.values()) / total;
}

/**
 * Raw features of one account at `now`. Rules:
 * - a scope counts when verified; its age is that of the oldest verified scope of its kind
 *   ("sms" is the phone); the TOTP factor counts once enabled;
 * - the latest attestation decides the face: passed when it is a match (distance below the
 *   threshold); a no_match is a mismatch (a face that is not the document's); a rejected image
 *   (no face, blurred) is checked but neither passed nor a mismatch;
 * - sessions: hits per (network, device); consistency is the share of hits on the top value.
 */
export function extractFeatures(rows: unknown, now: Date): RawFeatures {
  if (!(now instanceof Date) || Number.isNaN(now.getTime()))
    throw new FeatureError("now", "Not a valid date.");
  const r = parseRows(rows);
  const t = now.getTime();
  const age = (kind: string): [number, number] => {
    const times = r.scopes
      .filter((s) => s.kind === kind && s.status === "verified")
      .map((s) => (s.verified_at ? Date.parse(s.verified_at) : t));
    if (times.length === 0) return [0, 0];
    return [1, Math.max(0, (t - Math.min(...times)) / DAY_MS)];
  };
  const [email, emailAge] = age("email");
  const [phone, phoneAge] = age("sms");
  const [sso, ssoAge] = age("sso");
  const [domain] = age("domain");
  const latest = [...r.attestations].sort((a, b) =>
    a.created < b.created ? 1 : a.created > b.created ? -1 : 0,
  )[0];
  const passed =
    latest?.outcome === "match" && latest.distance !== null && latest.distance < MATCH_THRESHOLD ? 1 : 0;
  const sightings = r.sessions.reduce((n, s) => n + s.hits, 0);
  return {
    email_verified: email,
    email_age_days: emailAge,
    phone_verified: phone,
    phone_age_days: phoneAge,
    sso_verified: sso,
    sso_age_days: ssoAge,
    totp_enabled: r.totp?.enabled_at ? 1 : 0,
    domain_verified: domain,
    face_checked: latest ? 1 : 0,
    face_passed: passed,
    face_distance: latest?.distance ?? NO_DISTANCE,
    face_mismatch: latest?.outcome === "no_match" ? 1 : 0,
    sightings,
    devices: new Set(r.sessions.map((s) => s.device)).size,
    networks: new Set(r.sessions.map((s) => s.network)).size,
    device_consistency: topShare(r.sessions, "device"),
    ip_consistency: topShare(r.sessions, "network"),
  };
}

const flag = (f: RawFeatureName, x: number) => {
  if (x !== 0 && x !== 1) throw new FeatureError(f, `Must be 0 or 1, got ${x}.`);
};
const range = (f: RawFeatureName, x: number, lo: number, hi: number) => {
  if (x < lo || x > hi) throw new FeatureError(f, `Must be within [${lo}, ${hi}], got ${x}.`);
};

/** Checks a raw feature object from anywhere (a file, another validator, a test): every field present and sane. */
export function checkRawFeatures(x: unknown): RawFeatures {
  if (typeof x !== "object" || x === null || Array.isArray(x))
    throw new FeatureError("features", "Must be an object of raw features.");
  const o = x as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!(RAW_FEATURES as readonly string[]).includes(k)) throw new FeatureError(k, "Unknown feature.");
  const out = {} as RawFeatures;
  for (const f of RAW_FEATURES) {
    const val = o[f];
    if (val === undefined || val === null) throw new FeatureError(f, "Missing.");
    if (typeof val !== "number") throw new FeatureError(f, `Must be a number, got ${typeof val}.`);
    if (!Number.isFinite(val)) throw new FeatureError(f, `Must be a finite number, got ${val}.`);
    out[f] = val;
  }
  for (const f of [
    "email_verified",
    "phone_verified",
    "sso_verified",
    "totp_enabled",
    "domain_verified",
    "face_checked",
    "face_passed",
    "face_mismatch",
  ] as const)
    flag(f, out[f]);
  for (const f of ["email_age_days", "phone_age_days", "sso_age_days"] as const) range(f, out[f], 0, 36_500);
  range("face_distance", out.face_distance, 0, 10);
  for (const f of ["sightings", "devices", "networks"] as const) {
    range(f, out[f], 0, 1e9);
    if (!Number.isInteger(out[f])) throw new FeatureError(f, `Must be an integer, got ${out[f]}.`);
  }
  range("device_consistency", out.device_consistency, 0, 1);
  range("ip_consistency", out.ip_consistency, 0, 1);
  if (out.face_passed && !out.face_checked)
    throw new FeatureError("face_passed", "A passed face needs face_checked.");
  if (out.face_passed && out.face_mismatch)
    throw new FeatureError("face_mismatch", "A face cannot both pass and mismatch.");
  return out;
}

const ageScale = (verified: number, days: number) =>
  verified ? Math.min(1, Math.log1p(days) / Math.log1p(AGE_HORIZON_DAYS)) : 0;
const evidence = (sightings: number) => Math.min(1, sightings / CONSISTENCY_MIN_SIGHTINGS);

/** Model input vector (MODEL_INPUTS order), every entry in [0, 1]. */
export function modelInputs(raw: unknown): number[] {
  const f = checkRawFeatures(raw);
  const margin = f.face_passed
    ? Math.min(1, Math.max(0, (MATCH_THRESHOLD - f.face_distance) / MATCH_THRESHOLD))
    : 0;
  const named: Record<ModelInputName, number> = {
    email_verified: f.email_verified,
    email_age: ageScale(f.email_verified, f.email_age_days),
    phone_verified: f.phone_verified,
    phone_age: ageScale(f.phone_verified, f.phone_age_days),
    sso_verified: f.sso_verified,
    sso_age: ageScale(f.sso_verified, f.sso_age_days),
    totp_enabled: f.totp_enabled,
    domain_verified: f.domain_verified,
    face_passed: f.face_passed,
    face_margin: margin,
    face_clean: f.face_mismatch ? 0 : 1,
    device_consistency: f.device_consistency * evidence(f.sightings),
    ip_consistency: f.ip_consistency * evidence(f.sightings),
  };
  return MODEL_INPUTS.map((k) => named[k]);
}

/** The thresholds and constants the features depend on (folded into the pipeline hash). */
export const FEATURE_THRESHOLDS = {
  matchThreshold: MATCH_THRESHOLD,
  ageHorizonDays: AGE_HORIZON_DAYS,
  consistencyMinSightings: CONSISTENCY_MIN_SIGHTINGS,
  noDistance: NO_DISTANCE,
} as const;
