// Identity scopes (issue 7): verified email addresses and phone numbers, linked SSO identities,
// TOTP second factor, provider domains, captured ID documents and selfies.
// D1 never holds a code, a TOTP secret or a recovery code in the clear: one-time codes and
// recovery codes are kept as keyed hashes (src/identity/scopes/common.ts secretHash), the TOTP secret sealed
// with the executor key (src/secrets/sealed-json.ts).
import { index, integer, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ids, timestamps } from "./common.ts";
import { customers, users } from "./structure.ts";

export const IDENTITY_SCOPE_KINDS = ["email", "sms", "sso", "totp", "domain", "id_document", "selfie"] as const;
export type IdentityScopeKind = (typeof IDENTITY_SCOPE_KINDS)[number];

/** One scope of a user: an email address, their TOTP factor, or a domain proven for a customer. */
export const identityScopes = sqliteTable(
  "identity_scopes",
  {
    ...ids(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind").$type<IdentityScopeKind>().notNull(),
    /**
     * The email address, the domain, or "totp"; for a phone number or an SSO identity a keyed hash
     * (never the number or the provider's subject in the clear), shown through `label`.
     */
    subject: text("subject").notNull(),
    /** What the owner sees instead of a hashed subject: "+44•••••••789", "google". */
    label: text("label").notNull().default(""),
    /** Domain scopes: the customer (service provider) the domain was proven for. */
    customerId: integer("customer_id").references(() => customers.id, { onDelete: "cascade" }),
    status: text("status").$type<"pending" | "verified">().notNull(),
    /** How it was proven: "email", "sms", "oidc", "totp", "dns", "http" or "capture". */
    method: text("method").notNull().default(""),
    verifiedAt: text("verified_at"),
    ...timestamps(),
  },
  (t) => [index("identity_scopes_user").on(t.userId, t.kind, t.subject)],
);

/** A one-time challenge: an emailed or texted code or a domain token, as a keyed hash only. */
export const identityChallenges = sqliteTable(
  "identity_challenges",
  {
    ...ids(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind").$type<"email" | "sms" | "domain">().notNull(),
    /** The address or domain; for SMS a keyed hash of the phone number. */
    subject: text("subject").notNull(),
    customerId: integer("customer_id").references(() => customers.id, { onDelete: "cascade" }),
    /** Hex HMAC-SHA256 of the code or token, keyed per deployment and bound to this challenge's uuid. */
    secretHash: text("secret_hash").notNull(),
    expiresAt: text("expires_at").notNull(),
    /** Verification attempts so far; the challenge dies at the limit. */
    attempts: integer("attempts").notNull().default(0),
    /** Set when the challenge was consumed or killed (superseded, too many tries, send failure). */
    usedAt: text("used_at"),
    created: text("created").notNull(),
  },
  (t) => [index("identity_challenges_user").on(t.userId, t.kind, t.created), index("identity_challenges_subject").on(t.kind, t.subject, t.created)],
);

/** A user's TOTP factor: the secret sealed with the executor key; enabled once confirmed. */
export const identityTotp = sqliteTable("identity_totp", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  userId: integer("user_id")
    .notNull()
    .unique()
    .references(() => users.id, { onDelete: "cascade" }),
  /** sealJson output ("v2.<envelope>.<hmac>", rows sealed before the migration "v1.…"), kind "identity-totp", record id the user uuid. */
  sealedSecret: text("sealed_secret").notNull(),
  enabledAt: text("enabled_at"),
  /** Highest time step accepted so far: a code of this step or earlier is a replay. */
  lastStep: integer("last_step").notNull().default(0),
  /** Consecutive refused codes (TOTP or recovery); reset by an accepted one. */
  failures: integer("failures").notNull().default(0),
  /** While in the future no code is checked at all (exponential backoff after repeated failures). */
  lockedUntil: text("locked_until"),
  created: text("created").notNull(),
});

/** TOTP recovery codes, as keyed hashes; each works once. */
export const identityRecoveryCodes = sqliteTable(
  "identity_recovery_codes",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    codeHash: text("code_hash").notNull(),
    usedAt: text("used_at"),
    created: text("created").notNull(),
  },
  (t) => [uniqueIndex("identity_recovery_codes_hash").on(t.userId, t.codeHash)],
);

/**
 * An OpenID Connect sign-in in progress (authorization code + PKCE). Only a keyed hash of the
 * state is kept; the PKCE verifier and the nonce are derived from the state with the deployment's
 * key, so D1 holds nothing that completes a sign-in.
 */
export const identitySsoStates = sqliteTable(
  "identity_sso_states",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    stateHash: text("state_hash").notNull().unique(),
    /**
     * Keyed hash of the binding secret handed only to the client that started the flow (never to
     * the provider): a state and code captured from someone else's flow complete nothing without it.
     */
    bindingHash: text("binding_hash").notNull(),
    provider: text("provider").notNull(),
    /** "link": attach the identity to `userId`; "login": sign in to the account it is linked to. */
    purpose: text("purpose").$type<"link" | "login">().notNull(),
    userId: integer("user_id").references(() => users.id, { onDelete: "cascade" }),
    expiresAt: text("expires_at").notNull(),
    usedAt: text("used_at"),
    created: text("created").notNull(),
  },
  (t) => [index("identity_sso_states_created").on(t.created)],
);

export const DEVICE_KEY_ALGORITHMS = ["Ed25519", "P-256"] as const;
export type DeviceKeyAlgorithm = (typeof DEVICE_KEY_ALGORITHMS)[number];

