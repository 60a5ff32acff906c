// Content sealed to an organization's members (openapi/sealed-flows.md). The organization has
// versioned content keys: X25519 key pairs made on a member's client, the public half registered
// here, the private half sealed (kind "org-key", record id "<customer uuid>.<version>") to the
// members with the reading role — the organization's owners and managers. Content is sealed to
// the current version's public key. A new member gets the existing keys when a member who can
// read them re-wraps them on the client (rewrap()) and PUTs the new header; a removed member
// stops new content from reaching them because the current key must then be rotated (a new
// version sealed to the remaining members) before any new content is accepted.
import { and, asc, count, desc, eq } from "drizzle-orm";
import type { Context, Hono } from "hono";
import type { AppEnv, Db } from "../app-env.ts";
import { PROVIDER_ROLES } from "../auth/access.ts";
import { requireUser, type User } from "../auth/session.ts";
import { customers, orgContent, orgContentKeys, type SealedRecipient } from "../db/schema/index.ts";
import { ApiError, fieldError, notFound } from "../http/errors.ts";
import { nowIso, pathUuid } from "../http/ids.ts";
import { linksFor } from "../http/links.ts";
import { pageOf, paginated } from "../http/list.ts";
import { body, int, parseWith, v } from "../http/validate.ts";
import { grantHolders, listed, type ReaderSet, readerSet, renderReaders } from "../secrets/recipients.ts";
import {
  currentSealed,
  envelopeFromBase64,
  envelopeResponse,
  headerOf,
  isRecipient,
  readEnvelopeBody,
  renderSealed,
  SMALL_ENVELOPE,
  sealedByRecord,
  storeEnvelopeBytes,
  storeNewRecordEnvelope,
  storeRewrappedHeader,
} from "../secrets/sealed-records.ts";
import { agreesToNonZero, b64url, keyIdHex, PUBLIC_KEY } from "./encryption-keys.ts";

export const ORG_KEY_KIND = "org-key";
export const ORG_CONTENT_KIND = "org-content";
/** The roles whose members read the organization's sealed content. */
export const ORG_READER_ROLES = PROVIDER_ROLES;
const MAX_CONTENT = 4 * 1024 * 1024;

type Customer = typeof customers.$inferSelect;
type ContentKey = typeof orgContentKeys.$inferSelect;

const orgKeyRecord = (customer: Customer, version: number) => `${customer.uuid}.${version}`;
const orgKeyHolder = (customer: Customer, version: number) => `org:${customer.uuid}:${version}`;

const readersOf = async (db: Db, env: AppEnv["Bindings"], customer: Customer): Promise<ReaderSet> =>
  readerSet(db, env, await grantHolders(db, [{ type: "customer", id: customer.id, roles: ORG_READER_ROLES }]));

/** The organization, for its current readers only (404 to anyone else, staff included). */
async function forReader(c: Context<AppEnv>): Promise<{ me: User; customer: Customer; readers: ReaderSet }> {
  const me = requireUser(c.var.user);
  const customer = await c.var.db.select().from(customers).where(eq(customers.uuid, pathUuid(c.req.param("uuid")))).get();
  if (!customer) throw notFound();
  const readers = await readersOf(c.var.db, c.env, customer);
  const isReader = readers.keys.some((k) => k.holder === me.uuid) || readers.withoutKey.includes(me.uuid);
  if (!isReader) throw notFound();
  return { me, customer, readers };
}

const currentKey = (db: Db, customer: Customer): Promise<ContentKey | undefined> =>
  db.select().from(orgContentKeys).where(eq(orgContentKeys.customerId, customer.id)).orderBy(desc(orgContentKeys.keyVersion)).get();

/**
 * Whether the current content key may still be used for new content: not when one of its
 * recipients is no longer a reader (a member left or lost the role, and still holds the key).
 */
async function rotationReason(db: Db, customer: Customer, key: ContentKey, readers: ReaderSet): Promise<string | null> {
  const ref = await currentSealed(db, ORG_KEY_KIND, orgKeyRecord(customer, key.keyVersion));
  if (!ref) return "the key's sealed private half is missing";
  const readerUuids = new Set([...readers.keys.map((k) => k.holder), ...readers.withoutKey]);
  const gone = [...new Set(ref.recipients.map((r) => r.holder).filter((h) => !readerUuids.has(h)))];
  return gone.length ? `holders that are no longer readers: ${gone.join(", ")}` : null;
}

