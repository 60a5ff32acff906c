// The account-facing identity lifecycle: /api/identity/erasure/ (erase sealed evidence),
// /api/identity/export/ (everything held), /api/identity/appeals/ (one per period, decided by
// moderators) and /api/identity/reviews/ (manual review of borderline results, evidence re-sealed
// by an identity validator to the claiming moderator alone).
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireUser } from "../auth/session.ts";
import { ApiError, fieldError } from "../http/errors.ts";
import { pathUuid } from "../http/ids.ts";
import { body, parseWith, v } from "../http/validate.ts";
import {
  appealDecisionSchema,
  appealFor,
  appealSchema,
  decideAppeal,
  fileAppeal,
  listAppeals,
  serializeAppeal,
} from "../identity/lifecycle/appeals.ts";
import { LifecycleConfigError, lifecycleEnv } from "../identity/lifecycle/config.ts";
import type { EvidenceBucket } from "../identity/lifecycle/dispose.ts";
import { eraseAccountEvidence, erasureSchema } from "../identity/lifecycle/erasure.ts";
import { exportAccount } from "../identity/lifecycle/export.ts";
import { requireModerator } from "../identity/lifecycle/moderators.ts";
import {
  headerForValidator,
  MAX_HEADER_BYTES,
  type ResealBucket,
  resealedEnvelope,
  resealQueue,
  storeResealed,
} from "../identity/lifecycle/reseal.ts";
import {
  claimReview,
  decideReview,
  flagForReview,
  flagSchema,
  REVIEW_STATUSES,
  requireClaimant,
  reviewByUuid,
  reviewDecisionSchema,
  listReviews,
  serializeReview,
} from "../identity/lifecycle/reviews.ts";
import { identityEnv } from "../identity/scopes/common.ts";
import { callerValidator } from "../identity/scoring/attestations.ts";

const ENVELOPE_TYPES = new Set(["application/octet-stream", "application/vnd.virtengine.envelope"]);
const appealStatus = v.object({
  status: v.optional(v.picklist(["open", "decided"], (i) => `"${String(i.input)}" is not a valid choice.`)),
});
const reviewStatus = v.object({
  status: v.optional(v.picklist(REVIEW_STATUSES, (i) => `"${String(i.input)}" is not a valid choice.`)),
});

/** A deployment setting that does not parse is named, as a 503 (the request itself was fine). */
async function configured<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (!(e instanceof LifecycleConfigError)) throw e;
    console.error(`identity lifecycle: ${e.message}`);
    throw new ApiError(503, { detail: `The identity lifecycle is misconfigured: ${e.message}.` });
  }
}

/**
 * The identity validator the caller acts for. Without a configured identity network nobody is one:
 * that is a refusal of this caller (403), not an outage of the lifecycle.
 */
async function validatorCaller(
  db: AppEnv["Variables"]["db"],
  env: unknown,
  me: Parameters<typeof callerValidator>[2],
) {
  try {
    return await callerValidator(db, identityEnv(env), me);
  } catch (e) {
    if (e instanceof ApiError && e.status === 503)
      throw new ApiError(403, {
        detail:
          "Only identity validators may re-seal review evidence, and this deployment has no identity network configured.",
      });
    throw e;
  }
}

