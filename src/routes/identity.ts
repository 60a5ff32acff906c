// /api/identity/…: the caller's identity scopes (issue 7). Email and SMS codes, TOTP and provider
// domains live in src/identity/scopes/; this module validates input and maps results to responses.
import { and, desc, eq } from "drizzle-orm";
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireUser } from "../auth/session.ts";
import { customers, identityScopes } from "../db/schema/index.ts";
import { body, v } from "../http/validate.ts";
import { identityEnv } from "../identity/scopes/common.ts";
import { confirmTotp, regenerateRecoveryCodes, setupTotp, totpConfirmSchema, totpVerifySchema, verifyTotp } from "../identity/scopes/totp.ts";
import { domainStartSchema, domainVerifySchema, insecureChecks, startDomain, verifyDomain } from "../identity/scopes/domain.ts";
import { emailStartSchema, emailVerifySchema, startEmail, verifyEmail } from "../identity/scopes/email.ts";
import { mountIdentityCapture } from "./identity-capture.ts";
import { mountIdentityScoring } from "./identity-scoring.ts";
import { mountIdentitySso } from "./identity-sso.ts";
import { smsStartSchema, smsVerifySchema, startSms, verifySms } from "../identity/scopes/sms.ts";

type ScopeRow = typeof identityScopes.$inferSelect;

export function serializeScope(s: ScopeRow, customerUuid: string | null) {
  return {
    uuid: s.uuid,
    scope: s.kind,
    // Hashed subjects (phone numbers, SSO identities) are shown by their label.
    subject: s.label || s.subject,
    ...(s.kind === "domain" ? { customer_uuid: customerUuid } : {}),
    status: s.status,
    method: s.method || null,
    verified_at: s.verifiedAt,
    created: s.created,
  };
}

export function mountIdentity(app: Hono<AppEnv>) {
  mountIdentitySso(app);
  mountIdentityCapture(app);
  mountIdentityScoring(app);
  app.get("/api/identity/scopes/", async (c) => {
    const me = requireUser(c.var.user);
    const rows = await c.var.db
      .select({ s: identityScopes, cu: customers.uuid })
      .from(identityScopes)
      .leftJoin(customers, eq(customers.id, identityScopes.customerId))
      .where(and(eq(identityScopes.userId, me.id)))
      .orderBy(desc(identityScopes.id))
      .all();
    return c.json(rows.map((r) => serializeScope(r.s, r.cu)));
  });

  app.post("/api/identity/email/start/", async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, emailStartSchema);
    const r = await startEmail(c.var.db, identityEnv(c.env), me, b.email);
    return c.json({ detail: "A verification code was sent.", ...r });
  });

  app.post("/api/identity/email/verify/", async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, emailVerifySchema);
    const s = await verifyEmail(c.var.db, identityEnv(c.env), me, b.email, b.code);
    return c.json(serializeScope(s, null));
  });

  app.post("/api/identity/sms/start/", async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, smsStartSchema);
    const r = await startSms(c.var.db, identityEnv(c.env), me, b.phone_number);
    return c.json({ detail: "A verification code was sent.", ...r });
  });

  app.post("/api/identity/sms/verify/", async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, smsVerifySchema);
    const s = await verifySms(c.var.db, identityEnv(c.env), me, b.phone_number, b.code);
    return c.json(serializeScope(s, null));
  });

  app.post("/api/identity/totp/setup/", async (c) => {
    const me = requireUser(c.var.user);
    await body(c, v.object({}));
    return c.json(await setupTotp(c.var.db, identityEnv(c.env), me));
  });

  app.post("/api/identity/totp/confirm/", async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, totpConfirmSchema);
    const r = await confirmTotp(c.var.db, identityEnv(c.env), me, b.code);
    return c.json({ ...serializeScope(r.scope, null), recovery_codes: r.recovery_codes });
  });

  app.post("/api/identity/totp/recovery_codes/", async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, totpConfirmSchema);
    return c.json(await regenerateRecoveryCodes(c.var.db, identityEnv(c.env), me, b.code));
  });

  app.post("/api/identity/totp/verify/", async (c) => {
    const me = requireUser(c.var.user);
    const b = await body(c, totpVerifySchema);
    return c.json(await verifyTotp(c.var.db, identityEnv(c.env), me, b));
  });

  app.post("/api/identity/domain/start/", async (c) => {
    const me = requireUser(c.var.user);
    const env = identityEnv(c.env);
    const b = await body(c, domainStartSchema(insecureChecks(env)));
    return c.json(await startDomain(c.var.db, env, me, b.domain, b.customer));
  });

  app.post("/api/identity/domain/verify/", async (c) => {
    const me = requireUser(c.var.user);
    const env = identityEnv(c.env);
    const b = await body(c, domainVerifySchema(insecureChecks(env)));
    const r = await verifyDomain(c.var.db, env, me, b.domain, b.customer, b.method);
    return c.json(serializeScope(r.scope, r.customerUuid));
  });
}
