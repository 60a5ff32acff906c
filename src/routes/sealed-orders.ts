// Sealed order attributes (openapi/sealed-flows.md): who to seal them to before ordering, and the
// envelope itself for its recipients. The server cannot open the envelope for a caller: the client
// opens it with its own private key and the context in the X-Envelope-* headers.
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { canOrderIn } from "../auth/access.ts";
import { requireUser } from "../auth/session.ts";
import { ApiError, fieldError, notFound, permissionDenied } from "../http/errors.ts";
import { pathUuid } from "../http/ids.ts";
import { qUuid } from "../http/list.ts";
import { findPublicOffering } from "../marketplace/catalog/queries.ts";
import { findOrder } from "../marketplace/orders/queries.ts";
import { ORDER_ATTRIBUTES_KIND, openOrderAttributes, orderAttributesRef, orderReaders, PUBLIC_ATTRIBUTES } from "../secrets/order-attributes.ts";
import { renderReaders } from "../secrets/recipients.ts";
import { envelopeResponse, isRecipient, verifyOpeningProof } from "../secrets/sealed-records.ts";
import { findProject } from "../structure/customers.ts";

export function mountSealedOrders(app: Hono<AppEnv>) {
  app.get("/api/marketplace-orders/sealing_recipients/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const offeringUuid = qUuid(c, "offering_uuid");
    if (!offeringUuid) throw fieldError("offering_uuid", "This field is required.");
    const projectUuid = qUuid(c, "project_uuid");
    if (!projectUuid) throw fieldError("project_uuid", "This field is required.");
    const offering = await findPublicOffering(db, me, offeringUuid).catch(() => {
      throw fieldError("offering_uuid", "Object does not exist.");
    });
    const project = await findProject(db, me, projectUuid).catch(() => {
      throw fieldError("project_uuid", "Object does not exist.");
    });
    if (!(await canOrderIn(db, me, project))) throw permissionDenied();
    return c.json({
      kind: ORDER_ATTRIBUTES_KIND,
      version: 1,
      public_attributes: PUBLIC_ATTRIBUTES,
      ...renderReaders(await orderReaders(db, c.env, offering, project, me)),
    });
  });

  /**
   * The full attributes in plaintext, for a Waldur-style client that presents a valid decryption:
   * X-Envelope-Proof is openingProof(header, its key, "<order uuid>:<caller uuid>") in hex. The
   * Worker checks it against its own executor-key opening and only then serves the attributes.
   */
  app.get("/api/marketplace-orders/:uuid/attributes/", async (c) => {
    const me = requireUser(c.var.user);
    const order = await findOrder(c.var.db, me, pathUuid(c.req.param("uuid")));
    const ref = await orderAttributesRef(c.var.db, order.uuid);
    if (!ref) return c.json({ uuid: order.uuid, attributes: order.attributes });
    const proof = c.req.header("x-envelope-proof") ?? "";
    if (!(await verifyOpeningProof(c.env, ref, `${order.uuid}:${me.uuid}`, proof))) {
      throw new ApiError(403, { detail: "Present X-Envelope-Proof: the opening proof of this order's attributes envelope for \"<order uuid>:<your user uuid>\" (hex)." });
    }
    return c.json({ uuid: order.uuid, attributes: await openOrderAttributes(c.env, ref, order.attributes) });
  });

  app.get("/api/marketplace-orders/:uuid/sealed_attributes/", async (c) => {
    const me = requireUser(c.var.user);
    const order = await findOrder(c.var.db, me, pathUuid(c.req.param("uuid")));
    const ref = await orderAttributesRef(c.var.db, order.uuid);
    // Only the envelope's recipients learn that it exists; staff who are not one get 404 too.
    if (!ref || !isRecipient(ref, me.uuid)) throw notFound();
    const res = await envelopeResponse(c.env, ref);
    if (!res) throw notFound();
    return res;
  });
}