export function mountIdentityLifecycle(app: Hono<AppEnv>) {
  const bucket = (c: { env: AppEnv["Bindings"] }) => c.env.BLOBS as unknown as EvidenceBucket & ResealBucket;

  app.post("/api/identity/erasure/", async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, erasureSchema);
    return c.json(await eraseAccountEvidence(c.var.db, bucket(c), me, b));
  });

  app.get("/api/identity/export/", async (c) => {
    const me = requireUser(c.var.user);
    c.header("Content-Disposition", `attachment; filename="identity-export-${me.uuid}.json"`);
    c.header("Cache-Control", "no-store");
    return c.json(await exportAccount(c.var.db, lifecycleEnv(c.env), me));
  });

  app.get("/api/identity/appeals/", async (c) => {
    const me = requireUser(c.var.user);
    const q = parseWith(appealStatus, c.req.query());
    return c.json(await listAppeals(c.var.db, lifecycleEnv(c.env), me, q.status));
  });

  app.post("/api/identity/appeals/", async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, appealSchema);
    const a = await configured(() => fileAppeal(c.var.db, lifecycleEnv(c.env), me, b));
    return c.json(await serializeAppeal(c.var.db, lifecycleEnv(c.env), a, me.uuid, me.username), 201);
  });

  app.get("/api/identity/appeals/:uuid/", async (c) => {
    const me = requireUser(c.var.user);
    const { a, account, username } = await appealFor(c.var.db, me, pathUuid(c.req.param("uuid")));
    return c.json(
      await serializeAppeal(c.var.db, lifecycleEnv(c.env), a, account, username, me.isStaff || me.isSupport),
    );
  });

  app.post("/api/identity/appeals/:uuid/decide/", async (c) => {
    const me = requireModerator(c.var.user);
    const b = await body(c, appealDecisionSchema);
    const uuid = pathUuid(c.req.param("uuid"));
    const { appeal, review } = await decideAppeal(c.var.db, lifecycleEnv(c.env), me, uuid, b);
    const { account, username } = await appealFor(c.var.db, me, uuid);
    return c.json({
      ...(await serializeAppeal(c.var.db, lifecycleEnv(c.env), appeal, account, username, true)),
      review: review?.uuid ?? null,
    });
  });

  app.get("/api/identity/reviews/", async (c) => {
    requireModerator(c.var.user);
    const q = parseWith(reviewStatus, c.req.query());
    return c.json(await configured(() => listReviews(c.var.db, lifecycleEnv(c.env), q.status)));
  });

  app.post("/api/identity/reviews/", async (c) => {
    const me = requireModerator(c.var.user);
    const b = await body(c, flagSchema);
    return c.json(
      await serializeReview(
        c.var.db,
        lifecycleEnv(c.env),
        await flagForReview(c.var.db, lifecycleEnv(c.env), me, b),
      ),
      201,
    );
  });

  // Literal before /:uuid/.
  app.get("/api/identity/reviews/reseal/", async (c) => {
    const me = requireUser(c.var.user);
    const validator = await validatorCaller(c.var.db, c.env, me);
    return c.json(await resealQueue(c.var.db, validator));
  });

  app.get("/api/identity/reviews/:uuid/", async (c) => {
    requireModerator(c.var.user);
    return c.json(
      await serializeReview(
        c.var.db,
        lifecycleEnv(c.env),
        await reviewByUuid(c.var.db, pathUuid(c.req.param("uuid"))),
      ),
    );
  });

  app.post("/api/identity/reviews/:uuid/claim/", async (c) => {
    const me = requireModerator(c.var.user);
    return c.json(
      await serializeReview(
        c.var.db,
        lifecycleEnv(c.env),
        await claimReview(c.var.db, me, pathUuid(c.req.param("uuid"))),
      ),
    );
  });

  app.post("/api/identity/reviews/:uuid/decide/", async (c) => {
    const me = requireModerator(c.var.user);
    const b = await body(c, reviewDecisionSchema);
    return c.json(
      await serializeReview(
        c.var.db,
        lifecycleEnv(c.env),
        await decideReview(c.var.db, lifecycleEnv(c.env), bucket(c), me, pathUuid(c.req.param("uuid")), b),
      ),
    );
  });

  app.get("/api/identity/reviews/:uuid/evidence/:capture/header/", async (c) => {
    const me = requireUser(c.var.user);
    const validator = await validatorCaller(c.var.db, c.env, me);
    const header = await headerForValidator(
      c.var.db,
      bucket(c),
      validator,
      pathUuid(c.req.param("uuid")),
      pathUuid(c.req.param("capture")),
    );
    return new Response(header, {
      headers: { "Content-Type": "application/octet-stream", "Content-Length": String(header.length) },
    });
  });

  app.put("/api/identity/reviews/:uuid/evidence/:capture/", async (c) => {
    const me = requireUser(c.var.user);
    const validator = await validatorCaller(c.var.db, c.env, me);
    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (!ENVELOPE_TYPES.has(type))
      throw new ApiError(415, {
        detail: `Unsupported media type "${type}" in request; send the header as application/octet-stream.`,
      });
    const declared = Number(c.req.header("content-length") ?? "0");
    if (declared > MAX_HEADER_BYTES)
      throw new ApiError(413, { detail: `A re-wrapped header is at most ${MAX_HEADER_BYTES} bytes.` });
    const header = new Uint8Array(await c.req.arrayBuffer());
    if (header.length > MAX_HEADER_BYTES)
      throw new ApiError(413, { detail: `A re-wrapped header is at most ${MAX_HEADER_BYTES} bytes.` });
    if (!header.length) throw fieldError("header", "Send the re-wrapped envelope header as the body.");
    return c.json(
      await storeResealed(
        c.var.db,
        bucket(c),
        validator,
        pathUuid(c.req.param("uuid")),
        pathUuid(c.req.param("capture")),
        header,
      ),
      201,
    );
  });

  app.get("/api/identity/reviews/:uuid/evidence/:capture/", async (c) => {
    const me = requireModerator(c.var.user);
    const review = await reviewByUuid(c.var.db, pathUuid(c.req.param("uuid")));
    requireClaimant(review, me);
    if (review.status === "decided")
      throw new ApiError(404, { detail: "The review is decided; its re-sealed evidence was deleted." });
    const { stream, copy } = await resealedEnvelope(
      c.var.db,
      bucket(c),
      review,
      pathUuid(c.req.param("capture")),
    );
    return new Response(stream as unknown as ReadableStream, {
      headers: {
        "Content-Type": "application/vnd.virtengine.envelope",
        "Content-Length": String(copy.size),
        "X-Envelope-Sha256": copy.sha256,
        "Cache-Control": "no-store",
      },
    });
  });
}
