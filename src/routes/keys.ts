// /api/keys/: SSH public keys with their fingerprints.
import { and, count, eq, type SQL } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { seesEverything } from "../auth/access.ts";
import { requireUser } from "../auth/session.ts";
import { sshKeys, users } from "../db/schema/index.ts";
import { fieldError, notFound, permissionDenied } from "../http/errors.ts";
import { newUuid, nowIso, pathUuid } from "../http/ids.ts";
import { ordering, pageOf, paginated, qOne, qUuid, sparse } from "../http/list.ts";
import { linksFor, type Links } from "../http/links.ts";
import { body, requiredStr, v } from "../http/validate.ts";

const KEY_TYPES = ["ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-dss"];

const hex = (buf: ArrayBuffer) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0"));

/** Parses "type base64 [comment]" and checks the blob names the same type, as OpenSSH does. */
export async function parsePublicKey(text: string) {
  const parts = text.trim().split(/\s+/);
  const [type, b64] = parts;
  if (!type || !b64 || !KEY_TYPES.includes(type)) return null;
  let blob: Uint8Array<ArrayBuffer>;
  try {
    blob = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)) as Uint8Array<ArrayBuffer>;
  } catch {
    return null;
  }
  if (blob.length < 4) return null;
  const len = new DataView(blob.buffer).getUint32(0);
  if (len > blob.length - 4 || new TextDecoder().decode(blob.slice(4, 4 + len)) !== type) return null;
  const md5 = hex(await crypto.subtle.digest("MD5", blob)).join(":");
  const b64nopad = (buf: ArrayBuffer) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/=+$/, "");
  return {
    type,
    normalized: parts.slice(0, 3).join(" "),
    md5,
    sha256: `SHA256:${b64nopad(await crypto.subtle.digest("SHA-256", blob))}`,
    sha512: `SHA512:${b64nopad(await crypto.subtle.digest("SHA-512", blob))}`,
  };
}

export function serializeKey(links: Links, k: typeof sshKeys.$inferSelect, user: { uuid: string; username?: string; fullName?: string }) {
  return {
    url: links.to("keys", k.uuid),
    uuid: k.uuid,
    name: k.name,
    public_key: k.publicKey,
    fingerprint_md5: k.fingerprintMd5,
    fingerprint_sha256: k.fingerprintSha256,
    fingerprint_sha512: k.fingerprintSha512,
    user_uuid: user.uuid,
    ...(user.username !== undefined ? { user_username: user.username, user_full_name: user.fullName ?? "" } : {}),
    is_shared: k.isShared,
    type: k.type,
  };
}

export function mountKeys(app: Hono<AppEnv>) {
  app.get("/api/keys/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [seesEverything(me) ? undefined : eq(sshKeys.userId, me.id)];
    const userUuid = qUuid(c, "user_uuid");
    if (userUuid) conds.push(inArray(sshKeys.userId, db.select({ id: users.id }).from(users).where(eq(users.uuid, userUuid))));
    const name = qOne(c, "name");
    if (name) conds.push(eq(sshKeys.name, name));
    const fp = qOne(c, "fingerprint_sha256");
    if (fp) conds.push(eq(sshKeys.fingerprintSha256, fp));
    const where = and(...conds);
    const p = pageOf(c);
    const total = (await db.select({ n: count() }).from(sshKeys).where(where).get())?.n ?? 0;
    const rows = await db
      .select({ k: sshKeys, u: users.uuid })
      .from(sshKeys)
      .innerJoin(users, eq(users.id, sshKeys.userId))
      .where(where)
      .orderBy(...ordering(c, { name: sshKeys.name }, [sshKeys.name]))
      .limit(p.size)
      .offset(p.offset)
      .all();
    const links = linksFor(c);
    return paginated(c, p, total, rows.map((r) => serializeKey(links, r.k, { uuid: r.u })));
  });

  app.post("/api/keys/", async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, v.object({ name: v.optional(v.pipe(v.string(), v.maxLength(150)), ""), public_key: requiredStr(8000) }));
    const parsed = await parsePublicKey(b.public_key);
    if (!parsed) throw fieldError("public_key", "Key is not valid.");
    const dup = await c.var.db
      .select({ id: sshKeys.id })
      .from(sshKeys)
      .where(and(eq(sshKeys.userId, me.id), eq(sshKeys.fingerprintSha256, parsed.sha256)))
      .get();
    if (dup) throw fieldError("public_key", "Duplicate public key value.");
    const row = await c.var.db
      .insert(sshKeys)
      .values({
        uuid: newUuid(),
        userId: me.id,
        name: b.name || parsed.normalized.split(" ")[2] || parsed.md5,
        publicKey: parsed.normalized,
        type: parsed.type,
        fingerprintMd5: parsed.md5,
        fingerprintSha256: parsed.sha256,
        fingerprintSha512: parsed.sha512,
        created: nowIso(),
      })
      .returning()
      .get();
    return c.json(serializeKey(linksFor(c), row, { uuid: me.uuid }), 201);
  });

  app.get("/api/keys/:uuid/", async (c) => {
    const me = requireUser(c.var.user);
    const r = await c.var.db
      .select({ k: sshKeys, u: users.uuid })
      .from(sshKeys)
      .innerJoin(users, eq(users.id, sshKeys.userId))
      .where(and(eq(sshKeys.uuid, pathUuid(c.req.param("uuid"))), seesEverything(me) ? undefined : eq(sshKeys.userId, me.id)))
      .get();
    if (!r) throw notFound();
    return c.json(sparse(c, serializeKey(linksFor(c), r.k, { uuid: r.u })));
  });

  app.delete("/api/keys/:uuid/", async (c) => {
    const me = requireUser(c.var.user);
    const k = await c.var.db.select().from(sshKeys).where(eq(sshKeys.uuid, pathUuid(c.req.param("uuid")))).get();
    if (!k || (k.userId !== me.id && !seesEverything(me))) throw notFound();
    if (k.userId !== me.id && !me.isStaff) throw permissionDenied();
    await c.var.db.delete(sshKeys).where(eq(sshKeys.id, k.id));
    return c.body(null, 204);
  });
}
