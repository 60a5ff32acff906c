// Provider plugin credentials (openapi/sealed-flows.md, "Offering secret options"): the provider's
// authorisation of the Worker's executor key for its plugins, whom to seal an offering's secret
// options to, and the sealed secret options for their recipients to read back on their client.
// Setting them is update_integration / the offering create in offerings.ts.
import { eq } from "drizzle-orm";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { PROVIDER_ROLES, seesEverything } from "../auth/access.ts";
import { requireUser, type User } from "../auth/session.ts";
import { customers, serviceProviders, users } from "../db/schema/index.ts";
import { notFound, permissionDenied } from "../http/errors.ts";
import { pathUuid } from "../http/ids.ts";
import { body, requiredStr, v } from "../http/validate.ts";
import { findProviderOffering } from "../marketplace/catalog/queries.ts";
import {
  AUTHORISING_ROLES,
  authorisationOf,
  authoriseExecutorKey,
  SECRET_OPTIONS_KIND,
  secretOptionsReaders,
  storedSecretOptions,
  withdrawAuthorisation,
} from "../secrets/offering-secrets.ts";
import { executorKey, grantHolders, renderReaders } from "../secrets/recipients.ts";

const PROVIDERS = "/api/marketplace-service-providers";
const OFFERINGS = "/api/marketplace-provider-offerings";

/** The provider organization behind a service provider uuid, for people who act for it (404 to anyone else). */
async function providerOf(c: Context<AppEnv>, me: User): Promise<{ customerId: number }> {
  const db = c.var.db;
  const row = await db
    .select({ customerId: customers.id })
    .from(serviceProviders)
    .innerJoin(customers, eq(customers.id, serviceProviders.customerId))
    .where(eq(serviceProviders.uuid, pathUuid(c.req.param("uuid"))))
    .get();
  if (!row) throw notFound();
  if (!seesEverything(me) && !(await grantHolders(db, [{ type: "customer", id: row.customerId, roles: PROVIDER_ROLES }])).includes(me.id)) throw notFound();
  return row;
}

async function requireOwner(c: Context<AppEnv>, me: User, customerId: number): Promise<void> {
  const owners = await grantHolders(c.var.db, [{ type: "customer", id: customerId, roles: AUTHORISING_ROLES }]);
  if (!owners.includes(me.id)) throw permissionDenied("Only the organization's owners authorise an executor key for its plugins.");
}

async function renderAuthorisation(c: Context<AppEnv>, customerId: number) {
  const [current, auth] = await Promise.all([executorKey(c.env), authorisationOf(c.var.db, customerId)]);
  const by = auth?.authorisedById ? await c.var.db.select({ uuid: users.uuid }).from(users).where(eq(users.id, auth.authorisedById)).get() : undefined;
  return {
    executor_key: { holder: current.holder, key_id: current.keyId, key_version: current.keyVersion, public_key: current.publicKey },
    authorised: auth ? { key_id: auth.keyId, key_version: auth.keyVersion, authorised_by_uuid: by?.uuid ?? null, created: auth.created } : null,
    current_key_authorised: auth?.keyId === current.keyId,
  };
}

export function mountOfferingSecrets(app: Hono<AppEnv>) {
  app.get(`${PROVIDERS}/:uuid/executor_key/`, async (c) => {
    const me = requireUser(c.var.user);
    const { customerId } = await providerOf(c, me);
    return c.json(await renderAuthorisation(c, customerId));
  });

  app.post(`${PROVIDERS}/:uuid/executor_key/`, async (c) => {
    const me = requireUser(c.var.user);
    const { customerId } = await providerOf(c, me);
    await requireOwner(c, me, customerId);
    const b = await body(c, v.object({ key_id: v.pipe(requiredStr(64), v.regex(/^[0-9a-f]{64}$/, "Enter the executor key id: 64 lowercase hex digits.")) }));
    await authoriseExecutorKey(c.var.db, c.env, customerId, me.id, b.key_id);
    return c.json(await renderAuthorisation(c, customerId));
  });

  app.delete(`${PROVIDERS}/:uuid/executor_key/`, async (c) => {
    const me = requireUser(c.var.user);
    const { customerId } = await providerOf(c, me);
    await requireOwner(c, me, customerId);
    if (!(await withdrawAuthorisation(c.var.db, customerId))) throw notFound();
    return c.body(null, 204);
  });

  app.get(`${OFFERINGS}/:uuid/sealed_secret_options/recipients/`, async (c) => {
    const me = requireUser(c.var.user);
    const o = await findProviderOffering(c.var.db, me, pathUuid(c.req.param("uuid")));
    const [readers, auth, current] = await Promise.all([secretOptionsReaders(c.var.db, c.env, o), authorisationOf(c.var.db, o.customerId), executorKey(c.env)]);
    return c.json({ kind: SECRET_OPTIONS_KIND, record_id: o.uuid, version: 1, executor_key_authorised: auth?.keyId === current.keyId, ...renderReaders(readers) });
  });

  app.get(`${OFFERINGS}/:uuid/sealed_secret_options/`, async (c) => {
    const me = requireUser(c.var.user);
    const o = await findProviderOffering(c.var.db, me, pathUuid(c.req.param("uuid")));
    const stored = await storedSecretOptions(c.var.db, c.env, o);
    // Only the envelope's recipients learn that it exists; staff who are not one get 404 too.
    if (!stored?.recipients.some((r) => r.holder === me.uuid)) throw notFound();
    return new Response(stored.bytes as Uint8Array<ArrayBuffer>, {
      status: 200,
      headers: {
        "Content-Type": "application/octet-stream",
        "Content-Length": String(stored.bytes.length),
        "Cache-Control": "no-store",
        "X-Envelope-Kind": SECRET_OPTIONS_KIND,
        "X-Envelope-Record-Id": o.uuid,
        "X-Envelope-Version": "1",
      },
    });
  });
}