const keyBody = v.object({
  public_key: PUBLIC_KEY,
  key_version: int(1, 0xffffffff),
  envelope: v.pipe(v.string("Not a valid string."), v.maxLength(SMALL_ENVELOPE * 2, "The envelope is too large.")),
});

export function mountOrgContent(app: Hono<AppEnv>) {
  const base = "/api/customers/:uuid";

  app.get(`${base}/content_keys/`, async (c) => {
    const { customer, readers } = await forReader(c);
    const db = c.var.db;
    const keys = await db.select().from(orgContentKeys).where(eq(orgContentKeys.customerId, customer.id)).orderBy(asc(orgContentKeys.keyVersion)).all();
    const links = linksFor(c);
    const current = keys.at(-1);
    const items = await Promise.all(
      keys.map(async (k) => {
        const ref = await currentSealed(db, ORG_KEY_KIND, orgKeyRecord(customer, k.keyVersion));
        const url = `${links.base}/api/customers/${customer.uuid}/content_keys/${k.keyVersion}/`;
        return { key_version: k.keyVersion, public_key: k.publicKey, key_id: k.keyId, created: k.created, is_current: k === current, sealed: ref ? renderSealed(ref, url) : null };
      }),
    );
    return c.json({
      keys: items,
      current_version: current?.keyVersion ?? null,
      rotation_required: current ? await rotationReason(db, customer, current, readers) : "no content key yet",
      ...renderReaders(readers),
    });
  });

  /** A new key version (the first, or a rotation): its private half sealed to every current reader and nobody else. */
  app.post(`${base}/content_keys/`, async (c) => {
    const { me, customer, readers } = await forReader(c);
    const db = c.var.db;
    const b = await body(c, keyBody);
    if (!(await agreesToNonZero(b.public_key))) throw fieldError("public_key", "The public key is a low-order or otherwise unusable X25519 point.");
    const cur = await currentKey(db, customer);
    const next = (cur?.keyVersion ?? 0) + 1;
    if (b.key_version !== next) throw fieldError("key_version", `The next content key version is ${next}.`);
    if (!readers.keys.length) throw new ApiError(409, { detail: "No reader of this organization has an encryption key." });
    const bytes = envelopeFromBase64("envelope", b.envelope);
    const header = headerOf("envelope", bytes, ORG_KEY_KIND);
    if (header.context.recordId !== orgKeyRecord(customer, next) || header.context.version !== 1) {
      throw fieldError("envelope", `The envelope must be sealed for record "${orgKeyRecord(customer, next)}", version 1.`);
    }
    const keyId = await keyIdHex(b.public_key);
    // The key row first (its unique version guards concurrent rotations), then the sealed private half.
    try {
      await db.insert(orgContentKeys).values({ customerId: customer.id, keyVersion: next, publicKey: b64url(b.public_key), keyId, createdById: me.id, created: nowIso() });
    } catch (e) {
      if (String(e).includes("UNIQUE")) throw new ApiError(409, { detail: "The content key was rotated at the same time (or the key is reused); fetch content_keys and retry." });
      throw e;
    }
    try {
      await storeEnvelopeBytes(db, c.env, header.context, bytes, { field: "envelope", required: listed(readers), allowExtra: false });
    } catch (e) {
      await db.delete(orgContentKeys).where(and(eq(orgContentKeys.customerId, customer.id), eq(orgContentKeys.keyVersion, next)));
      throw e;
    }
    return c.json({ key_version: next, public_key: b64url(b.public_key), key_id: keyId }, 201);
  });

  const keyVersionOf = (c: Context<AppEnv>) => parseWith(v.object({ version: v.pipe(v.string(), v.regex(/^\d{1,10}$/, "Not a key version."), v.transform(Number)) }), { version: c.req.param("version") }).version;

  /** The wrapped private half of one key version, to its recipients (to open, or to re-wrap for a new member). */
  app.get(`${base}/content_keys/:version/`, async (c) => {
    const { me, customer } = await forReader(c);
    const ref = await currentSealed(c.var.db, ORG_KEY_KIND, orgKeyRecord(customer, keyVersionOf(c)));
    const res = ref && isRecipient(ref, me.uuid) ? await envelopeResponse(c.env, ref) : null;
    if (!res) throw notFound();
    return res;
  });

  /** A re-wrapped header for a key version (new readers added on the client); earlier recipients may stay. */
  app.put(`${base}/content_keys/:version/`, async (c) => {
    const { me, customer, readers } = await forReader(c);
    const ref = await currentSealed(c.var.db, ORG_KEY_KIND, orgKeyRecord(customer, keyVersionOf(c)));
    if (!ref || !isRecipient(ref, me.uuid)) throw notFound();
    const header = await readEnvelopeBody(c.req.raw, SMALL_ENVELOPE);
    // Every current reader's current key must be listed; earlier recipients may stay (revocation is
    // the rotation to a new version, not editing old headers).
    const allowed: SealedRecipient[] = ref.recipients;
    const required = listed(readers);
    await storeRewrappedHeader(c.var.db, c.env, ref, header, { field: "envelope", required, allowed, allowExtra: false });
    return c.body(null, 204);
  });

  app.get(`${base}/sealed_content/`, async (c) => {
    const { customer } = await forReader(c);
    const db = c.var.db;
    const where = eq(orgContent.customerId, customer.id);
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(orgContent).where(where).get())?.n ?? 0;
    const rows = await db.select().from(orgContent).where(where).orderBy(asc(orgContent.created), asc(orgContent.id)).limit(p.size).offset(p.offset).all();
    const refs = await sealedByRecord(db, ORG_CONTENT_KIND, rows.map((r) => r.uuid));
    const links = linksFor(c);
    return paginated(
      c,
      p,
      total,
      rows.map((r) => {
        const ref = refs.get(r.uuid);
        const url = `${links.base}/api/customers/${customer.uuid}/sealed_content/${r.uuid}/`;
        return { uuid: r.uuid, key_version: r.keyVersion, created: r.created, sealed: ref ? renderSealed(ref, url) : null };
      }),
    );
  });

  /** New content, sealed on the client to the current content key (and only to it). */
  app.post(`${base}/sealed_content/`, async (c) => {
    const { me, customer, readers } = await forReader(c);
    const db = c.var.db;
    const key = await currentKey(db, customer);
    if (!key) throw new ApiError(409, { detail: "The organization has no content key yet: create one (content_keys/) first." });
    const reason = await rotationReason(db, customer, key, readers);
    if (reason) throw new ApiError(409, { detail: `The content key version ${key.keyVersion} must be rotated before new content is sealed to it (${reason}).` });
    const bytes = await readEnvelopeBody(c.req.raw, MAX_CONTENT);
    const ref = await storeNewRecordEnvelope(db, c.env, ORG_CONTENT_KIND, bytes, {
      field: "envelope",
      required: [{ keyId: key.keyId, keyVersion: key.keyVersion, holder: orgKeyHolder(customer, key.keyVersion) }],
      allowExtra: false,
      maxSize: MAX_CONTENT,
      taken: async (uuid) => !!(await db.select({ id: orgContent.id }).from(orgContent).where(eq(orgContent.uuid, uuid)).get()),
    });
    await db.insert(orgContent).values({ uuid: ref.recordId, customerId: customer.id, keyVersion: key.keyVersion, createdById: me.id, created: nowIso() });
    const url = `${linksFor(c).base}/api/customers/${customer.uuid}/sealed_content/${ref.recordId}/`;
    return c.json({ uuid: ref.recordId, key_version: key.keyVersion, sealed: renderSealed(ref, url) }, 201);
  });

  app.get(`${base}/sealed_content/:content/`, async (c) => {
    const { customer } = await forReader(c);
    const row = await c.var.db
      .select()
      .from(orgContent)
      .where(and(eq(orgContent.uuid, pathUuid(c.req.param("content"))), eq(orgContent.customerId, customer.id)))
      .get();
    const ref = row && (await currentSealed(c.var.db, ORG_CONTENT_KIND, row.uuid));
    const res = ref ? await envelopeResponse(c.env, ref) : null;
    if (!res) throw notFound();
    return res;
  });
}
