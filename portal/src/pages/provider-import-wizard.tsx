// The import wizard, as Waldur's own: credentials → remote organization → offerings → local
// category, then the import's outcome. The connection is created when the organization is chosen
// (the API checks the three things Waldur checks and seals the token then); from that moment the
// token leaves the page's memory, and later steps work through the connection.
import { useEffect, useRef, useState } from "preact/hooks";
import { list, post } from "../api/client.ts";
import type { Category, Offering, ServiceProvider } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { check, filled, REQUIRED } from "../lib/validate.ts";
import { Checkbox, FormErrors, SelectField, TextField } from "../ui/field.tsx";
import { errorsFor, useForm } from "../ui/form.ts";
import { Empty, Notice } from "../ui/states.tsx";
import { RemoteOfferingsStep } from "./provider-import-offerings.tsx";
import type { ImportResult, RemoteOrganizations, WaldurConnection } from "./provider-import-types.ts";

const t = s.waldurImport;
const CREDENTIAL_FIELDS = ["api_url", "token", "customer"];
// The API's URL rule (http or https only); it stays the judge of everything else.
const urlOk = (u: string) => /^https?:\/\/[^\s/]+/i.test(u.trim());

interface Outcome {
  result: ImportResult;
  /** The created and updated local offerings (their names), first 100. */
  offerings: Offering[];
}

