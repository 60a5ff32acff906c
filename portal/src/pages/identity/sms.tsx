// The phone scope: the API texts a code to the number (E.164), typed back here.
import { useState } from "preact/hooks";
import { post } from "../../api/client.ts";
import { s } from "../../i18n/en.ts";
import { check } from "../../lib/validate.ts";
import { FormErrors, TextField } from "../../ui/field.tsx";
import { useForm } from "../../ui/form.ts";
import { Notice } from "../../ui/states.tsx";

// The API ignores these separators; anything else, or no leading +, it refuses.
const e164ish = (v: string) => /^\+[1-9]\d{6,14}$/.test(v.replace(/[\s().-]/g, ""));

export function SmsScope({ onVerified }: { onVerified: () => void }) {
  const [phone, setPhone] = useState("");
  const [code, setCode] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [verified, setVerified] = useState(false);
  const form = useForm();
  return (
    <section aria-labelledby="sms-h" class="panel">
      <h2 id="sms-h">{s.identity.smsTitle}</h2>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (sentTo === null) {
            const errs = check({ phone_number: [[e164ish(phone), s.identity.phoneInvalid]] });
            if (Object.keys(errs).length) return form.setFields(errs);
            void form.run(async () => {
              const r = await post<{ phone_number: string }>("/api/identity/sms/start/", undefined, {
                phone_number: phone.trim(),
              });
              setSentTo(r.phone_number);
            }, ["phone_number"]);
          } else {
            const errs = check({ code: [[/^\d{6}$/.test(code.trim()), s.identity.codeInvalid]] });
            if (Object.keys(errs).length) return form.setFields(errs);
            void form.run(async () => {
              await post("/api/identity/sms/verify/", undefined, { phone_number: phone.trim(), code: code.trim() });
              setVerified(true);
              onVerified();
            }, ["phone_number", "code"]);
          }
        }}
      >
        <TextField
          label={s.identity.phone}
          name="identity-phone"
          autoComplete="tel"
          value={phone}
          onValue={(v) => {
            setPhone(v);
            if (sentTo !== null && !verified) setSentTo(null);
          }}
          errors={form.fields.phone_number}
          hint={s.identity.phoneHint}
          required
        />
        {sentTo !== null && (
          <TextField
            label={s.identity.smsCode}
            name="identity-sms-code"
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onValue={setCode}
            errors={form.fields.code}
            required
          />
        )}
        {sentTo !== null && !verified && <Notice>{s.identity.smsSent}</Notice>}
        {verified && <Notice kind="ok">{s.identity.smsVerified}</Notice>}
        <FormErrors messages={form.general} />
        <button type="submit" disabled={form.busy} hidden={verified}>
          {sentTo !== null ? s.identity.verify : s.identity.smsSend}
        </button>
      </form>
    </section>
  );
}
