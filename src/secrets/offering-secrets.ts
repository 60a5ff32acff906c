// Provider plugin credentials (an offering's secret options, openapi/sealed-flows.md): sealed to the
// executor key the provider organization authorised for its plugins and to the organization's
// owners, so the plugins read them in the Worker and the provider reads them back on its own client.
// The provider seals them itself (recommended: the API never receives them in plaintext) or, for
// Waldur clients, sends plaintext that is sealed here to the same recipients. Either way the column
// keeps "v2.<envelope>.<HMAC>" (sealed-json.ts): the HMAC says the Worker accepted that envelope.
import { eq } from "drizzle-orm";
import type { Db } from "../app-env.ts";
import { hex, open, parseHeader } from "../crypto/index.ts";
import { inArray } from "../db/in-list.ts";
import { encryptionKeys, executorAuthorisations, type SealedRecipient, users } from "../db/schema/index.ts";
import type { Bindings } from "../env.ts";
import { ApiError, fieldError } from "../http/errors.ts";
import { nowIso } from "../http/ids.ts";
import { executorKeyPair } from "../marketplace/execution/outcome.ts";
import { asRecipients, EXECUTOR_HOLDER, executorKey, grantHolders, type ReaderKey, type ReaderSet, readerSet } from "./recipients.ts";
import { attestEnvelope, type SealedJsonRef, sealedJsonContext, sealJson, storedEnvelope } from "./sealed-json.ts";
import { envelopeFromBase64, headerOf, SMALL_ENVELOPE } from "./sealed-records.ts";

export const SECRET_OPTIONS_KIND = "offering-secret-options";
export const SECRET_OPTIONS_ENVELOPE = "secret_options_envelope";
/** Who may authorise an executor key for the organization's plugins: its owners (not staff: it is the provider's trust). */
export const AUTHORISING_ROLES = ["CUSTOMER.OWNER"] as const;

type Offering = { id: number; uuid: string; customerId: number; secretOptionsSealed: string | null };
type Authorisation = typeof executorAuthorisations.$inferSelect;

const refOf = (offering: Pick<Offering, "uuid">): SealedJsonRef => ({ kind: SECRET_OPTIONS_KIND, recordId: offering.uuid });

export const authorisationOf = (db: Db, customerId: number): Promise<Authorisation | undefined> =>
  db.select().from(executorAuthorisations).where(eq(executorAuthorisations.customerId, customerId)).get();

/**
 * Records that the organization trusts `keyId` for its plugins. Only the Worker's current executor
 * key can be authorised: the provider names the key it saw (GET …/executor_key/), so a key swapped
 * in between is refused rather than silently trusted.
 */
export async function authoriseExecutorKey(db: Db, env: Bindings, customerId: number, userId: number, keyId: string): Promise<Authorisation> {
  const current = await executorKey(env);
  if (keyId !== current.keyId) throw fieldError("key_id", `This is not the Worker's current executor key (${current.keyId}).`);
  const values = { keyId, keyVersion: current.keyVersion, authorisedById: userId, created: nowIso() };
  return db
    .insert(executorAuthorisations)
    .values({ customerId, ...values })
    .onConflictDoUpdate({ target: executorAuthorisations.customerId, set: values })
    .returning()
    .get();
}

export async function withdrawAuthorisation(db: Db, customerId: number): Promise<boolean> {
  const r = await db.delete(executorAuthorisations).where(eq(executorAuthorisations.customerId, customerId)).returning({ id: executorAuthorisations.id });
  return r.length > 0;
}

/** The Worker's executor key, if the organization authorised it; a 409 naming `field` otherwise. */
async function authorisedExecutor(db: Db, env: Bindings, customerId: number, field: string): Promise<ReaderKey> {
  const [auth, current] = await Promise.all([authorisationOf(db, customerId), executorKey(env)]);
  const how = `the organization's owner authorises it with POST /api/marketplace-service-providers/{uuid}/executor_key/ {"key_id": "${current.keyId}"}`;
  if (!auth) throw new ApiError(409, { [field]: [`The provider has not authorised an executor key for its plugins, so its credentials cannot be sealed: ${how}.`] });
  if (auth.keyId !== current.keyId) {
    throw new ApiError(409, { [field]: [`The provider authorised executor key ${auth.keyId}, but the Worker's executor key is now ${current.keyId}: ${how}.`] });
  }
  return current;
}

/** Why the plugins may not use the organization's credentials now (null: they may). */
export async function unauthorisedExecutor(db: Db, env: Bindings, customerId: number): Promise<string | null> {
  const [auth, current] = await Promise.all([authorisationOf(db, customerId), executorKey(env)]);
  if (!auth) return `the provider has not authorised the executor key ${current.keyId} for its plugins`;
  if (auth.keyId !== current.keyId) return `the provider authorised executor key ${auth.keyId}, not the Worker's current ${current.keyId}`;
  return null;
}

/** Refuses (409 naming `field`) before anything is written when the organization has not authorised the executor key. */
export async function requireSealableSecretOptions(db: Db, env: Bindings, customerId: number, field: string): Promise<void> {
  await authorisedExecutor(db, env, customerId, field);
}

/** The readers of an offering's secret options: its organization's owners (current keys) and the executor key. */
export async function secretOptionsReaders(db: Db, env: Bindings, offering: Pick<Offering, "customerId">): Promise<ReaderSet> {
  const owners = await grantHolders(db, [{ type: "customer", id: offering.customerId, roles: AUTHORISING_ROLES }]);
  return readerSet(db, env, owners, { executor: true });
}