export function ImportWizard({
  providers,
  categories,
  start,
  onChanged,
  onRestart,
}: {
  providers: ServiceProvider[];
  categories: Category[];
  /** An existing connection to import more from (the wizard opens at its offerings). */
  start: WaldurConnection | null;
  onChanged: () => void;
  onRestart: () => void;
}) {
  const [step, setStep] = useState(start ? 2 : 0);
  const [creds, setCreds] = useState({ customer: providers[0]!.customer, api_url: "", token: "", name: "" });
  const [orgs, setOrgs] = useState<RemoteOrganizations | null>(null);
  const [remoteOrg, setRemoteOrg] = useState("");
  const [conn, setConn] = useState<WaldurConnection | null>(start);
  const [chosen, setChosen] = useState<Map<string, string>>(new Map());
  const [category, setCategory] = useState(start?.category ?? "");
  const [autoApprove, setAutoApprove] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const form = useForm();
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);
  // Each step's heading takes the focus, so keyboard and screen-reader users start on the new step.
  useEffect(() => {
    if (first.current && !start) {
      first.current = false;
      return;
    }
    first.current = false;
    heading.current?.focus();
  }, [step]);

  const go = (n: number) => {
    form.setFields({});
    setStep(n);
  };

  const credentials = () => {
    const errs = check({
      api_url: [
        [filled(creds.api_url), REQUIRED],
        [urlOk(creds.api_url), "Enter a valid URL."],
      ],
      token: [[filled(creds.token), REQUIRED]],
    });
    if (Object.keys(errs).length) return form.setFields(errs);
    void form.run(async () => {
      const found = await post<RemoteOrganizations>("/api/waldur-connections/remote_organizations/", undefined, {
        api_url: creds.api_url.trim(),
        token: creds.token.trim(),
        customer: creds.customer,
      });
      setOrgs(found);
      if (!found.organizations.some((o) => o.uuid === remoteOrg)) {
        setRemoteOrg(found.organizations.length === 1 ? found.organizations[0]!.uuid : "");
      }
      setStep(1);
    }, CREDENTIAL_FIELDS);
  };

  const connect = () => {
    if (!remoteOrg) return form.setFields({ remote_customer_uuid: [t.chooseOrganization] });
    void form.run(
      async () => {
        try {
          const c = await post<WaldurConnection>("/api/waldur-connections/", undefined, {
            ...(filled(creds.name) ? { name: creds.name.trim() } : {}),
            api_url: creds.api_url.trim(),
            token: creds.token.trim(),
            customer: creds.customer,
            remote_customer_uuid: remoteOrg,
          });
          setCreds({ ...creds, token: "" });
          setConn(c);
          setCategory(c.category ?? "");
          setStep(2);
          onChanged();
        } catch (e) {
          // A token or URL that stopped working since the first step is fixed on the first step.
          const fields = Object.keys((e as { fields?: Record<string, string[]> }).fields ?? {});
          if (fields.some((f) => CREDENTIAL_FIELDS.includes(f))) setStep(0);
          throw e;
        }
      },
      [...CREDENTIAL_FIELDS, "remote_customer_uuid", "name"],
    );
  };

  const toCategory = () => {
    if (!chosen.size) return form.setFields({ offerings: [t.chooseOfferings] });
    go(3);
  };

  const runImport = () => {
    if (!conn) return;
    if (!category) return form.setFields({ category: [REQUIRED] });
    void form.run(async () => {
      const result = await post<ImportResult>(
        "/api/waldur-connections/{uuid}/import_offerings/",
        { uuid: conn.uuid },
        { offerings: [...chosen.keys()], category, auto_approve_remote_orders: autoApprove },
      );
      const ids = [...result.created, ...result.updated].slice(0, 100);
      const offerings = ids.length
        ? (await list<Offering>("/api/marketplace-provider-offerings/", { uuid_list: ids, page_size: 100 })).items
        : [];
      setOutcome({ result, offerings });
      setStep(4);
      onChanged();
    }, ["category", "offerings", "auto_approve_remote_orders"]);
  };

  const submit = [credentials, connect, toCategory, runImport][step];
  const chosenList = [...chosen.entries()];
  return (
    <>
      <ol class="stepper">
        {t.steps.map((n, i) => (
          <li key={n} aria-current={i === step ? "step" : undefined} class={i < step ? "done" : ""}>
            {n}
          </li>
        ))}
      </ol>
      <h2 ref={heading} tabIndex={-1}>
        {step < 4 ? `${step + 1}. ${t.steps[step]}` : t.resultHeading}
      </h2>
      {step === 4 && outcome ? (
        <Result
          outcome={outcome}
          onMore={() => {
            setChosen(new Map());
            setOutcome(null);
            go(2);
          }}
          onRestart={onRestart}
        />
      ) : (
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            submit?.();
          }}
        >
          {step === 0 && (
            <>
              {providers.length > 1 && (
                <SelectField
                  label={t.localOrganization}
                  name="wi-customer"
                  value={creds.customer}
                  onValue={(v) => setCreds({ ...creds, customer: v })}
                  options={providers.map((p) => ({ value: p.customer, label: p.customer_name }))}
                  errors={form.fields.customer}
                />
              )}
              {providers.length === 1 && (
                <>
                  <p>
                    {t.localOrganization}: <strong>{providers[0]!.customer_name}</strong>
                  </p>
                  {(form.fields.customer ?? []).map((m) => (
                    <small key={m} class="field-error" role="alert">
                      {m}
                    </small>
                  ))}
                </>
              )}
              <TextField
                label={t.apiUrl}
                name="wi-api-url"
                type="url"
                required
                placeholder="https://waldur.example.org/api/"
                hint={t.apiUrlHint}
                value={creds.api_url}
                onValue={(v) => setCreds({ ...creds, api_url: v })}
                errors={form.fields.api_url}
              />
              <TextField
                label={t.token}
                name="wi-token"
                type="password"
                autoComplete="off"
                required
                hint={t.tokenHint}
                value={creds.token}
                onValue={(v) => setCreds({ ...creds, token: v })}
                errors={form.fields.token}
              />
            </>
          )}
          {step === 1 && orgs && (
            <>
              <p>{t.remoteAs(orgs.remote_username, orgs.remote_version)}</p>
              {orgs.organizations.length ? (
                <fieldset aria-describedby={form.fields.remote_customer_uuid ? "wi-org-err" : undefined}>
                  <legend>{t.remoteOrganization}</legend>
                  {orgs.organizations.map((o) => (
                    <div key={o.uuid} class="field check">
                      <input
                        id={`wi-org-${o.uuid}`}
                        type="radio"
                        name="wi-org"
                        value={o.uuid}
                        checked={remoteOrg === o.uuid}
                        onChange={() => setRemoteOrg(o.uuid)}
                      />
                      <label for={`wi-org-${o.uuid}`}>{o.name}</label>
                    </div>
                  ))}
                  {(form.fields.remote_customer_uuid ?? []).map((m) => (
                    <small key={m} id="wi-org-err" class="field-error" role="alert">
                      {m}
                    </small>
                  ))}
                </fieldset>
              ) : (
                <Empty>{t.noOrganizations}</Empty>
              )}
              <TextField
                label={t.connectionName}
                name="wi-name"
                hint={t.connectionNameHint}
                value={creds.name}
                onValue={(v) => setCreds({ ...creds, name: v })}
                errors={form.fields.name}
              />
            </>
          )}
          {step === 2 && conn && (
            <RemoteOfferingsStep
              conn={conn}
              chosen={chosen}
              errors={errorsFor(form.fields, "offerings")}
              onToggle={(o, on) => {
                const next = new Map(chosen);
                if (on) next.set(o.uuid, o.name || o.uuid);
                else next.delete(o.uuid);
                setChosen(next);
                if (form.fields.offerings) form.setFields({});
              }}
            />
          )}
          {step === 3 && (
            <>
              <SelectField
                label={t.category}
                name="wi-category"
                required
                hint={t.categoryHint}
                value={category}
                onValue={setCategory}
                options={[
                  { value: "", label: t.chooseCategory },
                  ...categories.map((c) => ({ value: c.url, label: c.title })),
                ]}
                errors={form.fields.category}
              />
              <Checkbox
                label={t.autoApprove}
                name="wi-auto-approve"
                checked={autoApprove}
                onValue={setAutoApprove}
                errors={form.fields.auto_approve_remote_orders}
              />
              <h3>{t.toImport}</h3>
              <ul data-testid="to-import">
                {chosenList.map(([uuid, name], i) => (
                  <li key={uuid}>
                    {name}
                    {(form.fields[`offerings.${i}`] ?? []).map((m) => (
                      <small key={m} class="field-error" role="alert">
                        {m}
                      </small>
                    ))}
                  </li>
                ))}
              </ul>
              {(form.fields.offerings ?? []).map((m) => (
                <small key={m} class="field-error" role="alert">
                  {m}
                </small>
              ))}
            </>
          )}
          <FormErrors messages={form.general} />
          <div class="buttons">
            {(step === 1 || step === 3) && (
              <button type="button" disabled={form.busy} onClick={() => go(step - 1)}>
                {t.back}
              </button>
            )}
            {!(step === 1 && orgs && !orgs.organizations.length) && (
              <button type="submit" class="primary" disabled={form.busy}>
                {form.busy && step < 2 ? t.checking : step === 3 ? t.import : t.next}
              </button>
            )}
          </div>
        </form>
      )}
    </>
  );
}

function Result({ outcome, onMore, onRestart }: { outcome: Outcome; onMore: () => void; onRestart: () => void }) {
  const { result, offerings } = outcome;
  const created = new Set(result.created);
  return (
    <div data-testid="import-result">
      <Notice kind="ok">{t.summary(result.created.length, result.updated.length, result.unchanged)}</Notice>
      {offerings.length > 0 && (
        <ul>
          {offerings.map((o) => (
            <li key={o.uuid}>
              <a href={`/provider/offerings/${o.uuid}`}>{o.name}</a> ({created.has(o.uuid) ? t.created : t.updated})
            </li>
          ))}
        </ul>
      )}
      <div class="buttons">
        <button type="button" class="primary" onClick={onMore}>
          {t.moreFromConnection}
        </button>
        <button type="button" onClick={onRestart}>
          {t.startOver}
        </button>
      </div>
    </div>
  );
}
