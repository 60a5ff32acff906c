// Who a sealed value is for, as envelope recipients: the current directory keys of a set of users
// (src/routes/encryption-keys.ts) plus, where the plugin path must read the value, the executor
// key. Each flow names its readers here so the directory endpoint (/api/sealing-recipients/), the
// server-side sealer and the check on client-sealed uploads all use the same list.
import { and, eq, gt, isNull, or } from "drizzle-orm";
import type { Db } from "../app-env.ts";
import { OFFERING_ROLES, PROVIDER_ROLES } from "../auth/access.ts";
import { hex, type Recipient } from "../crypto/index.ts";
import { inArray } from "../db/in-list.ts";
import { roleGrants, type SealedRecipient, users } from "../db/schema/index.ts";
import type { ScopeType } from "../db/schema/structure.ts";
import type { Bindings } from "../env.ts";
import { EXECUTOR_KEY_VERSION, executorKeyPair } from "../marketplace/execution/outcome.ts";
import { currentKeys, unb64url } from "../routes/encryption-keys.ts";

export const EXECUTOR_HOLDER = "executor";

/** A recipient as the directory hands it out and D1 lists it. */
export interface ReaderKey extends SealedRecipient {
  /** Raw X25519 public key, base64url. */
  publicKey: string;
}

export interface ReaderSet {
  keys: ReaderKey[];
  /** Readers (user uuids) who have no key registered yet: they cannot read what is sealed now. */
  withoutKey: string[];
}

export const asRecipients = (set: ReaderSet): Recipient[] =>
  set.keys.map((k) => ({ publicKey: unb64url(k.publicKey), keyVersion: k.keyVersion }));

export const listed = (set: ReaderSet): SealedRecipient[] =>
  set.keys.map(({ keyId, keyVersion, holder }) => ({ keyId, keyVersion, holder }));

/** Users holding one of `roles` in a scope, with the grant unexpired and the account active. */
export async function grantHolders(db: Db, scopes: { type: ScopeType; id: number; roles: readonly string[] }[]): Promise<number[]> {
  if (!scopes.length) return [];
  const now = new Date().toISOString();
  const rows = await db
    .select({ userId: roleGrants.userId })
    .from(roleGrants)
    .innerJoin(users, eq(users.id, roleGrants.userId))
    .where(
      and(
        or(...scopes.map((s) => and(eq(roleGrants.scopeType, s.type), eq(roleGrants.scopeId, s.id), inArray(roleGrants.role, [...s.roles])))),
        or(isNull(roleGrants.expirationTime), gt(roleGrants.expirationTime, now)),
        eq(users.isActive, true),
      ),
    )
    .all();
  return [...new Set(rows.map((r) => r.userId))];
}

/** Staff and support users: the moderators support requests go to when no provider is addressed. */
export async function moderatorIds(db: Db): Promise<number[]> {
  const rows = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.isActive, true), or(eq(users.isStaff, true), eq(users.isSupport, true))))
    .all();
  return rows.map((r) => r.id);
}

/** Who acts for a provider: its organization's owners and managers, and the offering's managers. */
export function providerReaderIds(db: Db, offering: { id: number; customerId: number }): Promise<number[]> {
  return grantHolders(db, [
    { type: "customer", id: offering.customerId, roles: PROVIDER_ROLES },
    { type: "offering", id: offering.id, roles: OFFERING_ROLES },
  ]);
}

export async function executorKey(env: Pick<Bindings, "VE_EXECUTOR_KEY" | "VE_MODE">): Promise<ReaderKey> {
  const pair = await executorKeyPair(env);
  return {
    keyId: hex(pair.keyId),
    keyVersion: EXECUTOR_KEY_VERSION,
    holder: EXECUTOR_HOLDER,
    publicKey: btoa(String.fromCharCode(...pair.publicKey)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
  };
}

/** The current keys of these users (holders by uuid), plus the executor key when asked for. */
export async function readerSet(
  db: Db,
  env: Pick<Bindings, "VE_EXECUTOR_KEY" | "VE_MODE">,
  userIds: number[],
  opts: { executor?: boolean } = {},
): Promise<ReaderSet> {
  const ids = [...new Set(userIds)].sort((a, b) => a - b);
  const [keys, people] = await Promise.all([
    currentKeys(db, ids),
    ids.length ? db.select({ id: users.id, uuid: users.uuid }).from(users).where(inArray(users.id, ids)).all() : [],
  ]);
  const uuidOf = new Map(people.map((p) => [p.id, p.uuid]));
  const out: ReaderKey[] = keys.map((k) => ({ keyId: k.keyId, keyVersion: k.keyVersion, holder: uuidOf.get(k.userId) ?? "", publicKey: k.publicKey }));
  const keyed = new Set(keys.map((k) => k.userId));
  if (opts.executor) out.push(await executorKey(env));
  return { keys: out, withoutKey: ids.filter((id) => !keyed.has(id)).map((id) => uuidOf.get(id) ?? "") };
}

/** The JSON a client gets to seal with (snake_case, as the rest of the API). */
export const renderReaders = (set: ReaderSet) => ({
  recipients: set.keys.map((k) => ({ holder: k.holder, key_id: k.keyId, key_version: k.keyVersion, public_key: k.publicKey })),
  readers_without_key: set.withoutKey,
});
