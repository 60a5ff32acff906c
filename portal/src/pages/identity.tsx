// Identity verification: each scope the account has proven (or started) with the identity score,
// and the flows that prove them: email and SMS codes, an authenticator app (TOTP), and the
// attested document and selfie capture with the camera; linked single sign-on identities and the
// domains proven for the caller's organizations.
import { useState } from "preact/hooks";
import { list } from "../api/client.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { CaptureSection } from "./identity/capture.tsx";
import { CapturesList } from "./identity/captures.tsx";
import { DomainScope } from "./identity/domain.tsx";
import { EmailScope } from "./identity/email.tsx";
import { type Scope, ScopesTable, ScorePanel } from "./identity/scopes.tsx";
import { SmsScope } from "./identity/sms.tsx";
import { SsoScope } from "./identity/sso.tsx";
import { TotpScope } from "./identity/totp.tsx";

export function Identity() {
  const scopes = useAsync(() => list<Scope>("/api/identity/scopes/"), []);
  const [captured, setCaptured] = useState(0);
  const reload = () => {
    scopes.reload();
    setCaptured((n) => n + 1);
  };
  const totpEnabled =
    scopes.status === "ok" && scopes.data.items.some((x) => x.scope === "totp" && x.status === "verified");
  return (
    <section class="identity">
      <h1>{s.identity.title}</h1>
      <ScopesTable scopes={scopes} />
      <ScorePanel refresh={captured} />
      <EmailScope onVerified={scopes.reload} />
      <SmsScope onVerified={scopes.reload} />
      {scopes.status === "ok" && <TotpScope enabled={totpEnabled} onVerified={scopes.reload} />}
      {scopes.status === "ok" && <SsoScope scopes={scopes.data.items} />}
      {scopes.status === "ok" && <DomainScope scopes={scopes.data.items} onVerified={scopes.reload} />}
      <CaptureSection onUploaded={reload} />
      <CapturesList refresh={captured} />
    </section>
  );
}
