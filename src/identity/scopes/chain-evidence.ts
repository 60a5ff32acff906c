// A verified scope's commitment to x/veid. The chain takes only a hash, an opaque object key and
// the validator keys the evidence is sealed to (and insists on at least one key), so each
// verification leaves a small sealed record for the identity network: which scope, how and when it
// was proven, and a salted hash of its subject (the address or number itself never leaves D1).
// Only the identity validators can open it; the chain holds its SHA-256.
import type { BatchItem } from "drizzle-orm/batch";
import { eq } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { veidScopeItems, veidOffchainItems, walletOf, type VeidScopeType } from "../../bridge/chain/veid.ts";
import { concat, hex, sha256, utf8 } from "../../crypto/bytes.ts";
import { sealToBucket } from "../../crypto/blob-store.ts";
import { users } from "../../db/schema/index.ts";
import { identityValidators, ValidatorConfigError } from "../capture/validators.ts";
import type { IdentityEnv } from "./common.ts";

export const SCOPE_EVIDENCE_KIND = "identity.scope";
/** How long validators keep a scope's evidence (a verification is re-proven well before). */
export const SCOPE_EVIDENCE_DAYS = 365;

type Item = BatchItem<"sqlite">;
type Bucket = Parameters<typeof sealToBucket>[0];

export interface VerifiedScope {
  uuid: string;
  kind: VeidScopeType;
  subject: string;
  method: string;
  verifiedAt: string;
}

/** Batch items committing a verified scope (or a note why it stays off chain). */
export async function scopeChainItems(db: Db, env: IdentityEnv, userId: number, scope: VerifiedScope): Promise<Item[]> {
  const wallet = await walletOf(db, userId);
  const off = (reason: "no_customer_wallet" | "not_representable", detail: string) => veidOffchainItems(db, { ref: scope.uuid, reason, detail });
  if (!wallet) return off("no_customer_wallet", "the account has no linked wallet");
  let validators: Awaited<ReturnType<typeof identityValidators>>;
  try {
    validators = await identityValidators(env);
  } catch (e) {
    if (!(e instanceof ValidatorConfigError)) throw e;
    console.error(`identity scope commitment: ${e.message}`);
    validators = null;
  }
  const bucket = env.BLOBS as Bucket | undefined;
  if (!validators?.length || !bucket) return off("not_representable", "the identity network's keys are not available to seal the evidence");
  const account = await db.select({ uuid: users.uuid }).from(users).where(eq(users.id, userId)).get();
  const salt = crypto.getRandomValues(new Uint8Array(32));
  const record = {
    scope: scope.uuid,
    account: account?.uuid ?? "",
    kind: scope.kind,
    method: scope.method,
    verified_at: scope.verifiedAt,
    salt: hex(salt),
    subject_sha256: hex(await sha256(concat(salt, utf8(scope.subject)))),
  };
  const plaintext = utf8(JSON.stringify(record));
  const contentHash = hex(await sha256(plaintext));
  const objectKey = `identity/scopes/${record.account}/${scope.uuid}-${contentHash.slice(0, 16)}.veenv`;
  const stored = await sealToBucket(bucket, objectKey, new Blob([plaintext]).stream() as unknown as ReadableStream<Uint8Array>, plaintext.length, {
    context: { kind: SCOPE_EVIDENCE_KIND, recordId: scope.uuid, version: 1 },
    recipients: validators.map((x) => ({ publicKey: x.publicKey, keyVersion: x.keyVersion })),
  });
  if (!stored.ok) throw new Error(`sealing scope evidence failed: ${stored.error.code}`);
  return veidScopeItems(db, wallet, {
    scopeUuid: scope.uuid,
    scopeType: scope.kind,
    objectKey,
    contentHash,
    sealedTo: validators.map((x) => ({ validator: x.validator, keyVersion: x.keyVersion })),
    expiresAt: Math.floor(Date.parse(scope.verifiedAt) / 1000) + SCOPE_EVIDENCE_DAYS * 86_400,
  });
}
