// The account-facing identity lifecycle (issue 7, Accountability): what happened to sealed
// evidence (deleted by retention or on request), appeals against a score, and manual reviews of
// borderline results with the evidence re-sealed to the one reviewing moderator. No image, salt or
// key material here: object keys, hashes, key ids, statuses and the reasons people wrote.
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ids } from "./common.ts";
import { identityAttestations, identityCaptures } from "./identity.ts";
import { users } from "./structure.ts";

/** A capture whose sealed image left R2: by the retention cron or on the owner's request. */
export const identityEvidenceDisposals = sqliteTable("identity_evidence_disposals", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  captureId: integer("capture_id")
    .notNull()
    .unique()
    .references(() => identityCaptures.id, { onDelete: "cascade" }),
  reason: text("reason").$type<"retention" | "erasure">().notNull(),
  /** The capture's status before it became "erased" (the scoring outcome it had reached). */
  previousStatus: text("previous_status").notNull(),
  /** Re-sealed review copies deleted with it. */
  reviewCopies: integer("review_copies").notNull().default(0),
  created: text("created").notNull(),
});

/** An account's appeal against its identity score; one per period. */
export const identityAppeals = sqliteTable(
  "identity_appeals",
  {
    ...ids(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    reason: text("reason").notNull(),
    status: text("status").$type<"open" | "decided">().notNull().default("open"),
    outcome: text("outcome").$type<"granted" | "denied">(),
    decisionReason: text("decision_reason"),
    decidedById: integer("decided_by_id").references(() => users.id, { onDelete: "set null" }),
    decidedAt: text("decided_at"),
    created: text("created").notNull(),
  },
  (t) => [
    index("identity_appeals_user").on(t.userId, t.created),
    index("identity_appeals_status").on(t.status, t.created),
  ],
);

/**
 * A manual review of one account's ID document against its selfie. Queued when a score is near the
 * threshold, when someone flags it, or when an appeal is granted; claimed by one moderator, whose
 * current encryption key (id and version kept here) is the only recipient of the re-sealed evidence.
 */
export const identityReviews = sqliteTable(
  "identity_reviews",
  {
    ...ids(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    documentCaptureId: integer("document_capture_id")
      .notNull()
      .references(() => identityCaptures.id, { onDelete: "cascade" }),
    selfieCaptureId: integer("selfie_capture_id")
      .notNull()
      .references(() => identityCaptures.id, { onDelete: "cascade" }),
    attestationId: integer("attestation_id").references(() => identityAttestations.id, {
      onDelete: "set null",
    }),
    trigger: text("trigger").$type<"borderline" | "flagged" | "appeal">().notNull(),
    /** The distance that made it borderline, when it was. */
    distance: real("distance"),
    note: text("note").notNull().default(""),
    status: text("status").$type<"queued" | "claimed" | "decided">().notNull().default("queued"),
    moderatorId: integer("moderator_id").references(() => users.id, { onDelete: "set null" }),
    moderatorKeyId: text("moderator_key_id"),
    moderatorKeyVersion: integer("moderator_key_version"),
    claimedAt: text("claimed_at"),
    outcome: text("outcome").$type<"approve" | "reject">(),
    decisionReason: text("decision_reason"),
    decidedAt: text("decided_at"),
    created: text("created").notNull(),
  },
  (t) => [
    index("identity_reviews_status").on(t.status, t.created),
    index("identity_reviews_pair").on(t.documentCaptureId, t.selfieCaptureId),
  ],
);

/** A capture's envelope re-sealed (header re-wrapped by a validator) to the claiming moderator only. */
export const identityReviewEvidence = sqliteTable(
  "identity_review_evidence",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    reviewId: integer("review_id")
      .notNull()
      .references(() => identityReviews.id, { onDelete: "cascade" }),
    captureId: integer("capture_id")
      .notNull()
      .references(() => identityCaptures.id, { onDelete: "cascade" }),
    objectKey: text("object_key").notNull(),
    sha256: text("sha256").notNull(),
    size: integer("size").notNull(),
    /** The one recipient: the moderator's key id at claim time. */
    keyId: text("key_id").notNull(),
    /** Set when the copy was deleted from R2 (decision, erasure or retention). */
    deletedAt: text("deleted_at"),
    created: text("created").notNull(),
  },
  (t) => [uniqueIndex("identity_review_evidence_capture").on(t.reviewId, t.captureId)],
);