/** A capture device's public signing key (the private key stays on the phone or in the browser). */
export const identityDeviceKeys = sqliteTable(
  "identity_device_keys",
  {
    ...ids(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull().default(""),
    algorithm: text("algorithm").$type<DeviceKeyAlgorithm>().notNull(),
    /** Raw public key, base64url: 32 bytes (Ed25519) or the 65-byte uncompressed point (P-256). */
    publicKey: text("public_key").notNull(),
    revokedAt: text("revoked_at"),
    ...timestamps(),
  },
  (t) => [index("identity_device_keys_user").on(t.userId), uniqueIndex("identity_device_keys_key").on(t.userId, t.publicKey)],
);

/** A single-use capture nonce, bound to the account and the scope; only its keyed hash is kept. */
export const identityCaptureNonces = sqliteTable(
  "identity_capture_nonces",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    nonceHash: text("nonce_hash").notNull().unique(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    scope: text("scope").$type<"id_document" | "selfie">().notNull(),
    expiresAt: text("expires_at").notNull(),
    usedAt: text("used_at"),
    created: text("created").notNull(),
  },
  (t) => [index("identity_capture_nonces_user").on(t.userId, t.created)],
);

/**
 * An attested capture: the image sealed to the identity network's validator keys in R2, and what
 * the chain commits to (the salted image hash). No pixel, salt or image hash of the bare bytes here.
 */
export const identityCaptures = sqliteTable(
  "identity_captures",
  {
    ...ids(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    scope: text("scope").$type<"id_document" | "selfie">().notNull(),
    deviceKeyId: integer("device_key_id")
      .notNull()
      .references(() => identityDeviceKeys.id, { onDelete: "cascade" }),
    /** Hex SHA-256(salt ‖ image): the commitment the client signed and the chain records. */
    imageHash: text("image_hash").notNull(),
    format: text("format").notNull(),
    capturedAt: text("captured_at").notNull(),
    objectKey: text("object_key").notNull(),
    /** Hex SHA-256 of the stored envelope. */
    envelopeSha256: text("envelope_sha256").notNull(),
    size: integer("size").notNull(),
    /** The validators it is sealed to: [{validator, keyId, keyVersion}]. */
    sealedTo: text("sealed_to", { mode: "json" }).$type<{ validator: string; keyId: string; keyVersion: number }[]>().notNull(),
    /** "erased": the owner had the sealed image deleted; the hashes stay as the commitment. */
    status: text("status").$type<"pending" | "verified" | "rejected" | "erased">().notNull().default("pending"),
    created: text("created").notNull(),
  },
  (t) => [index("identity_captures_user").on(t.userId, t.scope)],
);

/**
 * A validator's scoring of one account's ID document against its selfie: the outcome, the match
 * distance, and the face pipeline (version and hash) that produced it. No image data.
 */
export const identityAttestations = sqliteTable(
  "identity_attestations",
  {
    ...ids(),
    documentCaptureId: integer("document_capture_id")
      .notNull()
      .references(() => identityCaptures.id, { onDelete: "cascade" }),
    selfieCaptureId: integer("selfie_capture_id")
      .notNull()
      .references(() => identityCaptures.id, { onDelete: "cascade" }),
    validator: text("validator").notNull(),
    /** Hex key id of the validator key that opened the evidence. */
    validatorKeyId: text("validator_key_id").notNull(),
    outcome: text("outcome").$type<"match" | "no_match" | "rejected">().notNull(),
    distance: real("distance"),
    /** For "rejected": which image and why (no_face, several_faces, too_blurred, …). */
    rejectedImage: text("rejected_image"),
    reason: text("reason").notNull().default(""),
    pipelineVersion: text("pipeline_version").notNull(),
    pipelineHash: text("pipeline_hash").notNull(),
    created: text("created").notNull(),
  },
  (t) => [uniqueIndex("identity_attestations_pair").on(t.documentCaptureId, t.selfieCaptureId, t.validatorKeyId)],
);

/**
 * Where an account's tokens are used from, for the score's device and network consistency: one row
 * per (network, device), with how many times it was seen (sampled at a token's first use and then
 * at most once a minute per token, with the token's sliding-expiry refresh). Only keyed hashes
 * bound to the account: the /24 (IPv4) or /48 (IPv6) network and the User-Agent, never the address
 * or the agent string, and the same network gives different hashes in different accounts.
 */
export const identitySessionSightings = sqliteTable(
  "identity_session_sightings",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    networkHash: text("network_hash").notNull(),
    deviceHash: text("device_hash").notNull(),
    firstSeen: text("first_seen").notNull(),
    lastSeen: text("last_seen").notNull(),
    hits: integer("hits").notNull().default(1),
  },
  (t) => [uniqueIndex("identity_session_sightings_key").on(t.userId, t.networkHash, t.deviceHash)],
);

/**
 * A validator's identity score (0–100) of one account, with the scoring pipeline that produced it.
 * The reasons (which model inputs moved the score) stay here, off chain.
 */
export const identityScores = sqliteTable(
  "identity_scores",
  {
    ...ids(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    validator: text("validator").notNull(),
    validatorKeyId: text("validator_key_id").notNull(),
    score: integer("score").notNull(),
    pipelineVersion: text("pipeline_version").notNull(),
    pipelineHash: text("pipeline_hash").notNull(),
    reasons: text("reasons", { mode: "json" }).$type<{ input: string; points: number }[]>().notNull(),
    created: text("created").notNull(),
  },
  (t) => [index("identity_scores_user").on(t.userId, t.validatorKeyId, t.created)],
);
