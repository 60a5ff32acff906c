// /api/encryption-keys/: the directory of users' X25519 public keys (openapi/envelope-format.md).
// A user registers their own public key with a version that only grows; clients (and the Worker,
// for values it seals itself) look up the current keys of a user or of a project's members and
// seal to them. Private keys are made and kept on the client: anything that looks like one is
// refused, and the server never stores or logs one. Keys of users with a wallet address are also
// queued for x/roles (MsgRegisterEncryptionKey) in the same D1 batch.
import { and, count, desc, eq, isNull, gt, or, type SQL } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Hono } from "hono";
import type { AppEnv, Db } from "../app-env.ts";
import { canSeeProject, seesEverything } from "../auth/access.ts";
import { requireUser } from "../auth/session.ts";
import { chainRecords } from "../bridge/chain/records.ts";
import { outboxInsert } from "../bridge/chain/outbox.ts";
import { encryptionKeys, projects, roleGrants, users } from "../db/schema/index.ts";
import { fieldError, fieldErrors, notFound } from "../http/errors.ts";
import { newUuid, nowIso, pathUuid } from "../http/ids.ts";
import { pageOf, paginated, qUuid, sparse } from "../http/list.ts";
import { linksFor } from "../http/links.ts";
import { int, parseWith, readJson, v } from "../http/validate.ts";
import { ApiError } from "../http/errors.ts";

export type EncryptionKeyRow = typeof encryptionKeys.$inferSelect;

const MAX_VERSION = 0xffffffff;

export const b64url = (b: Uint8Array) =>
  btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
export function unb64url(s: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (ch) => ch.charCodeAt(0)) as Uint8Array<ArrayBuffer>;
}
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
export const keyIdHex = async (publicKey: Uint8Array) =>
  hex(new Uint8Array(await crypto.subtle.digest("SHA-256", publicKey as Uint8Array<ArrayBuffer>)));

// ---- refusing private keys

/** Body fields that could only carry secret material. */
const SECRET_FIELD = /priv|secret|mnemonic|seed|passphrase|password|^d$|^sk$|backup/i;
/** PKCS#8 prefix of a raw X25519 private key (RFC 8410). */
const PKCS8_X25519 = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20];
const PRIVATE_KEY_MESSAGE = "This looks like a private key. Private keys never leave the client: send the raw 32-byte X25519 public key (base64url).";

/** A reason the value looks like secret key material, or null. */
function looksPrivate(value: unknown): boolean {
  if (value && typeof value === "object") {
    // A JWK with its private part.
    return "d" in (value as object) || Object.keys(value as object).some((k) => SECRET_FIELD.test(k));
  }
  if (typeof value !== "string") return false;
  const s = value.trim();
  if (/PRIVATE KEY|ENCRYPTED|OPENSSH/i.test(s)) return true;
  // A BIP-39 mnemonic (12..24 lowercase words).
  if (/^[a-z]+(\s+[a-z]+){11,23}$/.test(s)) return true;
  if (/^[A-Za-z0-9_\-+/]+=*$/.test(s)) {
    try {
      const b = unb64url(s.replace(/=+$/, ""));
      // PKCS#8-wrapped X25519 private key, or a 64-byte "secret key" (seed ‖ public key).
      if (b.length === 48 && PKCS8_X25519.every((x, i) => b[i] === x)) return true;
      if (b.length === 64) return true;
    } catch {
      // not base64: the schema reports it
    }
  }
  return false;
}

/** Refuses a body that carries (or names) anything that looks like a private key, naming the field. */
function refusePrivate(raw: Record<string, unknown>): void {
  const errors: Record<string, string[]> = {};
  for (const [k, val] of Object.entries(raw)) {
    if (SECRET_FIELD.test(k) || looksPrivate(val)) errors[k] = [PRIVATE_KEY_MESSAGE];
  }
  if (Object.keys(errors).length) throw fieldErrors(errors);
}

// ---- public key checks

/** p = 2^255 - 19, little-endian. */
function isCanonical(u: Uint8Array<ArrayBuffer>): boolean {
  if (u[31]! & 0x80) return false;
  // u >= p only when u is p .. 2^255-1: 0x7f, thirty 0xff bytes, and a low byte >= 0xed.
  if (u[31] !== 0x7f) return true;
  for (let i = 30; i >= 1; i--) if (u[i] !== 0xff) return true;
  return u[0]! < 0xed;
}

