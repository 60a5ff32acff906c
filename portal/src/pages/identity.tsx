// Identity verification: each scope the account has proven (or started) and the email flow — a
// code mailed by the API, typed back here.
import { useState } from "preact/hooks";
import { list, post } from "../api/client.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { check, emailOk, REQUIRED } from "../lib/validate.ts";
import { FormErrors, TextField } from "../ui/field.tsx";
import { useForm } from "../ui/form.ts";
import { StateBadge, when } from "../ui/format.tsx";
import { AsyncView, Empty, Notice } from "../ui/states.tsx";

interface Scope {
  uuid: string;
  scope: string;
  subject: string;
  status: string;
  method: string | null;
  verified_at: string | null;
}

export function Identity() {
  const scopes = useAsync(() => list<Scope>("/api/identity/scopes/"), []);
  return (
    <section>
      <h1>{s.identity.title}</h1>
      <AsyncView a={scopes}>
        {(page) => {
          const verified = page.items.filter((x) => x.status === "verified");
          return (
            <>
              <p class="figure" data-testid="verified-count">
                {s.identity.verifiedCount(new Set(verified.map((x) => x.scope)).size)}
              </p>
              {page.items.length ? (
                <table>
                  <caption>{s.identity.scopes}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{s.identity.scope}</th>
                      <th scope="col">{s.identity.subject}</th>
                      <th scope="col">{s.identity.status}</th>
                      <th scope="col">{s.identity.verifiedAt}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {page.items.map((x) => (
                      <tr key={x.uuid}>
                        <td data-label={s.identity.scope}>{x.scope}</td>
                        <td data-label={s.identity.subject}>{x.subject}</td>
                        <td data-label={s.identity.status}>
                          <StateBadge state={x.status} />
                        </td>
                        <td data-label={s.identity.verifiedAt}>{when(x.verified_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : (
                <Empty>{s.identity.none}</Empty>
              )}
            </>
          );
        }}
      </AsyncView>
      <EmailScope onVerified={scopes.reload} />
    </section>
  );
}

function EmailScope({ onVerified }: { onVerified: () => void }) {
  const [email, setEmail] = useState("");
  const [code, setCode] = useState("");
  const [sent, setSent] = useState(false);
  const [verified, setVerified] = useState(false);
  const form = useForm();
  return (
    <section aria-labelledby="email-h" class="panel">
      <h2 id="email-h">{s.identity.emailTitle}</h2>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!sent) {
            const errs = check({ email: [[emailOk(email), "Enter a valid email address."]] });
            if (Object.keys(errs).length) return form.setFields(errs);
            void form.run(async () => {
              await post("/api/identity/email/start/", undefined, { email: email.trim() });
              setSent(true);
            }, ["email"]);
          } else {
            const errs = check({ code: [[/^\d{6}$/.test(code.trim()), REQUIRED]] });
            if (Object.keys(errs).length) return form.setFields(errs);
            void form.run(async () => {
              await post("/api/identity/email/verify/", undefined, {
                email: email.trim(),
                code: code.trim(),
              });
              setVerified(true);
              onVerified();
            }, ["email", "code"]);
          }
        }}
      >
        <TextField
          label={s.auth.email}
          name="identity-email"
          type="email"
          autoComplete="email"
          value={email}
          onValue={setEmail}
          errors={form.fields.email}
          required
        />
        {sent && (
          <TextField
            label={s.identity.code}
            name="identity-code"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onValue={setCode}
            errors={form.fields.code}
            required
          />
        )}
        {sent && !verified && <Notice>{s.identity.codeSent}</Notice>}
        {verified && <Notice kind="ok">{s.identity.emailVerified}</Notice>}
        <FormErrors messages={form.general} />
        <button type="submit" disabled={form.busy}>
          {sent ? s.identity.verify : s.identity.sendCode}
        </button>
      </form>
    </section>
  );
}
