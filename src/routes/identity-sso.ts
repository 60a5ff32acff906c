// /api/identity/sso/…: OpenID Connect providers the deployment offers, linking an identity to the
// caller's account (the SSO scope), and password-less sign-in with a linked identity.
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { body } from "../http/validate.ts";
import { identityEnv } from "../identity/scopes/common.ts";
import { completeSso, listProviders, ssoCallbackSchema, ssoStartSchema, startSso } from "../identity/sso/flow.ts";
import { issueToken } from "./auth.ts";
import { serializeScope } from "./identity.ts";

export function mountIdentitySso(app: Hono<AppEnv>) {
  app.get("/api/identity/sso/providers/", (c) => c.json(listProviders(identityEnv(c.env))));

  app.post("/api/identity/sso/start/", async (c) => {
    const b = await body(c, ssoStartSchema);
    return c.json(await startSso(c.var.db, identityEnv(c.env), c.var.user, b.provider, b.purpose));
  });

  app.post("/api/identity/sso/callback/", async (c) => {
    const b = await body(c, ssoCallbackSchema);
    const r = await completeSso(c.var.db, identityEnv(c.env), c.var.user, b);
    if (r.kind === "link") return c.json(serializeScope(r.scope, null));
    return c.json({ token: await issueToken(c.var.db, r.user.id), user_uuid: r.user.uuid, provider: r.provider });
  });
}
