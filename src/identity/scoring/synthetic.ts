// The score model's labelled training and evaluation set. No real account data set exists that
// could be downloaded (or should be), so accounts are generated from a seed by the rules below and
// labelled by a written-down points table. models/score/README.md describes the same rules in prose;
// change both together.
//
// Generation is deterministic: a seeded mulberry32 stream, a fixed clock (SYNTHETIC_NOW), and the
// production feature code (features.ts) turning the generated rows into model inputs, so the model
// is trained on exactly what the scorer computes.
import {
  extractFeatures,
  type ModelInputName,
  MODEL_INPUTS,
  modelInputs,
  type SignalRows,
} from "./features.ts";

export const SYNTHETIC_NOW = new Date("2026-01-01T00:00:00.000Z");
const DAY_MS = 86_400_000;

/** mulberry32: small, fast, and the same stream on every platform. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rng = () => number;
const normal = (rng: Rng, mean: number, sd: number) => {
  const u = Math.max(rng(), 1e-12);
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
};
const expo = (rng: Rng, mean: number) => -mean * Math.log(1 - rng());
const intIn = (rng: Rng, lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

export const ARCHETYPES = ["empty", "casual", "thorough", "provider", "fraud"] as const;
export type Archetype = (typeof ARCHETYPES)[number];

interface Profile {
  share: number;
  /** Probability of each verified scope, and the mean age (days) of verifications. */
  p: { email: number; sms: number; sso: number; totp: number; domain: number; face: number };
  meanAgeDays: number;
  /** "fresh": ages uniform in [0, 3] days instead of exponential. */
  fresh: boolean;
  /** Of face checks: share that are impostors (no_match) and share rejected (no face, blur). */
  impostor: number;
  rejected: number;
  /** Session sightings and how concentrated they are on one device / one network. */
  hits: [number, number];
  devices: [number, number];
  networks: [number, number];
  topShare: [number, number];
}

export const PROFILES: Record<Archetype, Profile> = {
  empty: {
    share: 0.15,
    p: { email: 0, sms: 0, sso: 0, totp: 0, domain: 0, face: 0 },
    meanAgeDays: 0,
    fresh: true,
    impostor: 0,
    rejected: 0,
    hits: [0, 3],
    devices: [1, 2],
    networks: [1, 2],
    topShare: [0.5, 1],
  },
  casual: {
    share: 0.35,
    p: { email: 0.9, sms: 0.45, sso: 0.3, totp: 0.15, domain: 0.03, face: 0.25 },
    meanAgeDays: 120,
    fresh: false,
    impostor: 0.02,
    rejected: 0.1,
    hits: [2, 40],
    devices: [1, 3],
    networks: [1, 4],
    topShare: [0.6, 1],
  },
  thorough: {
    share: 0.2,
    p: { email: 0.98, sms: 0.85, sso: 0.6, totp: 0.6, domain: 0.15, face: 0.85 },
    meanAgeDays: 300,
    fresh: false,
    impostor: 0.01,
    rejected: 0.05,
    hits: [10, 60],
    devices: [1, 3],
    networks: [1, 3],
    topShare: [0.7, 1],
  },
  provider: {
    share: 0.1,
    p: { email: 1, sms: 0.5, sso: 0.3, totp: 0.7, domain: 0.9, face: 0.5 },
    meanAgeDays: 200,
    fresh: false,
    impostor: 0.01,
    rejected: 0.05,
    hits: [5, 60],
    devices: [1, 4],
    networks: [1, 4],
    topShare: [0.6, 1],
  },
  fraud: {
    share: 0.2,
    p: { email: 0.7, sms: 0.4, sso: 0.15, totp: 0.05, domain: 0.02, face: 0.6 },
    meanAgeDays: 0,
    fresh: true,
    impostor: 0.6,
    rejected: 0.25,
    hits: [1, 30],
    devices: [2, 8],
    networks: [2, 10],
    topShare: [0.1, 0.5],
  },
};

export interface SyntheticAccount {
  archetype: Archetype;
  rows: SignalRows;
  inputs: number[];
  /** The points table's score before noise. */
  rule: number;
  /** The training label: rule + N(0, LABEL_NOISE), clamped to 0–100. */
  label: number;
}

export const LABEL_NOISE = 2;

/**
 * The labelling rule, in points over the model inputs (sums to 100 for full evidence):
 * email 10 + 4·age, phone 10 + 4·age, SSO 7 + 3·age, TOTP 8, domain 6, face match 22 + 10·margin,
 * +6 when the face matched and a contact (email, phone or SSO) is verified, device consistency 6,
 * network consistency 4, −20 when the latest face check was a mismatch; clamped to 0–100.
 */
