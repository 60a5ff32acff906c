// /api/identity/scoring/…: what an identity validator's scorer (npm run scorer) calls.
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireUser } from "../auth/session.ts";
import { ApiError } from "../http/errors.ts";
import { pathUuid } from "../http/ids.ts";
import { body } from "../http/validate.ts";
import { identityEnv } from "../identity/scopes/common.ts";
import { attestationSchema, callerValidator, captureFor, pendingFor, recordAttestation, serializeAttestation } from "../identity/scoring/attestations.ts";
import { dueScores, recordScore, scoreSchema, serializeScore } from "../identity/scoring/scores.ts";

export function mountIdentityScoring(app: Hono<AppEnv>) {
  app.get("/api/identity/scoring/pending/", async (c) => {
    const me = requireUser(c.var.user);
    const validator = await callerValidator(c.var.db, identityEnv(c.env), me);
    return c.json(await pendingFor(c.var.db, validator));
  });

  app.get("/api/identity/scoring/captures/:uuid/envelope/", async (c) => {
    const me = requireUser(c.var.user);
    const validator = await callerValidator(c.var.db, identityEnv(c.env), me);
    const capture = await captureFor(c.var.db, validator, pathUuid(c.req.param("uuid")));
    const obj = await c.env.BLOBS.get(capture.objectKey);
    if (!obj) throw new ApiError(404, { detail: "The sealed evidence is gone (erased or expired)." });
    return new Response(obj.body as unknown as ReadableStream, {
      headers: { "Content-Type": "application/vnd.virtengine.envelope", "Content-Length": String(obj.size), "X-Envelope-Sha256": capture.envelopeSha256 },
    });
  });

  app.post("/api/identity/scoring/attestations/", async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, attestationSchema);
    const validator = await callerValidator(c.var.db, identityEnv(c.env), me);
    const r = await recordAttestation(c.var.db, validator, b);
    return c.json(serializeAttestation(r.row, r.document.uuid, r.selfie.uuid), 201);
  });

  app.get("/api/identity/scoring/due/", async (c) => {
    const me = requireUser(c.var.user);
    const validator = await callerValidator(c.var.db, identityEnv(c.env), me);
    return c.json(await dueScores(c.var.db, validator));
  });

  app.post("/api/identity/scoring/scores/", async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, scoreSchema);
    const validator = await callerValidator(c.var.db, identityEnv(c.env), me);
    return c.json(serializeScore(await recordScore(c.var.db, validator, b), b.account), 201);
  });
}