/**
 * Whether X25519 with this public key gives a usable secret: a clamped scalar is a multiple of the
 * cofactor 8, so every point of small order (0, 1, the order-4 and order-8 points, in any encoding)
 * yields the all-zero secret, which envelopes refuse. workerd itself may refuse such a key; either
 * way the key is unusable as a recipient.
 */
export async function agreesToNonZero(publicKey: Uint8Array<ArrayBuffer>): Promise<boolean> {
  try {
    const pub = await crypto.subtle.importKey("raw", publicKey, { name: "X25519" }, false, []);
    const eph = (await crypto.subtle.generateKey({ name: "X25519" }, false, ["deriveBits"])) as CryptoKeyPair;
    const secret = new Uint8Array(await crypto.subtle.deriveBits({ name: "X25519", public: pub }, eph.privateKey, 256));
    return secret.some((b) => b !== 0);
  } catch {
    return false;
  }
}

export const PUBLIC_KEY = v.pipe(
  v.string("Not a valid string."),
  v.trim(),
  v.nonEmpty("This field may not be blank."),
  v.maxLength(200, "Ensure this field has no more than 200 characters."),
  v.regex(/^[A-Za-z0-9_-]+={0,2}$/, "Enter the raw X25519 public key as base64url."),
  v.transform((s) => {
    try {
      return unb64url(s.replace(/=+$/, ""));
    } catch {
      return new Uint8Array(0) as Uint8Array<ArrayBuffer>;
    }
  }),
  v.check((b) => b.length === 32, "An X25519 public key is exactly 32 bytes."),
  v.check(isCanonical, "The public key is not a canonical X25519 encoding (u must be below 2^255 - 19)."),
);

const registerBody = v.object({
  public_key: PUBLIC_KEY,
  key_version: v.optional(int(1, MAX_VERSION)),
  algorithm: v.optional(v.picklist(["X25519"], (i) => `"${String(i.input)}" is not a valid choice.`), "X25519"),
});

// ---- the directory, also used by the Worker when it seals (src/marketplace/execution/outcome.ts)

const activeGrant = () => or(isNull(roleGrants.expirationTime), gt(roleGrants.expirationTime, new Date().toISOString()));

/**
 * Who may read a project's sensitive values (e.g. resource access details): users with an active
 * role in the project, and the owners of its organization.
 */
export async function projectReaderIds(db: Db, project: { id: number; customerId: number }): Promise<number[]> {
  const rows = await db
    .select({ userId: roleGrants.userId })
    .from(roleGrants)
    .innerJoin(users, eq(users.id, roleGrants.userId))
    .where(
      and(
        or(
          and(eq(roleGrants.scopeType, "project"), eq(roleGrants.scopeId, project.id)),
          and(eq(roleGrants.scopeType, "customer"), eq(roleGrants.scopeId, project.customerId), eq(roleGrants.role, "CUSTOMER.OWNER")),
        ),
        activeGrant(),
        eq(users.isActive, true),
      ),
    )
    .all();
  return [...new Set(rows.map((r) => r.userId))].sort((a, b) => a - b);
}

/** The current (highest-version) key of each of these users that has one. */
export async function currentKeys(db: Db, userIds: number[]): Promise<EncryptionKeyRow[]> {
  if (!userIds.length) return [];
  const rows = await db.select().from(encryptionKeys).where(inArray(encryptionKeys.userId, userIds)).orderBy(desc(encryptionKeys.keyVersion)).all();
  const seen = new Set<number>();
  return rows.filter((r) => !seen.has(r.userId) && seen.add(r.userId));
}

function serialize(links: ReturnType<typeof linksFor>, k: EncryptionKeyRow, user: { uuid: string; username: string }, current: boolean) {
  return {
    url: `${links.base}/api/encryption-keys/${k.uuid}/`,
    uuid: k.uuid,
    user_uuid: user.uuid,
    user_username: user.username,
    algorithm: k.algorithm,
    public_key: k.publicKey,
    key_id: k.keyId,
    key_version: k.keyVersion,
    is_current: current,
    created: k.created,
  };
}

async function render(db: Db, links: ReturnType<typeof linksFor>, rows: { k: EncryptionKeyRow; u: { uuid: string; username: string } }[]) {
  const cur = await currentKeys(db, [...new Set(rows.map((r) => r.k.userId))]);
  const currentIds = new Set(cur.map((k) => k.id));
  return rows.map((r) => serialize(links, r.k, r.u, currentIds.has(r.k.id)));
}

