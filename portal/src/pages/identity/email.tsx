// The email scope: a code mailed by the API, typed back here.
import { s } from "../../i18n/en.ts";
import { emailOk } from "../../lib/validate.ts";
import { CodeScope, type CodeScopeConfig } from "./code-scope.tsx";

const EMAIL: CodeScopeConfig = {
  id: "email",
  title: s.identity.emailTitle,
  field: "email",
  address: { label: s.auth.email, name: "identity-email", type: "email", autoComplete: "email", valid: emailOk, invalid: "Enter a valid email address." },
  code: { label: s.identity.code, name: "identity-code" },
  paths: { start: "/api/identity/email/start/", verify: "/api/identity/email/verify/" },
  text: { send: s.identity.sendCode, sent: s.identity.codeSent, verified: s.identity.emailVerified },
};

export const EmailScope = ({ onVerified }: { onVerified: () => void }) => <CodeScope cfg={EMAIL} onVerified={onVerified} />;
