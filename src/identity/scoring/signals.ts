// The edge side of the score's signals: an account's rows as D1 holds them, in the shape the
// feature code (features.ts) reads, for the validators' scorers. Only what the score needs leaves:
// scope kinds, statuses and verification times (no address, number or domain), whether TOTP is
// on, face verdicts and distances (no image), and session sightings with their hashes replaced by
// labels local to this answer ("d0", "n1"), so nothing links one account's devices to another's.
import { and, desc, eq, inArray, isNotNull } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import {
  identityAttestations,
  identityCaptures,
  identityScopes,
  identitySessionSightings,
  identityTotp,
} from "../../db/schema/index.ts";
import type { SignalRows } from "./features.ts";

/** Most sightings rows served per account (the most recently seen). */
export const MAX_SIGHTINGS = 500;

/** Signal rows of several accounts, keyed by user id. */
export async function signalRows(
  db: Db,
  accounts: { id: number; uuid: string }[],
): Promise<Map<number, SignalRows>> {
  const out = new Map<number, SignalRows>();
  if (accounts.length === 0) return out;
  const ids = accounts.map((a) => a.id);
  const [scopes, totps, attestations] = await Promise.all([
    db
      .select({
        userId: identityScopes.userId,
        kind: identityScopes.kind,
        status: identityScopes.status,
        verifiedAt: identityScopes.verifiedAt,
      })
      .from(identityScopes)
      .where(inArray(identityScopes.userId, ids))
      .orderBy(identityScopes.id)
      .all(),
    db
      .select({ userId: identityTotp.userId, enabledAt: identityTotp.enabledAt })
      .from(identityTotp)
      .where(inArray(identityTotp.userId, ids))
      .all(),
    db
      .select({
        userId: identityCaptures.userId,
        outcome: identityAttestations.outcome,
        distance: identityAttestations.distance,
        created: identityAttestations.created,
      })
      .from(identityAttestations)
      .innerJoin(identityCaptures, eq(identityCaptures.id, identityAttestations.documentCaptureId))
      .where(inArray(identityCaptures.userId, ids))
      .orderBy(identityAttestations.id)
      .all(),
  ]);
  for (const a of accounts) {
    const t = totps.find((x) => x.userId === a.id);
    out.set(a.id, {
      account: a.uuid,
      scopes: scopes
        .filter((s) => s.userId === a.id)
        .map((s) => ({ kind: s.kind, status: s.status, verified_at: s.verifiedAt })),
      totp: t ? { enabled_at: t.enabledAt } : null,
      attestations: attestations
        .filter((x) => x.userId === a.id)
        .map((x) => ({ outcome: x.outcome, distance: x.distance, created: x.created })),
      sessions: await sightings(db, a.id),
    });
  }
  return out;
}

async function sightings(db: Db, userId: number): Promise<SignalRows["sessions"]> {
  const rows = await db
    .select()
    .from(identitySessionSightings)
    .where(and(eq(identitySessionSightings.userId, userId), isNotNull(identitySessionSightings.lastSeen)))
    .orderBy(desc(identitySessionSightings.lastSeen))
    .limit(MAX_SIGHTINGS)
    .all();
  // Labels in order of first appearance, so the same rows always get the same labels.
  rows.sort((a, b) => (a.firstSeen < b.firstSeen ? -1 : a.firstSeen > b.firstSeen ? 1 : a.id - b.id));
  const label = (m: Map<string, string>, prefix: string, h: string) => {
    const known = m.get(h);
    if (known) return known;
    const l = `${prefix}${m.size}`;
    m.set(h, l);
    return l;
  };
  const devices = new Map<string, string>();
  const networks = new Map<string, string>();
  return rows.map((r) => ({
    device: label(devices, "d", r.deviceHash),
    network: label(networks, "n", r.networkHash),
    first_seen: r.firstSeen,
    last_seen: r.lastSeen,
    hits: r.hits,
  }));
}
