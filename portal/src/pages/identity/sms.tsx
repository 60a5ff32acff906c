// The phone scope: the API texts a code to the number (E.164), typed back here.
import { s } from "../../i18n/en.ts";
import { CodeScope, type CodeScopeConfig } from "./code-scope.tsx";

// The API ignores these separators; anything else, or no leading +, it refuses.
const e164ish = (v: string) => /^\+[1-9]\d{6,14}$/.test(v.replace(/[\s().-]/g, ""));

const SMS: CodeScopeConfig = {
  id: "sms",
  title: s.identity.smsTitle,
  field: "phone_number",
  address: { label: s.identity.phone, name: "identity-phone", autoComplete: "tel", hint: s.identity.phoneHint, valid: e164ish, invalid: s.identity.phoneInvalid },
  code: { label: s.identity.smsCode, name: "identity-sms-code" },
  paths: { start: "/api/identity/sms/start/", verify: "/api/identity/sms/verify/" },
  text: { send: s.identity.smsSend, sent: s.identity.smsSent, verified: s.identity.smsVerified },
};

export const SmsScope = ({ onVerified }: { onVerified: () => void }) => <CodeScope cfg={SMS} onVerified={onVerified} />;
