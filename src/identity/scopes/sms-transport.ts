// Text messages through a Twilio-compatible Messages API: POST
// {api}/2010-04-01/Accounts/{AccountSid}/Messages.json, form-encoded To/From (or
// MessagingServiceSid)/Body, HTTP basic auth AccountSid:AuthToken; 201 with the Message resource,
// errors as {code, message, more_info, status}. Configured by the deployment:
//   VE_SMS_ACCOUNT_SID   AC… (unset = SMS scope off, 503)
//   VE_SMS_AUTH_TOKEN    Worker secret
//   VE_SMS_FROM          sender number (E.164) or alphanumeric sender id, or
//   VE_SMS_MESSAGING_SERVICE_SID  MG… instead of a sender
//   VE_SMS_API_URL       default https://api.twilio.com; plain http only to loopback in local mode
// Neither the number nor the body (it holds the code) is ever logged.
import type { IdentityEnv } from "./common.ts";

export interface SmsSettings {
  apiUrl: string;
  accountSid: string;
  authToken: string;
  from?: string;
  messagingServiceSid?: string;
}

export class SmsConfigError extends Error {}
/** The provider refused or failed; `code` is its error code when it gave one. */
export class SmsSendError extends Error {
  constructor(
    message: string,
    readonly code: number | null = null,
  ) {
    super(message);
  }
}

/** Provider codes that mean "this destination cannot take the message", i.e. the user's input. */
export const RECIPIENT_ERROR_CODES = new Set([21211, 21408, 21610, 21612, 21614]);

export const E164 = /^\+[1-9]\d{6,14}$/;
const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
const ALPHA_SENDER = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
const MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

const str = (env: IdentityEnv, name: string) => {
  const val = env[name];
  return typeof val === "string" && val.trim() !== "" ? val.trim() : undefined;
};

/** The configured provider, null when SMS is not configured, SmsConfigError when misconfigured. */
export function smsSettings(env: IdentityEnv): SmsSettings | null {
  const accountSid = str(env, "VE_SMS_ACCOUNT_SID");
  if (!accountSid) return null;
  if (!ACCOUNT_SID.test(accountSid)) throw new SmsConfigError("VE_SMS_ACCOUNT_SID must be AC followed by 32 hex digits");
  const authToken = str(env, "VE_SMS_AUTH_TOKEN");
  if (!authToken) throw new SmsConfigError("VE_SMS_AUTH_TOKEN (a Worker secret) is not set");
  const from = str(env, "VE_SMS_FROM");
  const messagingServiceSid = str(env, "VE_SMS_MESSAGING_SERVICE_SID");
  if (!from && !messagingServiceSid) throw new SmsConfigError("set VE_SMS_FROM or VE_SMS_MESSAGING_SERVICE_SID");
  if (from && !E164.test(from) && !ALPHA_SENDER.test(from)) throw new SmsConfigError("VE_SMS_FROM must be an E.164 number or an alphanumeric sender id");
  if (messagingServiceSid && !SERVICE_SID.test(messagingServiceSid)) throw new SmsConfigError("VE_SMS_MESSAGING_SERVICE_SID must be MG followed by 32 hex digits");
  const rawUrl = str(env, "VE_SMS_API_URL") ?? "https://api.twilio.com";
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new SmsConfigError("VE_SMS_API_URL is not a URL");
  }
  const plaintextOk = env.VE_MODE === "local" && url.protocol === "http:" && LOOPBACK.has(url.hostname);
  if (url.protocol !== "https:" && !plaintextOk) throw new SmsConfigError("VE_SMS_API_URL must be https (http only to loopback in local mode)");
  return { apiUrl: url.origin + url.pathname.replace(/\/+$/, ""), accountSid, authToken, from, messagingServiceSid };
}

const b64 = (s: string) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

/** Sends one message; resolves with the provider's message sid. */
export async function sendSms(s: SmsSettings, to: string, body: string): Promise<{ sid: string; status: string }> {
  const form = new URLSearchParams({ To: to, Body: body });
  if (s.messagingServiceSid) form.set("MessagingServiceSid", s.messagingServiceSid);
  else form.set("From", s.from!);
  let res: Response;
  try {
    res = await fetch(`${s.apiUrl}/2010-04-01/Accounts/${s.accountSid}/Messages.json`, {
      method: "POST",
      headers: {
        Authorization: `Basic ${b64(`${s.accountSid}:${s.authToken}`)}`,
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/json",
      },
      body: form.toString(),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (e) {
    throw new SmsSendError(`SMS provider unreachable: ${(e as Error).name}`);
  }
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = await res.json();
    if (parsed && typeof parsed === "object") json = parsed as Record<string, unknown>;
  } catch {
    // a non-JSON reply is judged by its status below
  }
  if (res.status !== 201 && res.status !== 200) {
    const code = typeof json.code === "number" ? json.code : null;
    throw new SmsSendError(`SMS provider answered ${res.status}${code ? ` (error ${code})` : ""}`, code);
  }
  const sid = typeof json.sid === "string" ? json.sid : "";
  if (!MESSAGE_SID.test(sid)) throw new SmsSendError("SMS provider answered without a message sid");
  const status = typeof json.status === "string" ? json.status : "";
  if (status === "failed" || status === "undelivered" || status === "canceled") throw new SmsSendError(`SMS provider reports the message ${status}`);
  return { sid, status };
}
