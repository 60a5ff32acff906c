// A scope verified by a one-time code the API sends to an address (email, phone): the address is
// checked here as the API checks it, sent to `start`, and the code typed back to `verify`.
import { useState } from "preact/hooks";
import { type PathWith, post } from "../../api/client.ts";
import { s } from "../../i18n/en.ts";
import { check } from "../../lib/validate.ts";
import { FormErrors, TextField } from "../../ui/field.tsx";
import { useForm } from "../../ui/form.ts";
import { Notice } from "../../ui/states.tsx";

export interface CodeScopeConfig {
  id: string;
  title: string;
  /** The API's field for the address (its errors come back under this name). */
  field: string;
  address: { label: string; name: string; type?: "email" | "text"; autoComplete: string; hint?: string; valid(v: string): boolean; invalid: string };
  code: { label: string; name: string };
  paths: { start: PathWith<"post">; verify: PathWith<"post"> };
  text: { send: string; sent: string; verified: string };
}

export function CodeScope({ cfg, onVerified }: { cfg: CodeScopeConfig; onVerified: () => void }) {
  const [address, setAddress] = useState("");
  const [code, setCode] = useState("");
  const [sent, setSent] = useState(false);
  const [verified, setVerified] = useState(false);
  const form = useForm();
  const body = () => ({ [cfg.field]: address.trim() });
  return (
    <section aria-labelledby={`${cfg.id}-h`} class="panel">
      <h2 id={`${cfg.id}-h`}>{cfg.title}</h2>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!sent) {
            const errs = check({ [cfg.field]: [[cfg.address.valid(address), cfg.address.invalid]] });
            if (Object.keys(errs).length) return form.setFields(errs);
            void form.run(async () => {
              await post(cfg.paths.start, undefined, body());
              setSent(true);
            }, [cfg.field]);
          } else {
            const errs = check({ code: [[/^\d{6}$/.test(code.trim()), s.identity.codeInvalid]] });
            if (Object.keys(errs).length) return form.setFields(errs);
            void form.run(async () => {
              await post(cfg.paths.verify, undefined, { ...body(), code: code.trim() });
              setVerified(true);
              onVerified();
            }, [cfg.field, "code"]);
          }
        }}
      >
        <TextField
          label={cfg.address.label}
          name={cfg.address.name}
          type={cfg.address.type}
          autoComplete={cfg.address.autoComplete}
          value={address}
          onValue={(v) => {
            setAddress(v);
            // A changed address needs a new code.
            if (sent && !verified) setSent(false);
          }}
          errors={form.fields[cfg.field]}
          hint={cfg.address.hint}
          required
        />
        {sent && (
          <TextField
            label={cfg.code.label}
            name={cfg.code.name}
            inputMode="numeric"
            autoComplete="one-time-code"
            value={code}
            onValue={setCode}
            errors={form.fields.code}
            required
          />
        )}
        {sent && !verified && <Notice>{cfg.text.sent}</Notice>}
        {verified && <Notice kind="ok">{cfg.text.verified}</Notice>}
        <FormErrors messages={form.general} />
        <button type="submit" disabled={form.busy} hidden={verified}>
          {sent ? s.identity.verify : cfg.text.send}
        </button>
      </form>
    </section>
  );
}
