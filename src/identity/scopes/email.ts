// Email scope: a 6-digit one-time code mailed to the address (codes.ts keeps it: keyed hash only,
// 10 minutes, single use, 5 tries, newest wins, 3 sends an hour per account and per address).
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { ApiError } from "../../http/errors.ts";
import { v } from "../../http/validate.ts";
import { codeField, type CodePolicy, consumeCode, issueCode } from "./codes.ts";
import { type IdentityEnv, upsertScope } from "./common.ts";
import { configuredMail, MailSendError, sendSmtp } from "./mail.ts";

export const EMAIL_CODE_TTL_SECONDS = 600;
export const EMAIL_MAX_ATTEMPTS = 5;
export const EMAIL_SENDS_PER_HOUR = 3;

const EMAIL_POLICY: CodePolicy = {
  kind: "email",
  field: "email",
  ttlSeconds: EMAIL_CODE_TTL_SECONDS,
  maxAttempts: EMAIL_MAX_ATTEMPTS,
  sendsPerHour: EMAIL_SENDS_PER_HOUR,
};

export const emailField = () =>
  v.pipe(
    v.string("Not a valid string."),
    v.trim(),
    v.nonEmpty("This field may not be blank."),
    v.maxLength(254, "Ensure this field has no more than 254 characters."),
    v.email("Enter a valid email address."),
    v.toLowerCase(),
  );
export { codeField };

export const emailStartSchema = v.object({ email: emailField() });
export const emailVerifySchema = v.object({ email: emailField(), code: codeField() });

export async function startEmail(db: Db, env: IdentityEnv, me: User, email: string) {
  const settings = configuredMail(env, "Email verification is not configured on this deployment.");
  const deliver = (code: string) =>
    sendSmtp(settings, {
      to: email,
      subject: "Your VirtEngine verification code",
      text: `Your VirtEngine verification code is ${code}.\n\nIt expires in 10 minutes. If you did not ask for it, ignore this message.\n`,
    });
  let issued: { expiresAt: string };
  try {
    issued = await issueCode(db, env, me, EMAIL_POLICY, email, deliver);
  } catch (e) {
    if (e instanceof MailSendError) {
      console.error(`identity email: ${e.message}`);
      throw new ApiError(503, { detail: "The verification email could not be sent; try again later." });
    }
    throw e;
  }
  await upsertScope(db, me.id, "email", email, null, { status: "pending" });
  return { email, expires_at: issued.expiresAt };
}

export async function verifyEmail(db: Db, env: IdentityEnv, me: User, email: string, code: string) {
  await consumeCode(db, env, me, EMAIL_POLICY, email, code);
  return upsertScope(db, me.id, "email", email, null, { status: "verified", method: "email", verifiedAt: new Date().toISOString() }, env);
}