export function mountEncryptionKeys(app: Hono<AppEnv>) {
  app.post("/api/encryption-keys/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const raw = await readJson(c);
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      throw new ApiError(400, { non_field_errors: ["Invalid data. Expected a dictionary."] });
    }
    refusePrivate(raw as Record<string, unknown>);
    const b = parseWith(registerBody, raw);
    if (!(await agreesToNonZero(b.public_key))) {
      throw fieldError("public_key", "The public key is a low-order or otherwise unusable X25519 point.");
    }
    const keyId = await keyIdHex(b.public_key);
    if (await db.select({ id: encryptionKeys.id }).from(encryptionKeys).where(eq(encryptionKeys.keyId, keyId)).get()) {
      throw fieldError("public_key", "This public key is already registered.");
    }
    const [cur] = await currentKeys(db, [me.id]);
    const version = b.key_version ?? (cur ? cur.keyVersion + 1 : 1);
    if (version > MAX_VERSION) throw fieldError("key_version", "Key version is exhausted.");
    if (cur && version <= cur.keyVersion) {
      throw fieldError("key_version", `Key version must be greater than the current version ${cur.keyVersion}.`);
    }
    const row = {
      uuid: newUuid(),
      userId: me.id,
      publicKey: b64url(b.public_key),
      keyId,
      keyVersion: version,
      algorithm: "X25519",
      created: nowIso(),
    };
    const insert = db.insert(encryptionKeys).values(row);
    // The x/roles record, for users with a chain address (one the bridge cannot sign for is skipped:
    // the directory entry does not depend on it).
    let onChain: ReturnType<typeof chainRecords.encryptionKeyRegistered> | undefined;
    try {
      onChain = me.walletAddress ? chainRecords.encryptionKeyRegistered({ owner: me.walletAddress, publicKey: b.public_key, version }) : undefined;
    } catch {
      onChain = undefined;
    }
    try {
      if (onChain) {
        await db.batch([insert, outboxInsert(db, onChain)]);
      } else {
        await insert;
      }
    } catch (e) {
      // A concurrent registration took the version or the key.
      if (String(e).includes("UNIQUE")) throw fieldError("key_version", "Key version must be greater than the current version.");
      throw e;
    }
    const saved = (await db.select().from(encryptionKeys).where(eq(encryptionKeys.uuid, row.uuid)).get())!;
    return c.json(serialize(linksFor(c), saved, me, true), 201);
  });

  app.get("/api/encryption-keys/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const userUuid = qUuid(c, "user_uuid");
    const projectUuid = qUuid(c, "project_uuid");
    let where: SQL | undefined;
    if (userUuid || projectUuid) {
      // Directory: current keys only.
      const ids: number[] = [];
      if (userUuid) {
        const u = await db.select({ id: users.id }).from(users).where(eq(users.uuid, userUuid)).get();
        if (u) ids.push(u.id);
      }
      if (projectUuid) {
        const p = await db.select().from(projects).where(eq(projects.uuid, projectUuid)).get();
        // Membership is not public: only those who can see the project learn its members' keys.
        const visible = p && !p.isRemoved && (await canSeeProject(db, me, p));
        const members = visible ? await projectReaderIds(db, p) : [];
        if (userUuid) ids.splice(0, ids.length, ...ids.filter((id) => members.includes(id)));
        else ids.push(...members);
      }
      const cur = await currentKeys(db, ids);
      where = cur.length ? inArray(encryptionKeys.id, cur.map((k) => k.id)) : eq(encryptionKeys.id, -1);
    } else {
      // Without a filter: the caller's own keys, every version (staff and support: everyone's).
      where = seesEverything(me) ? undefined : eq(encryptionKeys.userId, me.id);
    }
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(encryptionKeys).where(where).get())?.n ?? 0;
    const rows = await db
      .select({ k: encryptionKeys, u: { uuid: users.uuid, username: users.username } })
      .from(encryptionKeys)
      .innerJoin(users, eq(users.id, encryptionKeys.userId))
      .where(where)
      .orderBy(users.username, desc(encryptionKeys.keyVersion))
      .limit(p.size)
      .offset(p.offset)
      .all();
    return paginated(c, p, total, await render(db, linksFor(c), rows));
  });

  app.get("/api/encryption-keys/:uuid/", async (c) => {
    requireUser(c.var.user);
    const r = await c.var.db
      .select({ k: encryptionKeys, u: { uuid: users.uuid, username: users.username } })
      .from(encryptionKeys)
      .innerJoin(users, eq(users.id, encryptionKeys.userId))
      .where(eq(encryptionKeys.uuid, pathUuid(c.req.param("uuid"))))
      .get();
    if (!r) throw notFound();
    return c.json(sparse(c, (await render(c.var.db, linksFor(c), [r]))[0]!));
  });
}
