// /api/users/{uuid}/sealed_settings/: the account's settings as one envelope the owner seals on the
// client to their own current key and nobody else (openapi/sealed-flows.md). The server only stores
// and serves the bytes; every version must be the next one, so an old envelope cannot be replayed
// over a newer one. Anyone but the owner, staff included, gets 404.
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireUser } from "../auth/session.ts";
import { ApiError, notFound } from "../http/errors.ts";
import { pathUuid } from "../http/ids.ts";
import { listed, renderReaders, readerSet } from "../secrets/recipients.ts";
import { currentSealed, dropSealed, envelopeResponse, headerOf, readEnvelopeBody, storeEnvelopeBytes } from "../secrets/sealed-records.ts";

export const SETTINGS_KIND = "user-settings";
const MAX_SETTINGS = 1024 * 1024;

function owner(c: Context<AppEnv>) {
  const me = requireUser(c.var.user);
  if (pathUuid(c.req.param("uuid")) !== me.uuid) throw notFound();
  return me;
}

export function mountSealedSettings(app: Hono<AppEnv>) {
  const path = "/api/users/:uuid/sealed_settings/";

  app.get(path, async (c) => {
    const me = owner(c);
    const ref = await currentSealed(c.var.db, SETTINGS_KIND, me.uuid);
    const res = ref && (await envelopeResponse(c.env, ref));
    if (!res) throw notFound();
    return res;
  });

  app.get("/api/users/:uuid/sealed_settings/recipients/", async (c) => {
    const me = owner(c);
    const ref = await currentSealed(c.var.db, SETTINGS_KIND, me.uuid);
    return c.json({ kind: SETTINGS_KIND, record_id: me.uuid, version: (ref?.version ?? 0) + 1, ...renderReaders(await readerSet(c.var.db, c.env, [me.id])) });
  });

  app.put(path, async (c) => {
    const me = owner(c);
    const readers = await readerSet(c.var.db, c.env, [me.id]);
    if (!readers.keys.length) throw new ApiError(409, { detail: "Register an encryption key first: settings are sealed to your current key." });
    const bytes = await readEnvelopeBody(c.req.raw, MAX_SETTINGS);
    const header = headerOf("envelope", bytes, SETTINGS_KIND);
    if (header.context.recordId !== me.uuid) throw new ApiError(400, { envelope: ["The envelope's record id must be your user uuid."] });
    const ref = await storeEnvelopeBytes(c.var.db, c.env, header.context, bytes, { field: "envelope", required: listed(readers), allowExtra: false, maxSize: MAX_SETTINGS });
    return c.json({ kind: ref.kind, record_id: ref.recordId, version: ref.version, sha256: ref.sha256, size: ref.size }, 200);
  });

  app.delete(path, async (c) => {
    const me = owner(c);
    if (!(await currentSealed(c.var.db, SETTINGS_KIND, me.uuid))) throw notFound();
    await dropSealed(c.var.db, c.env, SETTINGS_KIND, me.uuid);
    return c.body(null, 204);
  });
}
