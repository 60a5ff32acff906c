// Everything held about an account, as one JSON document. Sealed values stay sealed: the export
// lists their object keys and hashes (the client fetches and opens them with its own key); values
// kept as keyed hashes (phone numbers, SSO subjects, codes) are given as held, and secrets the
// account never reads back (the TOTP seed, sealed with the executor key) appear only as a status.
import { and, desc, eq, isNull, like, or } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { inArray } from "../../db/in-list.ts";
import {
  authTokens,
  encryptionKeys,
  events,
  identityAppeals,
  identityAttestations,
  identityCaptures,
  identityDeviceKeys,
  identityEvidenceDisposals,
  identityRecoveryCodes,
  identityReviews,
  identityScopes,
  identityScores,
  identitySessionSightings,
  identityTotp,
  sealedBlobs,
} from "../../db/schema/index.ts";
import { nowIso } from "../../http/ids.ts";
import type { SecretEnv } from "../../secrets/sealed-json.ts";
import { serializeCapture } from "../capture/upload.ts";
import { serializeAttestation } from "../scoring/attestations.ts";
import { serializeScore } from "../scoring/scores.ts";
import { serializeAppeal } from "./appeals.ts";
import { serializeReview } from "./reviews.ts";

export const EXPORT_FORMAT = "virtengine-identity-export-v1";

export async function exportAccount(db: Db, env: SecretEnv, me: User) {
  const captures = await db
    .select()
    .from(identityCaptures)
    .where(eq(identityCaptures.userId, me.id))
    .orderBy(identityCaptures.id)
    .all();
  const captureIds = captures.map((c) => c.id);
  const uuidOf = new Map(captures.map((c) => [c.id, c.uuid]));
  const disposals = captureIds.length
    ? await db
        .select()
        .from(identityEvidenceDisposals)
        .where(inArray(identityEvidenceDisposals.captureId, captureIds))
        .all()
    : [];
  const attestations = captureIds.length
    ? await db
        .select()
        .from(identityAttestations)
        .where(inArray(identityAttestations.documentCaptureId, captureIds))
        .orderBy(identityAttestations.id)
        .all()
    : [];
  const sightings = await db
    .select()
    .from(identitySessionSightings)
    .where(eq(identitySessionSightings.userId, me.id))
    .orderBy(identitySessionSightings.id)
    .all();
  const scoreRows = await db
    .select()
    .from(identityScores)
    .where(eq(identityScores.userId, me.id))
    .orderBy(identityScores.id)
    .all();
  const scopes = await db
    .select()
    .from(identityScopes)
    .where(eq(identityScopes.userId, me.id))
    .orderBy(identityScopes.id)
    .all();
  const totp = await db.select().from(identityTotp).where(eq(identityTotp.userId, me.id)).get();
  const recovery = await db
    .select()
    .from(identityRecoveryCodes)
    .where(and(eq(identityRecoveryCodes.userId, me.id), isNull(identityRecoveryCodes.usedAt)))
    .all();
  const devices = await db
    .select()
    .from(identityDeviceKeys)
    .where(eq(identityDeviceKeys.userId, me.id))
    .orderBy(identityDeviceKeys.id)
    .all();
  const sessions = await db
    .select({ created: authTokens.created, lastUsed: authTokens.lastUsed })
    .from(authTokens)
    .where(eq(authTokens.userId, me.id))
    .all();
  const keys = await db
    .select()
    .from(encryptionKeys)
    .where(eq(encryptionKeys.userId, me.id))
    .orderBy(encryptionKeys.keyVersion)
    .all();
  // Recipient lists are JSON with the holder's uuid: the records sealed to this account.
  const blobs = await db
    .select()
    .from(sealedBlobs)
    .where(like(sealedBlobs.recipients, `%"holder":"${me.uuid}"%`))
    .orderBy(sealedBlobs.id)
    .all();
  const appeals = await db
    .select()
    .from(identityAppeals)
    .where(eq(identityAppeals.userId, me.id))
    .orderBy(desc(identityAppeals.id))
    .all();
  const reviews = await db
    .select()
    .from(identityReviews)
    .where(eq(identityReviews.userId, me.id))
    .orderBy(desc(identityReviews.id))
    .all();
  const trail = await db
    .select()
    .from(events)
    .where(or(eq(events.actorId, me.id), like(events.context, `%${me.uuid}%`)))
    .orderBy(desc(events.id))
    .limit(5000)
    .all();

  return {
    format: EXPORT_FORMAT,
    exported_at: nowIso(),
    account: {
      uuid: me.uuid,
      username: me.username,
      email: me.email,
      first_name: me.firstName,
      last_name: me.lastName,
      registration_method: me.registrationMethod,
      wallet_address: me.walletAddress,
      date_joined: me.dateJoined,
    },
    scopes: scopes.map((s) => ({
      uuid: s.uuid,
      kind: s.kind,
      // Phone numbers and SSO subjects are held only as keyed hashes; the label is what the owner sees.
      subject: s.subject,
      label: s.label,
      status: s.status,
      method: s.method,
      verified_at: s.verifiedAt,
      created: s.created,
      modified: s.modified,
    })),
    totp: totp
      ? {
          enabled: !!totp.enabledAt,
          enabled_at: totp.enabledAt,
          recovery_codes_left: recovery.length,
          created: totp.created,
        }
      : null,
    captures: captures.map((c) => {
      const d = disposals.find((x) => x.captureId === c.id);
      return {
        ...serializeCapture(c),
        object_key: c.objectKey,
        evidence_held: c.status !== "erased",
        disposal: d ? { reason: d.reason, previous_status: d.previousStatus, at: d.created } : null,
      };
    }),
    scores: scoreRows.map((s) => serializeScore(s, me.uuid)),
    face_verdicts: attestations.map((a) =>
      serializeAttestation(a, uuidOf.get(a.documentCaptureId) ?? "", uuidOf.get(a.selfieCaptureId) ?? ""),
    ),
    reviews: await Promise.all(reviews.map((r) => serializeReview(db, env, r, { forAccount: true }))),
    appeals: await Promise.all(appeals.map((a) => serializeAppeal(db, env, a, me.uuid, me.username))),
    devices: devices.map((d) => ({
      uuid: d.uuid,
      name: d.name,
      algorithm: d.algorithm,
      public_key: d.publicKey,
      revoked_at: d.revokedAt,
      created: d.created,
    })),
    sessions: sessions.map((s) => ({ created: s.created, last_used: s.lastUsed })),
    // Where the account signs in from, as the scorer sees it: keyed hashes, never an address or agent.
    session_sightings: sightings.map((x) => ({
      network_hash: x.networkHash,
      device_hash: x.deviceHash,
      first_seen: x.firstSeen,
      last_seen: x.lastSeen,
      hits: x.hits,
    })),
    encryption_keys: keys.map((k) => ({
      uuid: k.uuid,
      key_id: k.keyId,
      key_version: k.keyVersion,
      public_key: k.publicKey,
      created: k.created,
    })),
    sealed_blobs: blobs.map((b) => ({
      kind: b.kind,
      record_id: b.recordId,
      version: b.version,
      object_key: b.objectKey,
      sha256: b.sha256,
      size: b.size,
    })),
    events: trail.map((e) => ({
      uuid: e.uuid,
      event_type: e.eventType,
      message: e.message,
      context: e.context,
      created: e.created,
    })),
  };
}
