// Invitations to join an organization or project with a role (Waldur's /api/user-invitations/).
// The invitee's address is personal data: D1 holds it sealed to the executor key (sealJson, kind
// "user-invitation", record id the invitation uuid) so the Worker can mail it again on resend and show
// it to the inviting owners, plus a keyed hash (HMAC under a key derived from VE_EXECUTOR_KEY) for the
// exact-match filter and the one-pending-invitation-per-address check. Never the address in the clear.
import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import { ids, timestamps } from "./common.ts";
import { users } from "./structure.ts";

export const INVITATION_STATES = ["pending", "accepted", "canceled", "expired"] as const;
export type InvitationState = (typeof INVITATION_STATES)[number];

export const userInvitations = sqliteTable(
  "user_invitations",
  {
    ...ids(),
    /** "customer" or "project"; scopeId is that table's id. */
    scopeType: text("scope_type").$type<"customer" | "project">().notNull(),
    scopeId: integer("scope_id").notNull(),
    /** The customer the scope belongs to (the scope itself for customer invitations). */
    customerId: integer("customer_id").notNull(),
    role: text("role").notNull(),
    emailSealed: text("email_sealed").notNull(),
    emailHash: text("email_hash").notNull(),
    /** Stored "pending" past `expires` reads as expired; resend moves it forward again. */
    state: text("state").$type<InvitationState>().notNull(),
    expires: text("expires").notNull(),
    extraText: text("extra_text").notNull().default(""),
    createdById: integer("created_by_id").references(() => users.id, { onDelete: "set null" }),
    acceptedById: integer("accepted_by_id").references(() => users.id, { onDelete: "set null" }),
    ...timestamps(),
  },
  (t) => [index("user_invitations_scope").on(t.scopeType, t.scopeId), index("user_invitations_email").on(t.emailHash, t.state)],
);
