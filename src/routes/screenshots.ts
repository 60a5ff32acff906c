// /api/marketplace-screenshots/ (Waldur's offering screenshots): the offering's managers upload
// images (multipart/form-data, or JSON with the image as a base64 data: URL), anyone who may see the
// offering lists them and fetches the bytes from image/. The bytes live in R2; D1 keeps the object
// key, type, size and SHA-256. Only PNG, JPEG, WebP and GIF whose bytes match, up to 4 MiB.
import { and, asc, count, eq, or, type SQL } from "drizzle-orm";
import type { Context, Hono } from "hono";
import * as v from "valibot";
import type { AppEnv } from "../app-env.ts";
import { managesOffering } from "../auth/access.ts";
import { requireUser } from "../auth/session.ts";
import { hex } from "../crypto/bytes.ts";
import { inArray } from "../db/in-list.ts";
import { customers, offerings, offeringScreenshots } from "../db/schema/index.ts";
import { ApiError, fieldErrors, notFound, permissionDenied } from "../http/errors.ts";
import { newUuid, nowIso, pathUuid } from "../http/ids.ts";
import { ordering, pageOf, paginated, qAll, qOne, qUuids, sparse } from "../http/list.ts";
import { linksFor, parseLink } from "../http/links.ts";
import { body, issuesToDrf, requiredStr, str } from "../http/validate.ts";
import { providerVisible, publicVisible } from "../marketplace/catalog/queries.ts";

const BASE = "/api/marketplace-screenshots";
export const MAX_IMAGE_BYTES = 4 * 1024 * 1024;
/** Per offering, so one provider cannot fill the bucket. */
export const MAX_PER_OFFERING = 20;
const INVALID_IMAGE = "Upload a valid image. The file you uploaded was either not an image or a corrupted image.";

type Screenshot = typeof offeringScreenshots.$inferSelect;
type Offering = typeof offerings.$inferSelect;

/** The image type its first bytes say, or null. */
export function sniffImage(b: Uint8Array): "image/png" | "image/jpeg" | "image/webp" | "image/gif" | null {
  const at = (i: number, ...xs: number[]) => xs.every((x, k) => b[i + k] === x);
  if (b.length >= 24 && at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a) && at(12, 0x49, 0x48, 0x44, 0x52)) return "image/png";
  if (b.length >= 4 && at(0, 0xff, 0xd8, 0xff) && at(b.length - 2, 0xff, 0xd9)) return "image/jpeg";
  if (b.length >= 16 && at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return "image/webp";
  if (b.length >= 10 && (at(0, 0x47, 0x49, 0x46, 0x38, 0x37, 0x61) || at(0, 0x47, 0x49, 0x46, 0x38, 0x39, 0x61))) return "image/gif";
  return null;
}

const meta = v.object({
  name: requiredStr(150),
  description: v.optional(str(4096), ""),
  offering: v.pipe(v.string("This field is required."), v.nonEmpty("This field is required.")),
});

interface Upload {
  name: string;
  description: string;
  offering: string;
  image: Uint8Array;
  declaredType: string;
}

/** Body of a create: multipart/form-data or JSON; every missing or bad field named at once. */
async function readUpload(c: Context<AppEnv>): Promise<Upload> {
  const ct = c.req.header("content-type") ?? "";
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > MAX_IMAGE_BYTES * 1.4 + 65_536) throw new ApiError(413, { detail: "Request body is too large." });
  let fields: Record<string, unknown>;
  let image: Uint8Array | undefined;
  let declaredType = "";
  const errors: Record<string, unknown> = {};
  if (ct.startsWith("multipart/form-data")) {
    const buf = await c.req.arrayBuffer();
    if (buf.byteLength > MAX_IMAGE_BYTES * 1.4 + 65_536) throw new ApiError(413, { detail: "Request body is too large." });
    let form: FormData;
    try {
      form = await new Response(buf, { headers: { "content-type": ct } }).formData();
    } catch {
      throw new ApiError(400, { detail: "Multipart form parse error." });
    }
    fields = { name: form.get("name") ?? undefined, description: form.get("description") ?? undefined, offering: form.get("offering") ?? undefined };
    const file = form.get("image");
    if (file === null) errors.image = ["No file was submitted."];
    else if (typeof file === "string") errors.image = ["The submitted data was not a file. Check the encoding type on the form."];
    else {
      image = new Uint8Array(await file.arrayBuffer());
      declaredType = file.type;
    }
  } else {
    fields = await body(c, v.record(v.string(), v.unknown()));
    const img = fields.image;
    const m = typeof img === "string" ? img.match(/^data:(image\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/]+=*)$/) : null;
    if (img === undefined) errors.image = ["No file was submitted."];
    else if (!m) errors.image = ["The submitted data was not a file. Send multipart/form-data, or a data:image/...;base64 URL."];
    else {
      declaredType = m[1]!;
      const b64 = m[2]!;
      if (b64.length > Math.ceil(MAX_IMAGE_BYTES / 3) * 4 + 4) errors.image = [`The image is larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MiB.`];
      else {
        try {
          image = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
        } catch {
          errors.image = ["The image is not valid base64."];
        }
      }
    }
  }
  const r = v.safeParse(meta, fields, { abortPipeEarly: true });
  if (!r.success) Object.assign(errors, issuesToDrf(r.issues));
  if (image && !errors.image) {
    const kind = sniffImage(image);
    if (image.byteLength === 0) errors.image = ["The submitted file is empty."];
    else if (image.byteLength > MAX_IMAGE_BYTES) errors.image = [`The image is larger than ${MAX_IMAGE_BYTES / 1024 / 1024} MiB.`];
    else if (!kind) errors.image = [INVALID_IMAGE];
    else if (declaredType && declaredType !== "application/octet-stream" && declaredType !== kind) {
      errors.image = [`The file's type (${declaredType}) does not match its contents (${kind}).`];
    }
  }
  if (Object.keys(errors).length || !r.success || !image) throw fieldErrors(errors);
  return { ...r.output, image, declaredType };
}