export interface SealedSecretOptions {
  /** The offering's `secret_options_sealed` column (null: no secret options). */
  sealed: string | null;
  /** The option names, for Waldur's masked `secret_options` output. */
  keys: string[];
}

/**
 * Seals new secret options for an offering: plaintext (Waldur clients) sealed here, or the
 * provider's envelope checked. Clearing them ({} in plaintext) needs no authorisation.
 */
export async function sealSecretOptions(
  db: Db,
  env: Bindings,
  offering: Offering,
  input: { plaintext: Record<string, unknown> | null; envelope: string | null },
): Promise<SealedSecretOptions> {
  if (input.plaintext !== null && input.envelope !== null) {
    throw fieldError("secret_options", `Send the secret options either sealed in ${SECRET_OPTIONS_ENVELOPE} or in plaintext, not both.`);
  }
  if (input.envelope !== null) return checkEnvelope(db, env, offering, input.envelope);
  const plaintext = input.plaintext ?? {};
  const keys = Object.keys(plaintext);
  if (!keys.length) return { sealed: null, keys };
  await authorisedExecutor(db, env, offering.customerId, "secret_options");
  const owners = (await secretOptionsReaders(db, env, offering)).keys.filter((k) => k.holder !== EXECUTOR_HOLDER);
  return { sealed: await sealJson(env, refOf(offering), plaintext, asRecipients({ keys: owners, withoutKey: [] })), keys };
}

/** A provider-sealed envelope: the right record, every reader listed, and it opens for the plugins. */
async function checkEnvelope(db: Db, env: Bindings, offering: Offering, text: string): Promise<SealedSecretOptions> {
  const field = SECRET_OPTIONS_ENVELOPE;
  const exec = await authorisedExecutor(db, env, offering.customerId, field);
  const bytes = envelopeFromBase64(field, text);
  if (bytes.length > SMALL_ENVELOPE) throw fieldError(field, `The envelope is too large (${bytes.length} > ${SMALL_ENVELOPE} bytes).`);
  const header = headerOf(field, bytes, SECRET_OPTIONS_KIND);
  const context = sealedJsonContext(refOf(offering));
  if (header.context.recordId !== context.recordId || header.context.version !== context.version) {
    throw fieldError(field, `The envelope is sealed for another record: seal it for record id ${context.recordId}, version ${context.version}.`);
  }
  const listedIds = header.recipients.map((r) => hex(r.keyId));
  if (!listedIds.includes(exec.keyId)) throw fieldError(field, `The envelope is not sealed to the executor key the provider authorised (${exec.keyId}).`);
  const readers = await secretOptionsReaders(db, env, offering);
  const missing = readers.keys.filter((k) => !listedIds.includes(k.keyId));
  if (missing.length) {
    throw fieldError(field, `The envelope must be sealed to every reader of the secret options: missing ${missing.map((k) => `${k.holder} (${k.keyId})`).join(", ")}.`);
  }
  const extra = listedIds.filter((id) => !readers.keys.some((k) => k.keyId === id));
  if (extra.length) {
    const known = new Set((await db.select({ keyId: encryptionKeys.keyId }).from(encryptionKeys).where(inArray(encryptionKeys.keyId, extra)).all()).map((r) => r.keyId));
    const stray = extra.filter((id) => !known.has(id));
    if (stray.length) throw fieldError(field, `The envelope is sealed to keys that are not in the key directory: ${stray.join(", ")}.`);
  }
  // Opened once, as order attributes are: the header MAC and the executor's wrapped key can only be
  // checked this way, and the option names are needed for Waldur's masked output.
  const opened = await open(bytes, { key: await executorKeyPair(env), context });
  if (!opened.ok) throw fieldError(field, `The envelope does not open for the executor key (${opened.error.code}).`);
  let keys: string[] | null = null;
  try {
    const v = JSON.parse(new TextDecoder().decode(opened.value.plaintext)) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) keys = Object.keys(v);
  } catch {
    keys = null;
  } finally {
    opened.value.plaintext.fill(0);
  }
  if (!keys) throw fieldError(field, "The envelope must hold the secret options as a JSON object.");
  if (!keys.length) throw fieldError(field, 'The envelope holds no secret options: send "secret_options": {} to remove them.');
  return { sealed: await attestEnvelope(env, bytes), keys };
}

export interface StoredSecretOptions {
  bytes: Uint8Array;
  recipients: SealedRecipient[];
}

/** The stored envelope and who it is sealed to (holders: user uuids, or "executor"); null when there is none to serve. */
export async function storedSecretOptions(db: Db, env: Bindings, offering: Offering): Promise<StoredSecretOptions | null> {
  const bytes = storedEnvelope(offering.secretOptionsSealed);
  if (!bytes) return null;
  const h = parseHeader(bytes);
  if (!h.ok) return null;
  const ids = h.value.recipients.map((r) => hex(r.keyId));
  const exec = hex((await executorKeyPair(env)).keyId);
  const rows = ids.length
    ? await db.select({ keyId: encryptionKeys.keyId, uuid: users.uuid }).from(encryptionKeys).innerJoin(users, eq(users.id, encryptionKeys.userId)).where(inArray(encryptionKeys.keyId, ids)).all()
    : [];
  const holderOf = new Map(rows.map((r) => [r.keyId, r.uuid]));
  const recipients = h.value.recipients.map((r, i) => ({
    keyId: ids[i]!,
    keyVersion: r.keyVersion,
    holder: ids[i] === exec ? EXECUTOR_HOLDER : (holderOf.get(ids[i]!) ?? ""),
  }));
  return { bytes, recipients };
}
