// The TOTP scope: setup shows the otpauth URI once as a QR code to scan, with the link and the secret
// as text for manual entry; a current code confirms it and returns recovery codes shown only then; once enabled, codes (or a
// recovery code) can be checked here.
import { useState } from "preact/hooks";
import { post } from "../../api/client.ts";
import { s } from "../../i18n/en.ts";
import { check } from "../../lib/validate.ts";
import { FormErrors, TextField } from "../../ui/field.tsx";
import { useForm } from "../../ui/form.ts";
import { QrCode } from "../../ui/qr-code.tsx";
import { Notice } from "../../ui/states.tsx";

interface Setup {
  secret: string;
  otpauth_uri: string;
}

const sixDigits = (v: string) => /^\d{6}$/.test(v.trim());

export function TotpScope({ enabled, onVerified }: { enabled: boolean; onVerified: () => void }) {
  const [recovery, setRecovery] = useState<string[] | null>(null);
  return (
    <section aria-labelledby="totp-h" class="panel">
      <h2 id="totp-h">{s.identity.totpTitle}</h2>
      {recovery ? (
        <RecoveryCodes codes={recovery} done={() => setRecovery(null)} />
      ) : enabled ? (
        <TotpCheck />
      ) : (
        <TotpSetup
          onEnabled={(codes) => {
            setRecovery(codes);
            onVerified();
          }}
        />
      )}
    </section>
  );
}

function TotpSetup({ onEnabled }: { onEnabled: (recovery: string[]) => void }) {
  const [setup, setSetup] = useState<Setup | null>(null);
  const [code, setCode] = useState("");
  const form = useForm();
  if (!setup)
    return (
      <div>
        <p>{s.identity.totpIntro}</p>
        <FormErrors messages={form.general} />
        <button
          type="button"
          disabled={form.busy}
          onClick={() => form.run(async () => setSetup(await post<Setup>("/api/identity/totp/setup/", undefined, {})))}
        >
          {s.identity.totpStart}
        </button>
      </div>
    );
  return (
    <form
      noValidate
      autoComplete="off"
      onSubmit={(e) => {
        e.preventDefault();
        const errs = check({ code: [[sixDigits(code), s.identity.codeInvalid]] });
        if (Object.keys(errs).length) return form.setFields(errs);
        void form.run(async () => {
          const r = await post<{ recovery_codes: string[] }>("/api/identity/totp/confirm/", undefined, {
            code: code.trim(),
          });
          onEnabled(r.recovery_codes);
        }, ["code"]);
      }}
    >
      <figure class="qr-figure">
        <QrCode text={setup.otpauth_uri} label={s.identity.totpQr} testId="totp-qr" />
        <figcaption>{s.identity.totpQrHint}</figcaption>
      </figure>
      <dl class="facts">
        <dt>{s.identity.totpUri}</dt>
        <dd>
          <a href={setup.otpauth_uri} data-testid="otpauth-uri">
            {setup.otpauth_uri}
          </a>
        </dd>
        <dt>{s.identity.totpSecret}</dt>
        <dd>
          <code data-testid="totp-secret">{setup.secret}</code>
        </dd>
      </dl>
      <p class="hint">{s.identity.totpUriHint}</p>
      <TextField
        label={s.identity.totpCode}
        name="totp-code"
        inputMode="numeric"
        autoComplete="one-time-code"
        value={code}
        onValue={setCode}
        errors={form.fields.code}
        required
      />
      <FormErrors messages={form.general} />
      <button type="submit" class="primary" disabled={form.busy}>
        {s.identity.totpConfirm}
      </button>
    </form>
  );
}

function RecoveryCodes({ codes, done }: { codes: string[]; done: () => void }) {
  return (
    <div>
      <Notice kind="ok">{s.identity.totpEnabled}</Notice>
      <h3>{s.identity.totpRecoveryTitle}</h3>
      <p>{s.identity.totpRecoveryIntro}</p>
      <ul class="phrase" data-testid="recovery-codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <button type="button" class="primary" onClick={done}>
        {s.identity.totpRecoveryDone}
      </button>
    </div>
  );
}

function TotpCheck() {
  const [code, setCode] = useState("");
  const [recoveryCode, setRecoveryCode] = useState("");
  const [result, setResult] = useState<string | null>(null);
  const form = useForm();
  return (
    <form
      noValidate
      autoComplete="off"
      onSubmit={(e) => {
        e.preventDefault();
        setResult(null);
        const useRecovery = recoveryCode.trim() !== "" && code.trim() === "";
        if (!useRecovery) {
          const errs = check({ code: [[sixDigits(code), s.identity.codeInvalid]] });
          if (Object.keys(errs).length) return form.setFields(errs);
        }
        void form.run(async () => {
          const r = await post<{ method: string; recovery_codes_left?: number }>(
            "/api/identity/totp/verify/",
            undefined,
            useRecovery ? { recovery_code: recoveryCode.trim() } : { code: code.trim() },
          );
          setResult(s.identity.totpChecked(r.method, r.recovery_codes_left ?? 0));
          setCode("");
          setRecoveryCode("");
        }, ["code", "recovery_code"]);
      }}
    >
      <p>{s.identity.totpVerifyIntro}</p>
      <TextField
        label={s.identity.totpCode}
        name="totp-check-code"
        inputMode="numeric"
        autoComplete="one-time-code"
        value={code}
        onValue={setCode}
        errors={form.fields.code}
      />
      <TextField
        label={s.identity.totpRecoveryCode}
        name="totp-recovery-code"
        value={recoveryCode}
        onValue={setRecoveryCode}
        errors={form.fields.recovery_code}
      />
      {result && <Notice kind="ok">{result}</Notice>}
      <FormErrors messages={form.general} />
      <button type="submit" disabled={form.busy}>
        {s.identity.totpCheck}
      </button>
    </form>
  );
}
