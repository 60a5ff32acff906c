// Encryption key directory and sealed-blob references (src/crypto, openapi/envelope-format.md).
// D1 holds public keys, key ids, versions, object keys, hashes, sizes and recipient lists only:
// never a private key and never any plaintext of a sealed value.
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ids, json } from "./common.ts";
import { resources } from "./marketplace.ts";
import { customers, projects, users } from "./structure.ts";

/** Users' X25519 public keys; a user's current key is the one with the highest version. */
export const encryptionKeys = sqliteTable(
  "encryption_keys",
  {
    ...ids(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Raw 32-byte X25519 public key, base64url without padding. */
    publicKey: text("public_key").notNull(),
    /** Hex SHA-256 of the raw public key: how envelope headers name their recipients. */
    keyId: text("key_id").notNull().unique(),
    /** u32, strictly increasing per user (as x/roles requires on chain). */
    keyVersion: integer("key_version").notNull(),
    algorithm: text("algorithm").notNull().default("X25519"),
    created: text("created").notNull(),
  },
  (t) => [uniqueIndex("encryption_keys_user_version").on(t.userId, t.keyVersion)],
);

export interface SealedRecipient {
  /** Hex key id (SHA-256 of the public key). */
  keyId: string;
  keyVersion: number;
  /** Whose key this is: a user uuid, or "executor" for the provider plugins' executor key. */
  holder: string;
}

/**
 * The current sealed envelope of one record (kind + record id), e.g. a resource's access details.
 * `version` is the envelope context's version and grows by one with each re-seal; the R2 object
 * key carries it, and superseded objects are deleted once the new reference is recorded.
 */
export const sealedBlobs = sqliteTable(
  "sealed_blobs",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** Envelope context kind, e.g. "resource-access". */
    kind: text("kind").notNull(),
    /** Envelope context record id, e.g. the resource uuid. */
    recordId: text("record_id").notNull(),
    version: integer("version").notNull(),
    objectKey: text("object_key").notNull(),
    /** Hex SHA-256 of the stored envelope bytes. */
    sha256: text("sha256").notNull(),
    size: integer("size").notNull(),
    recipients: json<SealedRecipient[]>("recipients").notNull(),
    created: text("created").notNull(),
  },
  (t) => [uniqueIndex("sealed_blobs_record").on(t.kind, t.recordId), index("sealed_blobs_key").on(t.objectKey)],
);

// ---- support requests and replies: metadata only; summary, description and comment bodies are
// sealed records (kinds "support-issue" and "support-comment", record id the uuid).

/** A support request, addressed to a provider organization (customer) or, without one, to the moderators (staff and support). */
export const supportIssues = sqliteTable(
  "support_issues",
  {
    ...ids(),
    key: text("key").notNull().unique(),
    type: text("type").notNull(),
    status: text("status").notNull().default("new"),
    priority: text("priority").notNull().default(""),
    callerId: integer("caller_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The addressed provider organization; null means the moderators. */
    customerId: integer("customer_id").references(() => customers.id, { onDelete: "set null" }),
    projectId: integer("project_id").references(() => projects.id, { onDelete: "set null" }),
    resourceId: integer("resource_id").references(() => resources.id, { onDelete: "set null" }),
    created: text("created").notNull(),
    modified: text("modified").notNull(),
  },
  (t) => [index("support_issues_caller").on(t.callerId), index("support_issues_customer").on(t.customerId)],
);

export const supportComments = sqliteTable(
  "support_comments",
  {
    ...ids(),
    issueId: integer("issue_id")
      .notNull()
      .references(() => supportIssues.id, { onDelete: "cascade" }),
    authorId: integer("author_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    isPublic: integer("is_public", { mode: "boolean" }).notNull().default(true),
    created: text("created").notNull(),
  },
  (t) => [index("support_comments_issue").on(t.issueId)],
);

// ---- organization content keys. Each version is an X25519 key pair made on a member's client: the
// public half is here, the private half is a sealed record (kind "org-key", record id
// "<customer uuid>.<version>") sealed to the members who may read the organization's content.
// Content sealed to the organization names the current version's key as a recipient.

export const orgContentKeys = sqliteTable(
  "org_content_keys",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    keyVersion: integer("key_version").notNull(),
    /** Raw 32-byte X25519 public key, base64url. */
    publicKey: text("public_key").notNull(),
    keyId: text("key_id").notNull().unique(),
    createdById: integer("created_by_id").references(() => users.id, { onDelete: "set null" }),
    created: text("created").notNull(),
  },
  (t) => [uniqueIndex("org_content_keys_version").on(t.customerId, t.keyVersion)],
);

/** Content sealed to an organization (kind "org-content", record id the uuid). */
export const orgContent = sqliteTable(
  "org_content",
  {
    ...ids(),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id, { onDelete: "cascade" }),
    keyVersion: integer("key_version").notNull(),
    createdById: integer("created_by_id").references(() => users.id, { onDelete: "set null" }),
    created: text("created").notNull(),
  },
  (t) => [index("org_content_customer").on(t.customerId)],
);

/**
 * The executor key a provider organization authorised for its plugins (openapi/sealed-flows.md):
 * its offerings' secret options are sealed to the executor key only while that key is the one
 * recorded here. Public values only (key id and version).
 */
export const executorAuthorisations = sqliteTable("executor_authorisations", {
  id: integer("id").primaryKey({ autoIncrement: true }),
  customerId: integer("customer_id")
    .notNull()
    .unique()
    .references(() => customers.id, { onDelete: "cascade" }),
  keyId: text("key_id").notNull(),
  keyVersion: integer("key_version").notNull(),
  authorisedById: integer("authorised_by_id").references(() => users.id, { onDelete: "set null" }),
  created: text("created").notNull(),
});
