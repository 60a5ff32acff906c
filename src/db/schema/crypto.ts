// Encryption key directory and sealed-blob references (src/crypto, openapi/envelope-format.md).
// D1 holds public keys, key ids, versions, object keys, hashes, sizes and recipient lists only:
// never a private key and never any plaintext of a sealed value.
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { ids, json } from "./common.ts";
import { users } from "./structure.ts";

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
