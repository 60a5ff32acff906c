// /api/identity/devices/ (capture device keys), /api/identity/capture/nonce/ and
// /api/identity/capture/ (attested ID document and selfie uploads), /api/identity/captures/ (list,
// erase).
import { desc, eq } from "drizzle-orm";
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireUser } from "../auth/session.ts";
import { identityCaptures } from "../db/schema/index.ts";
import { ApiError } from "../http/errors.ts";
import { pathUuid } from "../http/ids.ts";
import { body } from "../http/validate.ts";
import { deviceRegisterSchema, listDevices, registerDevice, revokeDevice, serializeDevice } from "../identity/capture/device-keys.ts";
import { issueNonce, nonceRequestSchema } from "../identity/capture/nonces.ts";
import { acceptCapture, CAPTURE_HEADER, type CaptureBucket, eraseCapture, parseCaptureMetadata, readCapped, serializeCapture } from "../identity/capture/upload.ts";
import { identityEnv } from "../identity/scopes/common.ts";

const IMAGE_TYPES = new Set(["image/jpeg", "image/png"]);

export function mountIdentityCapture(app: Hono<AppEnv>) {
  app.get("/api/identity/devices/", async (c) => {
    const me = requireUser(c.var.user);
    return c.json((await listDevices(c.var.db, me)).map(serializeDevice));
  });

  app.post("/api/identity/devices/", async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, deviceRegisterSchema);
    return c.json(serializeDevice(await registerDevice(c.var.db, me, b)), 201);
  });

  app.delete("/api/identity/devices/:uuid/", async (c) => {
    const me = requireUser(c.var.user);
    await revokeDevice(c.var.db, me, pathUuid(c.req.param("uuid")));
    return c.body(null, 204);
  });

  app.post("/api/identity/capture/nonce/", async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, nonceRequestSchema);
    return c.json(await issueNonce(c.var.db, identityEnv(c.env), me, b.scope), 201);
  });

  app.post("/api/identity/capture/", async (c) => {
    const declared = Number(c.req.header("content-length") ?? "0");
    // The body is read (up to the limit) before anything is refused: a refusal with the body unread
    // resets the connection, and the client would see that instead of the answer.
    const image = await readCapped(c.req.raw.body as ReadableStream<Uint8Array> | null, Number.isFinite(declared) ? declared : 0);
    const me = requireUser(c.var.user);
    const contentType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (!IMAGE_TYPES.has(contentType)) {
      throw new ApiError(415, { detail: `Unsupported media type "${contentType}" in request; send image/jpeg or image/png.` });
    }
    const metadata = parseCaptureMetadata(c.req.header(CAPTURE_HEADER));
    const row = await acceptCapture(c.var.db, c.env.BLOBS as unknown as CaptureBucket, identityEnv(c.env), me, { metadata, contentType, image });
    return c.json(serializeCapture(row), 201);
  });

  app.delete("/api/identity/captures/:uuid/", async (c) => {
    const me = requireUser(c.var.user);
    await eraseCapture(c.var.db, c.env.BLOBS as unknown as CaptureBucket, me, pathUuid(c.req.param("uuid")));
    return c.body(null, 204);
  });

  app.get("/api/identity/captures/", async (c) => {
    const me = requireUser(c.var.user);
    const rows = await c.var.db.select().from(identityCaptures).where(eq(identityCaptures.userId, me.id)).orderBy(desc(identityCaptures.id)).all();
    return c.json(rows.map(serializeCapture));
  });
}
