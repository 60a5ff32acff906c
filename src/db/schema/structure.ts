// Users, organizations (customers), projects, roles and SSH keys.
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { bool, ids, timestamps } from "./common.ts";

export const users = sqliteTable("users", {
  ...ids(),
  username: text("username").notNull().unique(),
  slug: text("slug").notNull(),
  email: text("email").notNull().default(""),
  firstName: text("first_name").notNull().default(""),
  lastName: text("last_name").notNull().default(""),
  nativeName: text("native_name").notNull().default(""),
  organization: text("organization").notNull().default(""),
  jobTitle: text("job_title").notNull().default(""),
  phoneNumber: text("phone_number").notNull().default(""),
  civilNumber: text("civil_number"),
  description: text("description").notNull().default(""),
  preferredLanguage: text("preferred_language").notNull().default(""),
  registrationMethod: text("registration_method").notNull().default("default"),
  /** PBKDF2-SHA256 record "pbkdf2$<iter>$<salt b64>$<hash b64>", or null for password-less accounts. */
  passwordHash: text("password_hash"),
  isStaff: bool("is_staff").notNull().default(false),
  isSupport: bool("is_support").notNull().default(false),
  isActive: bool("is_active").notNull().default(true),
  /** Seconds a token lives without use; null = never expires. */
  tokenLifetime: integer("token_lifetime").default(3600),
  failedLogins: integer("failed_logins").notNull().default(0),
  lockedUntil: text("locked_until"),
  notificationsEnabled: bool("notifications_enabled").notNull().default(true),
  /** bech32 chain address proven by an ADR-036 signature (wallet login). */
  walletAddress: text("wallet_address").unique(),
  agreementDate: text("agreement_date"),
  dateJoined: text("date_joined").notNull(),
  modified: text("modified").notNull(),
});

/** API tokens, stored as SHA-256 of the key: a leaked table reveals no usable token. */
export const authTokens = sqliteTable(
  "auth_tokens",
  {
    keyHash: text("key_hash").primaryKey(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    created: text("created").notNull(),
    /** Sliding expiry: refreshed on each authenticated request. */
    lastUsed: text("last_used").notNull(),
  },
  (t) => [index("auth_tokens_user").on(t.userId)],
);

export const customers = sqliteTable("customers", {
  ...ids(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  nativeName: text("native_name").notNull().default(""),
  abbreviation: text("abbreviation").notNull().default(""),
  description: text("description").notNull().default(""),
  contactDetails: text("contact_details").notNull().default(""),
  email: text("email").notNull().default(""),
  phoneNumber: text("phone_number").notNull().default(""),
  registrationCode: text("registration_code").notNull().default(""),
  agreementNumber: text("agreement_number").notNull().default(""),
  vatCode: text("vat_code").notNull().default(""),
  address: text("address").notNull().default(""),
  postal: text("postal").notNull().default(""),
  homepage: text("homepage").notNull().default(""),
  domain: text("domain").notNull().default(""),
  country: text("country").notNull().default(""),
  backendId: text("backend_id").notNull().default(""),
  blocked: bool("blocked").notNull().default(false),
  archived: bool("archived").notNull().default(false),
  ...timestamps(),
});

export const projects = sqliteTable(
  "projects",
  {
    ...ids(),
    customerId: integer("customer_id")
      .notNull()
      .references(() => customers.id),
    name: text("name").notNull(),
    slug: text("slug").notNull().unique(),
    description: text("description").notNull().default(""),
    backendId: text("backend_id").notNull().default(""),
    startDate: text("start_date"),
    endDate: text("end_date"),
    kind: text("kind").notNull().default("default"),
    isRemoved: bool("is_removed").notNull().default(false),
    ...timestamps(),
  },
  (t) => [index("projects_customer").on(t.customerId)],
);

export type ScopeType = "customer" | "project" | "offering";

/** Role grants. Role names as Waldur's RoleEnum: CUSTOMER.OWNER, PROJECT.ADMIN, OFFERING.MANAGER, ... */
export const roleGrants = sqliteTable(
  "role_grants",
  {
    ...ids(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    scopeType: text("scope_type").$type<ScopeType>().notNull(),
    scopeId: integer("scope_id").notNull(),
    role: text("role").notNull(),
    expirationTime: text("expiration_time"),
    createdById: integer("created_by_id"),
    created: text("created").notNull(),
  },
  (t) => [
    uniqueIndex("role_grants_unique").on(t.userId, t.scopeType, t.scopeId, t.role),
    index("role_grants_scope").on(t.scopeType, t.scopeId),
  ],
);

export const sshKeys = sqliteTable(
  "ssh_keys",
  {
    ...ids(),
    userId: integer("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    publicKey: text("public_key").notNull(),
    type: text("type").notNull(),
    fingerprintMd5: text("fingerprint_md5").notNull(),
    fingerprintSha256: text("fingerprint_sha256").notNull(),
    fingerprintSha512: text("fingerprint_sha512").notNull(),
    isShared: bool("is_shared").notNull().default(false),
    created: text("created").notNull(),
  },
  (t) => [uniqueIndex("ssh_keys_user_fp").on(t.userId, t.fingerprintSha256)],
);

/** Single-use login challenges for wallet sign-in, bound to one address and short-lived. */
export const walletNonces = sqliteTable("wallet_nonces", {
  nonce: text("nonce").primaryKey(),
  address: text("address").notNull(),
  expiresAt: text("expires_at").notNull(),
  usedAt: text("used_at"),
});