export function ruleScore(x: readonly number[]): number {
  const f = Object.fromEntries(MODEL_INPUTS.map((k, i) => [k, x[i]!])) as Record<ModelInputName, number>;
  const contact = Math.max(f.email_verified, f.phone_verified, f.sso_verified);
  const points =
    10 * f.email_verified +
    4 * f.email_age +
    10 * f.phone_verified +
    4 * f.phone_age +
    7 * f.sso_verified +
    3 * f.sso_age +
    8 * f.totp_enabled +
    6 * f.domain_verified +
    22 * f.face_passed +
    10 * f.face_margin +
    6 * f.face_passed * contact +
    6 * f.device_consistency +
    4 * f.ip_consistency -
    20 * (1 - f.face_clean);
  return clamp(points, 0, 100);
}

function pickArchetype(rng: Rng): Archetype {
  let u = rng();
  for (const a of ARCHETYPES) {
    u -= PROFILES[a].share;
    if (u < 0) return a;
  }
  return "casual";
}

const iso = (t: number) => new Date(t).toISOString();
const hex32 = (rng: Rng) =>
  Array.from({ length: 4 }, () =>
    Math.floor(rng() * 2 ** 32)
      .toString(16)
      .padStart(8, "0"),
  ).join("");

function account(rng: Rng, archetype: Archetype): SignalRows {
  const pr = PROFILES[archetype];
  const now = SYNTHETIC_NOW.getTime();
  const ageDays = () => (pr.fresh ? rng() * 3 : Math.min(expo(rng, pr.meanAgeDays), 3000));
  const at = () => iso(now - ageDays() * DAY_MS);
  const scopes: SignalRows["scopes"] = [];
  for (const kind of ["email", "sms", "sso", "domain"] as const) {
    if (rng() < pr.p[kind]) scopes.push({ kind, status: "verified", verified_at: at() });
    // Unfinished verifications: present in D1, worth nothing.
    if (rng() < 0.1) scopes.push({ kind, status: "pending", verified_at: null });
  }
  const totp = rng() < pr.p.totp ? { enabled_at: at() } : rng() < 0.1 ? { enabled_at: null } : null;
  const attestations: SignalRows["attestations"] = [];
  if (rng() < pr.p.face) {
    const u = rng();
    const created = at();
    if (u < pr.impostor)
      attestations.push({ outcome: "no_match", distance: clamp(normal(rng, 0.75, 0.1), 0.5, 1.5), created });
    else if (u < pr.impostor + pr.rejected)
      attestations.push({ outcome: "rejected", distance: null, created });
    else {
      // Genuine pairs measure 0.25–0.45 with this face pipeline (src/identity/face/README.md).
      const d = clamp(
        normal(rng, archetype === "fraud" ? 0.44 : 0.34, archetype === "fraud" ? 0.04 : 0.06),
        0.1,
        0.7,
      );
      attestations.push({ outcome: d < 0.5 ? "match" : "no_match", distance: d, created });
    }
  }
  const hits = intIn(rng, pr.hits[0], pr.hits[1]);
  const devices = intIn(rng, pr.devices[0], pr.devices[1]);
  const networks = intIn(rng, pr.networks[0], pr.networks[1]);
  const top = pr.topShare[0] + rng() * (pr.topShare[1] - pr.topShare[0]);
  const seen = new Map<
    string,
    { device: string; network: string; first: number; last: number; hits: number }
  >();
  for (let i = 0; i < hits; i++) {
    const device = `d${rng() < top ? 0 : intIn(rng, 0, devices - 1)}`;
    const network = `n${rng() < top ? 0 : intIn(rng, 0, networks - 1)}`;
    const t = now - rng() * 90 * DAY_MS;
    const s = seen.get(`${device}/${network}`);
    if (s) {
      s.hits++;
      s.first = Math.min(s.first, t);
      s.last = Math.max(s.last, t);
    } else seen.set(`${device}/${network}`, { device, network, first: t, last: t, hits: 1 });
  }
  const sessions = [...seen.values()].map((s) => ({
    device: s.device,
    network: s.network,
    first_seen: iso(s.first),
    last_seen: iso(s.last),
    hits: s.hits,
  }));
  return { account: hex32(rng), scopes, totp, attestations, sessions };
}

/** `n` labelled accounts from `seed`: the same seed always gives the same accounts and labels. */
export function syntheticAccounts(seed: number, n: number): SyntheticAccount[] {
  const rng = prng(seed);
  const out: SyntheticAccount[] = [];
  for (let i = 0; i < n; i++) {
    const archetype = pickArchetype(rng);
    const rows = account(rng, archetype);
    const inputs = modelInputs(extractFeatures(rows, SYNTHETIC_NOW));
    const rule = ruleScore(inputs);
    out.push({ archetype, rows, inputs, rule, label: clamp(rule + normal(rng, 0, LABEL_NOISE), 0, 100) });
  }
  return out;
}

/** The held-out split: every fifth account (index ≡ 4 mod 5) is test, never trained on. */
export const isTest = (i: number) => i % 5 === 4;
