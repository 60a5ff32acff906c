// SMS scope: a 6-digit one-time code texted to a phone number (codes.ts keeps the code: keyed hash
// only, 10 minutes, single use, 5 tries, newest wins, 3 sends an hour per account and per number).
// The number is never stored: challenges and the scope hold a keyed hash of it, the scope list a
// masked form.
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { ApiError, fieldError } from "../../http/errors.ts";
import { v } from "../../http/validate.ts";
import { codeField, type CodePolicy, consumeCode, issueCode } from "./codes.ts";
import { type IdentityEnv, secretHash, upsertScope } from "./common.ts";
import { E164, RECIPIENT_ERROR_CODES, SmsConfigError, SmsSendError, sendSms, smsSettings } from "./sms-transport.ts";

export const SMS_CODE_TTL_SECONDS = 600;
export const SMS_MAX_ATTEMPTS = 5;
export const SMS_SENDS_PER_HOUR = 3;

const SMS_POLICY: CodePolicy = {
  kind: "sms",
  field: "phone_number",
  ttlSeconds: SMS_CODE_TTL_SECONDS,
  maxAttempts: SMS_MAX_ATTEMPTS,
  sendsPerHour: SMS_SENDS_PER_HOUR,
};

/** E.164 after removing the usual separators ("+44 20 7946-0958" → "+442079460958"). */
export const phoneField = () =>
  v.pipe(
    v.string("Not a valid string."),
    v.maxLength(32, "Ensure this field has no more than 32 characters."),
    v.transform((s) => s.replace(/[\s().-]/g, "")),
    v.nonEmpty("This field may not be blank."),
    v.regex(E164, "Enter a phone number in international format, e.g. +442079460958."),
  );

export const smsStartSchema = v.object({ phone_number: phoneField() });
export const smsVerifySchema = v.object({ phone_number: phoneField(), code: codeField() });

/** "+442079460958" → "+4••••••••••58": enough for the owner to recognise it, not to dial it. */
export const maskPhone = (e164: string) => `${e164.slice(0, 2)}${"•".repeat(e164.length - 4)}${e164.slice(-2)}`;

const phoneKey = (env: IdentityEnv, e164: string) => secretHash(env, "identity-sms-phone", e164);

export async function startSms(db: Db, env: IdentityEnv, me: User, phone: string) {
  let settings: ReturnType<typeof smsSettings>;
  try {
    settings = smsSettings(env);
  } catch (e) {
    if (!(e instanceof SmsConfigError)) throw e;
    console.error(`identity sms: ${e.message}`);
    settings = null;
  }
  if (!settings) throw new ApiError(503, { detail: "Text message verification is not configured on this deployment." });
  const configured = settings;
  const subject = await phoneKey(env, phone);
  const deliver = async (code: string) => {
    await sendSms(configured, phone, `Your VirtEngine verification code is ${code}. It expires in 10 minutes.`);
  };
  let issued: { expiresAt: string };
  try {
    issued = await issueCode(db, env, me, SMS_POLICY, subject, deliver);
  } catch (e) {
    if (!(e instanceof SmsSendError)) throw e;
    if (e.code !== null && RECIPIENT_ERROR_CODES.has(e.code)) {
      throw fieldError("phone_number", "This number cannot receive text messages.");
    }
    console.error(`identity sms: ${e.message}`);
    throw new ApiError(503, { detail: "The text message could not be sent; try again later." });
  }
  const label = maskPhone(phone);
  await upsertScope(db, me.id, "sms", subject, null, { status: "pending", label });
  return { phone_number: label, expires_at: issued.expiresAt };
}

export async function verifySms(db: Db, env: IdentityEnv, me: User, phone: string, code: string) {
  const subject = await phoneKey(env, phone);
  await consumeCode(db, env, me, SMS_POLICY, subject, code);
  return upsertScope(db, me.id, "sms", subject, null, { status: "verified", method: "sms", verifiedAt: new Date().toISOString(), label: maskPhone(phone) }, env);
}