/** The offering an uploaded hyperlink names (provider or public URL, as Waldur accepts either). */
async function offeringOf(c: Context<AppEnv>, link: string): Promise<Offering> {
  const p = parseLink(link, "marketplace-provider-offerings");
  const q = p.ok ? p : parseLink(link, "marketplace-public-offerings");
  if (!q.ok) throw fieldErrors({ offering: [q.message] });
  const o = await c.var.db.select().from(offerings).where(eq(offerings.uuid, q.uuid)).get();
  if (!o) throw fieldErrors({ offering: ["Invalid hyperlink - Object does not exist."] });
  return o;
}

function serialize(c: Context<AppEnv>, s: Screenshot, o: Pick<Offering, "uuid">, customerUuid: string) {
  const base = linksFor(c).base;
  const url = `${base}${BASE}/${s.uuid}/`;
  return {
    url,
    uuid: s.uuid,
    name: s.name,
    created: s.created,
    description: s.description,
    image: `${url}image/`,
    thumbnail: null,
    offering: `${base}/api/marketplace-provider-offerings/${o.uuid}/`,
    offering_uuid: o.uuid,
    customer_uuid: customerUuid,
    content_type: s.contentType,
    size: s.size,
  };
}

/** Screenshots of offerings the caller may see: public ones, and for signed-in users those they manage. */
function visible(c: Context<AppEnv>): SQL | undefined {
  const user = c.var.user ?? null;
  const pub = publicVisible(c.var.db, user);
  if (!user) return pub;
  const managed = providerVisible(c.var.db, user);
  return managed === undefined ? undefined : or(pub, managed); // undefined: staff and support see all
}

async function findVisible(c: Context<AppEnv>) {
  const uuid = pathUuid(c.req.param("uuid"));
  const row = await c.var.db
    .select({ s: offeringScreenshots, o: offerings })
    .from(offeringScreenshots)
    .innerJoin(offerings, eq(offerings.id, offeringScreenshots.offeringId))
    .where(and(eq(offeringScreenshots.uuid, uuid), visible(c)))
    .get();
  if (!row) throw notFound();
  return row;
}

async function customerUuids(c: Context<AppEnv>, ids: number[]) {
  if (ids.length === 0) return new Map<number, string>();
  const rows = await c.var.db.select({ id: customers.id, uuid: customers.uuid }).from(customers).where(inArray(customers.id, ids)).all();
  return new Map(rows.map((r) => [r.id, r.uuid]));
}

