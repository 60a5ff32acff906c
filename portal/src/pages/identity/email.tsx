// The email scope: a code mailed by the API, typed back here.
import { useState } from "preact/hooks";
import { post } from "../../api/client.ts";
import { s } from "../../i18n/en.ts";
import { check, emailOk } from "../../lib/validate.ts";
import { FormErrors, TextField } from "../../ui/field.tsx";
import { useForm } from "../../ui/form.ts";
import { Notice } from "../../ui/states.tsx";

export function EmailScope({ onVerified }: { onVerified: () => void }) {
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
            const errs = check({ code: [[/^\d{6}$/.test(code.trim()), s.identity.codeInvalid]] });
            if (Object.keys(errs).length) return form.setFields(errs);
            void form.run(async () => {
              await post("/api/identity/email/verify/", undefined, { email: email.trim(), code: code.trim() });
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
        <button type="submit" disabled={form.busy} hidden={verified}>
          {sent ? s.identity.verify : s.identity.sendCode}
        </button>
      </form>
    </section>
  );
}