export function mountScreenshots(app: Hono<AppEnv>) {
  app.get(`${BASE}/`, async (c) => {
    const db = c.var.db;
    const conds: (SQL | undefined)[] = [visible(c)];
    const offs = qUuids(c, "offering_uuid");
    if (offs.length) conds.push(inArray(offerings.uuid, offs));
    const link = qOne(c, "offering");
    if (link) {
      const p = parseLink(link, "marketplace-provider-offerings");
      const q = p.ok ? p : parseLink(link, "marketplace-public-offerings");
      if (!q.ok) throw fieldErrors({ offering: [q.message] });
      conds.push(eq(offerings.uuid, q.uuid));
    }
    const slugs = qAll(c, "offering_slug");
    if (slugs.length) conds.push(inArray(offerings.slug, slugs));
    const where = and(...conds);
    const p = pageOf(c);
    const total =
      (await db.select({ n: count() }).from(offeringScreenshots).innerJoin(offerings, eq(offerings.id, offeringScreenshots.offeringId)).where(where).get())?.n ?? 0;
    const rows = await db
      .select({ s: offeringScreenshots, o: offerings })
      .from(offeringScreenshots)
      .innerJoin(offerings, eq(offerings.id, offeringScreenshots.offeringId))
      .where(where)
      .orderBy(...ordering(c, { name: offeringScreenshots.name, created: offeringScreenshots.created }, [asc(offeringScreenshots.created), asc(offeringScreenshots.id)]))
      .limit(p.size)
      .offset(p.offset)
      .all();
    const custs = await customerUuids(c, [...new Set(rows.map((r) => r.o.customerId))]);
    return paginated(c, p, total, rows.map((r) => serialize(c, r.s, r.o, custs.get(r.o.customerId) ?? "")));
  });

  app.post(`${BASE}/`, async (c) => {
    const me = requireUser(c.var.user);
    const up = await readUpload(c);
    const o = await offeringOf(c, up.offering);
    if (!(await managesOffering(c.var.db, me, o))) throw permissionDenied();
    const have = (await c.var.db.select({ n: count() }).from(offeringScreenshots).where(eq(offeringScreenshots.offeringId, o.id)).get())?.n ?? 0;
    if (have >= MAX_PER_OFFERING) throw fieldErrors({ offering: [`An offering has at most ${MAX_PER_OFFERING} screenshots.`] });
    const uuid = newUuid();
    const type = sniffImage(up.image)!;
    const key = `screenshots/${o.uuid}/${uuid}`;
    const digest = hex(new Uint8Array(await crypto.subtle.digest("SHA-256", up.image as Uint8Array<ArrayBuffer>)));
    await c.env.BLOBS.put(key, up.image as Uint8Array<ArrayBuffer>, { httpMetadata: { contentType: type }, sha256: digest });
    const now = nowIso();
    let row: Screenshot;
    try {
      row = await c.var.db
        .insert(offeringScreenshots)
        .values({ uuid, offeringId: o.id, name: up.name, description: up.description, objectKey: key, contentType: type, size: up.image.byteLength, sha256: digest, created: now, modified: now })
        .returning()
        .get();
    } catch (e) {
      await c.env.BLOBS.delete(key); // no orphaned object when the row is not written
      throw e;
    }
    const custs = await customerUuids(c, [o.customerId]);
    return c.json(serialize(c, row, o, custs.get(o.customerId) ?? ""), 201);
  });

  app.get(`${BASE}/:uuid/`, async (c) => {
    const { s, o } = await findVisible(c);
    const custs = await customerUuids(c, [o.customerId]);
    return c.json(sparse(c, serialize(c, s, o, custs.get(o.customerId) ?? "")));
  });

  app.get(`${BASE}/:uuid/image/`, async (c) => {
    const { s } = await findVisible(c);
    const obj = await c.env.BLOBS.get(s.objectKey);
    if (!obj) throw notFound();
    return new Response(obj.body as ReadableStream, {
      headers: {
        "Content-Type": s.contentType,
        "Content-Length": String(s.size),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=300",
        ETag: `"${s.sha256}"`,
      },
    });
  });

  app.patch(`${BASE}/:uuid/`, async (c) => {
    const me = requireUser(c.var.user);
    const { s, o } = await findVisible(c);
    if (!(await managesOffering(c.var.db, me, o))) throw permissionDenied();
    const b = await body(c, v.partial(v.object({ name: requiredStr(150), description: str(4096) })));
    const row = await c.var.db
      .update(offeringScreenshots)
      .set({ ...(b.name !== undefined ? { name: b.name } : {}), ...(b.description !== undefined ? { description: b.description } : {}), modified: nowIso() })
      .where(eq(offeringScreenshots.id, s.id))
      .returning()
      .get();
    const custs = await customerUuids(c, [o.customerId]);
    return c.json(serialize(c, row, o, custs.get(o.customerId) ?? ""));
  });

  app.delete(`${BASE}/:uuid/`, async (c) => {
    const me = requireUser(c.var.user);
    const { s, o } = await findVisible(c);
    if (!(await managesOffering(c.var.db, me, o))) throw permissionDenied();
    await c.var.db.delete(offeringScreenshots).where(eq(offeringScreenshots.id, s.id));
    await c.env.BLOBS.delete(s.objectKey);
    return c.body(null, 204);
  });
}
