// Add offering: overview → description → management (plugin type and its settings) → accounting
// (components and plans) → review. One POST /api/marketplace-provider-offerings/ at the end; its
// field errors send the user back to the step holding that field. Secret options need the
// organization's authorisation of the plugin executor key (shown and given in the management step);
// with an encryption key in this browser they are sealed here and sent with update_integration
// once the offering exists, otherwise sent in plaintext for the server to seal.
import { useState } from "preact/hooks";
import { ApiFailure, get, list, post } from "../api/client.ts";
import { refreshProviderAccess } from "../auth/provider-access.ts";
import { currentUser } from "../auth/session.ts";
import type { Category, Offering, ServiceProvider } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { myProviders } from "../lib/provider.ts";
import { navigate } from "../lib/router.ts";
import { check, decimalOk, filled, REQUIRED } from "../lib/validate.ts";
import { FormErrors, SelectField, TextArea, TextField } from "../ui/field.tsx";
import { errorsFor, useForm } from "../ui/form.ts";
import { AsyncView, Empty, Notice } from "../ui/states.tsx";
import { ExecutorKeyPanel, loadExecutorKey } from "./provider-executor-key.tsx";
import { fromB64url, toB64url } from "../lib/base64url.ts";

const BILLING_TYPES = ["limit", "usage", "fixed", "one"];
const BILLING_UNITS = ["month", "day", "hour", "half_month", "quarter", "quantity"];

interface ComponentRow {
  type: string;
  name: string;
  measured_unit: string;
  billing_type: string;
  max_value: string;
}
interface PlanRow {
  name: string;
  unit: string;
  prices: Record<string, string>;
}
interface Draft {
  customer: string;
  name: string;
  category: string;
  description: string;
  full_description: string;
  getting_started: string;
  terms: string;
  privacy_policy_link: string;
  access_url: string;
  type: string;
  secrets: { name: string; value: string }[];
  plugin_options: string;
  components: ComponentRow[];
  plans: PlanRow[];
}

/** Which step holds each field the API may name. */
const STEP_OF: [string, number][] = [
  ["customer", 0],
  ["name", 0],
  ["category", 0],
  ["description", 1],
  ["full_description", 1],
  ["getting_started", 1],
  ["attributes", 1],
  ["privacy_policy_link", 1],
  ["access_url", 1],
  ["type", 2],
  ["plugin_options", 2],
  ["secret_options", 2],
  ["secret_options_envelope", 2],
  ["components", 3],
  ["plans", 3],
];
const stepOf = (field: string) => STEP_OF.find(([f]) => field === f || field.startsWith(`${f}.`))?.[1];

interface SealingRecipients {
  kind: string;
  record_id: string;
  version: number;
  recipients: { public_key: string; key_version: number }[];
  readers_without_key: string[];
}

/**
 * Seals the secret options in this browser to the readers the API lists for the offering (its
 * organization's owners and the executor key) and sends only the envelope.
 */
async function sendSealedSecrets(offeringUuid: string, secrets: Record<string, string>): Promise<void> {
  const dir = await get<SealingRecipients>(
    "/api/marketplace-provider-offerings/{uuid}/sealed_secret_options/recipients/",
    { uuid: offeringUuid },
  );
  const { seal } = await import("../../../src/crypto/index.ts");
  const plaintext = new TextEncoder().encode(JSON.stringify(secrets));
  let envelope: Uint8Array;
  try {
    envelope = await seal(plaintext, {
      context: { kind: dir.kind, recordId: dir.record_id, version: dir.version },
      recipients: dir.recipients.map((r) => ({ publicKey: fromB64url(r.public_key), keyVersion: r.key_version })),
    });
  } finally {
    plaintext.fill(0);
  }
  await post("/api/marketplace-provider-offerings/{uuid}/update_integration/", { uuid: offeringUuid }, {
    secret_options_envelope: toB64url(envelope),
  });
}

/** Does this browser hold an encryption key for the signed-in user? */
async function browserHasKey(): Promise<boolean> {
  const me = currentUser();
  if (!me) return false;
  const { loadKey } = await import("../crypto/keystore.ts");
  return !!(await loadKey(me.uuid).catch(() => null));
}

export function OfferingWizard() {
  const data = useAsync(
    async () => ({
      providers: await myProviders(),
      categories: (await list<Category>("/api/marketplace-categories/", { page_size: 100, o: "title" }))
        .items,
      types: (await list<{ offering_type: string }>("/api/marketplace-plugins/")).items.map(
        (p) => p.offering_type,
      ),
    }),
    [],
  );
  return (
    <section>
      <h1>{s.wizard.title}</h1>
      <AsyncView a={data}>
        {(d) => (d.providers.length ? <Wizard {...d} /> : <RegisterProvider onDone={data.reload} />)}
      </AsyncView>
    </section>
  );
}

/** A user without a provider organization creates one and registers it as a service provider. */
function RegisterProvider({ onDone }: { onDone: () => void }) {
  const [name, setName] = useState("");
  const form = useForm();
  return (
    <form
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        if (!filled(name)) return form.setFields({ name: [REQUIRED] });
        void form.run(async () => {
          const customer = await post<{ url: string }>("/api/customers/", undefined, { name: name.trim() });
          await post("/api/marketplace-service-providers/", undefined, { customer: customer.url });
          refreshProviderAccess();
          onDone();
        }, ["name"]);
      }}
    >
      <Empty>{s.wizard.noOrganization}</Empty>
      <TextField
        label={s.wizard.orgName}
        name="org-name"
        value={name}
        onValue={setName}
        errors={form.fields.name}
        required
      />
      <FormErrors messages={form.general} />
      <button type="submit" class="primary" disabled={form.busy}>
        {s.wizard.registerProvider}
      </button>
    </form>
  );
}

function Wizard({
  providers,
  categories,
  types,
}: {
  providers: ServiceProvider[];
  categories: Category[];
  types: string[];
}) {
  const [step, setStep] = useState(0);
  const [d, setD] = useState<Draft>({
    customer: providers[0]!.customer,
    name: "",
    category: categories[0]?.url ?? "",
    description: "",
    full_description: "",
    getting_started: "",
    terms: "",
    privacy_policy_link: "",
    access_url: "",
    type: types.includes("Marketplace.Basic") ? "Marketplace.Basic" : (types[0] ?? ""),
    secrets: [],
    plugin_options: "{}",
    components: [
      { type: "cpu", name: "CPU", measured_unit: "cores", billing_type: "limit", max_value: "64" },
    ],
    plans: [{ name: "Standard", unit: "month", prices: { cpu: "1.00" } }],
  });
  const form = useForm();
  const up = (patch: Partial<Draft>) => setD({ ...d, ...patch });
  const provider = providers.find((p) => p.customer === d.customer) ?? providers[0]!;
  const keyState = useAsync(() => loadExecutorKey(provider), [provider.uuid]);
  const hasKey = useAsync(browserHasKey, []);
  // An offering created whose sealed secret options were then refused: a new submit only resends them.
  const [createdUuid, setCreatedUuid] = useState("");
  const secretMap = () =>
    Object.fromEntries(d.secrets.filter((x) => x.name.trim()).map((x) => [x.name.trim(), x.value]));
  const hasSecrets = d.secrets.some((x) => x.name.trim());
  const authorised = keyState.status === "ok" && keyState.data.state.current_key_authorised;
  const sealHere = hasKey.status === "ok" && hasKey.data;
  const text = (
    k:
      | "name"
      | "description"
      | "full_description"
      | "getting_started"
      | "terms"
      | "privacy_policy_link"
      | "access_url",
  ) => ({
    name: k,
    value: d[k],
    onValue: (v: string) => up({ [k]: v }),
    errors: errorsFor(form.fields, k === "terms" ? "attributes" : k),
  });

  function localErrors(at: number) {
    if (at === 0)
      return check({
        name: [[filled(d.name), REQUIRED]],
        category: [[!!d.category, REQUIRED]],
        customer: [[!!d.customer, REQUIRED]],
      });
    if (at === 2) {
      let json = true;
      try {
        const parsed = JSON.parse(d.plugin_options);
        json = !!parsed && typeof parsed === "object" && !Array.isArray(parsed);
      } catch {
        json = false;
      }
      return check({
        plugin_options: [[json, s.wizard.jsonError]],
        type: [[!!d.type, REQUIRED]],
        // Known before submitting: the API would refuse to seal them (409) without the authorisation.
        secret_options: [[!hasSecrets || authorised, s.executorKey.wizardBlocked]],
      });
    }
    if (at === 3) {
      const rules: Record<string, [boolean, string][]> = {};
      d.components.forEach((c, i) => {
        rules[`components.${i}.type`] = [
          [filled(c.type), REQUIRED],
          [/^[a-zA-Z0-9_./-]+$/.test(c.type), "Enter a valid component type: letters, digits, _ . / -."],
        ];
        rules[`components.${i}.name`] = [[filled(c.name), REQUIRED]];
        rules[`components.${i}.max_value`] = [
          [c.max_value === "" || /^\d+$/.test(c.max_value), "A valid integer is required."],
        ];
      });
      d.plans.forEach((p, i) => {
        rules[`plans.${i}.name`] = [[filled(p.name), REQUIRED]];
        for (const c of d.components)
          rules[`plans.${i}.prices.${c.type}`] = [
            [decimalOk(p.prices[c.type] ?? "0"), "A valid number is required."],
          ];
      });
      return check(rules);
    }
    return {};
  }

  function body() {
    return {
      customer: d.customer,
      name: d.name.trim(),
      category: d.category,
      type: d.type,
      description: d.description,
      full_description: d.full_description,
      getting_started: d.getting_started,
      privacy_policy_link: d.privacy_policy_link,
      access_url: d.access_url,
      attributes: d.terms.trim() ? { terms_of_service: d.terms.trim() } : {},
      plugin_options: JSON.parse(d.plugin_options),
      // Sealed in this browser and sent once the offering exists (its uuid is the envelope's record).
      secret_options: sealHere ? {} : secretMap(),
      components: d.components.map((c) => ({
        type: c.type.trim(),
        name: c.name.trim(),
        measured_unit: c.measured_unit,
        billing_type: c.billing_type,
        ...(c.billing_type === "limit" ? { limit_period: "month" } : {}),
        max_value: c.max_value === "" ? null : Number(c.max_value),
      })),
      plans: d.plans.map((p) => ({
        name: p.name.trim(),
        unit: p.unit,
        prices: Object.fromEntries(
          d.components.map((c) => [c.type.trim(), (p.prices[c.type] ?? "0").trim() || "0"]),
        ),
      })),
    };
  }

  const submit = () =>
    form.run(
      async () => {
        let uuid = createdUuid;
        try {
          if (!uuid && sealHere && hasSecrets) {
            // The envelope goes after the offering exists: check the authorisation first, so a
            // withdrawn one does not leave an offering behind without its credentials.
            const v = await loadExecutorKey(provider);
            if (!v.state.current_key_authorised) {
              keyState.reload();
              throw new ApiFailure(409, { secret_options: [s.executorKey.wizardBlocked] }, []);
            }
          }
          if (!uuid) uuid = (await post<Offering>("/api/marketplace-provider-offerings/", undefined, body())).uuid;
          if (sealHere && hasSecrets) {
            try {
              await sendSealedSecrets(uuid, secretMap());
            } catch (e) {
              setCreatedUuid(uuid);
              if (e instanceof ApiFailure) e.general.unshift(s.executorKey.sealFailed);
              throw e;
            }
          }
          navigate(`/provider/offerings/${uuid}?created=1`);
        } catch (e) {
          const fields = Object.keys((e as { fields?: Record<string, string[]> }).fields ?? {});
          const first = Math.min(...fields.map((f) => stepOf(f) ?? 4));
          if (Number.isFinite(first)) setStep(first);
          // A 409 means the authorisation changed meanwhile: show its current state.
          if (fields.some((f) => f.startsWith("secret_options"))) keyState.reload();
          throw e;
        }
      },
      STEP_OF.map(([f]) => f),
    );

  const names = s.wizard.steps;
  return (
    <>
      <ol class="stepper">
        {names.map((n, i) => (
          <li key={n} aria-current={i === step ? "step" : undefined} class={i < step ? "done" : ""}>
            {n}
          </li>
        ))}
      </ol>
      <h2>{`${step + 1}. ${names[step]}`}</h2>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const errs = localErrors(step);
          form.setFields(errs);
          if (Object.keys(errs).length) return;
          if (step < 4) setStep(step + 1);
          else void submit();
        }}
      >
        {step === 0 && (
          <>
            <SelectField
              label={s.wizard.organization}
              name="customer"
              value={d.customer}
              onValue={(v) => up({ customer: v })}
              options={providers.map((p) => ({ value: p.customer, label: p.customer_name }))}
              errors={form.fields.customer}
            />
            <TextField label={s.wizard.name} required {...text("name")} />
            <SelectField
              label={s.wizard.category}
              name="category"
              value={d.category}
              onValue={(v) => up({ category: v })}
              options={categories.map((c) => ({ value: c.url, label: c.title }))}
              errors={form.fields.category}
            />
          </>
        )}
        {step === 1 && (
          <>
            <TextArea label={s.wizard.summary} rows={2} {...text("description")} />
            <TextArea label={s.wizard.fullDescription} {...text("full_description")} />
            <TextArea label={s.wizard.gettingStarted} {...text("getting_started")} />
            <TextArea label={s.offering.terms} {...text("terms")} />
            <TextField label={s.wizard.privacyLink} type="url" {...text("privacy_policy_link")} />
            <TextField label={s.wizard.accessUrl} type="url" {...text("access_url")} />
          </>
        )}
        {step === 2 && (
          <>
            <SelectField
              label={s.wizard.type}
              name="type"
              value={d.type}
              onValue={(v) => up({ type: v })}
              options={types.map((t) => ({ value: t, label: t }))}
              errors={form.fields.type}
            />
            <fieldset>
              <legend>{s.executorKey.secretsLegend}</legend>
              {d.secrets.map((x, i) => (
                <div class="row" key={i}>
                  <TextField
                    label={s.wizard.secretName}
                    name={`secret-name-${i}`}
                    value={x.name}
                    onValue={(v) =>
                      up({ secrets: d.secrets.map((y, j) => (j === i ? { ...y, name: v } : y)) })
                    }
                  />
                  <TextField
                    label={s.wizard.secretValue}
                    name={`secret-value-${i}`}
                    type="password"
                    autoComplete="off"
                    value={x.value}
                    onValue={(v) =>
                      up({ secrets: d.secrets.map((y, j) => (j === i ? { ...y, value: v } : y)) })
                    }
                  />
                </div>
              ))}
              <button type="button" onClick={() => up({ secrets: [...d.secrets, { name: "", value: "" }] })}>
                {s.wizard.addSecret}
              </button>
              {[...errorsFor(form.fields, "secret_options"), ...errorsFor(form.fields, "secret_options_envelope")].map((m) => (
                <small key={m} class="field-error" role="alert">
                  {m}
                </small>
              ))}
              {hasSecrets && <SecretsSealing keyState={keyState} provider={provider} sealHere={sealHere} />}
            </fieldset>
            <TextArea
              label={s.wizard.pluginOptions}
              name="plugin_options"
              rows={3}
              value={d.plugin_options}
              onValue={(v) => up({ plugin_options: v })}
              errors={errorsFor(form.fields, "plugin_options")}
            />
          </>
        )}
        {step === 3 && <Accounting d={d} up={up} fields={form.fields} />}
        {step === 4 && (
          <dl class="facts">
            <dt>{s.wizard.name}</dt>
            <dd>{d.name}</dd>
            <dt>{s.wizard.category}</dt>
            <dd>{categories.find((c) => c.url === d.category)?.title}</dd>
            <dt>{s.wizard.type}</dt>
            <dd>{d.type}</dd>
            <dt>{s.wizard.secretOptions}</dt>
            <dd>{d.secrets.map((x) => x.name).join(", ") || "—"}</dd>
            <dt>{s.wizard.components}</dt>
            <dd>{d.components.map((c) => `${c.name} (${c.billing_type}, ${c.measured_unit})`).join("; ")}</dd>
            <dt>{s.wizard.plans}</dt>
            <dd>
              {d.plans
                .map(
                  (p) =>
                    `${p.name}: ${d.components.map((c) => `${c.type} ${p.prices[c.type] ?? "0"}`).join(", ")} / ${p.unit}`,
                )
                .join("; ")}
            </dd>
          </dl>
        )}
        <FormErrors messages={form.general} />
        <div class="buttons">
          {step > 0 && (
            <button type="button" onClick={() => setStep(step - 1)}>
              {s.wizard.back}
            </button>
          )}
          <button type="submit" class="primary" disabled={form.busy}>
            {step < 4 ? s.wizard.next : s.wizard.create}
          </button>
        </div>
      </form>
    </>
  );
}

/** Where the secret options will be sealed, or the authorisation they still need (with Authorise). */
function SecretsSealing({
  keyState,
  provider,
  sealHere,
}: {
  keyState: ReturnType<typeof useAsync<Awaited<ReturnType<typeof loadExecutorKey>>>>;
  provider: ServiceProvider;
  sealHere: boolean;
}) {
  return (
    <AsyncView a={keyState}>
      {(v) =>
        v.state.current_key_authorised ? (
          <p data-testid="secrets-sealing">{sealHere ? s.executorKey.sealedHere : s.executorKey.sealedOnServer}</p>
        ) : (
          <div class="inline-panel" data-testid="secrets-authorise">
            <Notice>{s.executorKey.wizardNeeded}</Notice>
            <p>{s.executorKey.explain}</p>
            <ExecutorKeyPanel provider={provider} view={v} onChange={keyState.reload} />
          </div>
        )
      }
    </AsyncView>
  );
}

function Accounting({
  d,
  up,
  fields,
}: {
  d: Draft;
  up: (p: Partial<Draft>) => void;
  fields: Record<string, string[]>;
}) {
  const setComp = (i: number, patch: Partial<ComponentRow>) =>
    up({ components: d.components.map((c, j) => (j === i ? { ...c, ...patch } : c)) });
  const setPlan = (i: number, patch: Partial<PlanRow>) =>
    up({ plans: d.plans.map((p, j) => (j === i ? { ...p, ...patch } : p)) });
  return (
    <>
      <fieldset>
        <legend>{s.wizard.components}</legend>
        {d.components.map((c, i) => (
          <div class="row" key={i}>
            <TextField
              label={s.wizard.componentType}
              name={`comp-type-${i}`}
              value={c.type}
              onValue={(v) => setComp(i, { type: v })}
              errors={errorsFor(fields, `components.${i}.type`)}
            />
            <TextField
              label={s.wizard.componentName}
              name={`comp-name-${i}`}
              value={c.name}
              onValue={(v) => setComp(i, { name: v })}
              errors={errorsFor(fields, `components.${i}.name`)}
            />
            <TextField
              label={s.wizard.componentUnit}
              name={`comp-unit-${i}`}
              value={c.measured_unit}
              onValue={(v) => setComp(i, { measured_unit: v })}
              errors={errorsFor(fields, `components.${i}.measured_unit`)}
            />
            <SelectField
              label={s.wizard.componentBilling}
              name={`comp-billing-${i}`}
              value={c.billing_type}
              onValue={(v) => setComp(i, { billing_type: v })}
              options={BILLING_TYPES.map((b) => ({ value: b, label: s.offering.billingTypes[b] ?? b }))}
              errors={errorsFor(fields, `components.${i}.billing_type`)}
            />
            <TextField
              label={s.wizard.componentMax}
              name={`comp-max-${i}`}
              inputMode="numeric"
              value={c.max_value}
              onValue={(v) => setComp(i, { max_value: v })}
              errors={errorsFor(fields, `components.${i}.max_value`)}
            />
            <button
              type="button"
              aria-label={`${s.wizard.removeComponent} ${c.name || i + 1}`}
              onClick={() => up({ components: d.components.filter((_, j) => j !== i) })}
            >
              {s.wizard.removeComponent}
            </button>
          </div>
        ))}
        <button
          type="button"
          onClick={() =>
            up({
              components: [
                ...d.components,
                { type: "", name: "", measured_unit: "", billing_type: "limit", max_value: "" },
              ],
            })
          }
        >
          {s.wizard.addComponent}
        </button>
        {(fields.components ?? []).map((m) => (
          <small key={m} class="field-error" role="alert">
            {m}
          </small>
        ))}
      </fieldset>
      <fieldset>
        <legend>{s.wizard.plans}</legend>
        {d.plans.map((p, i) => (
          <div class="row" key={i}>
            <TextField
              label={s.wizard.planName}
              name={`plan-name-${i}`}
              value={p.name}
              onValue={(v) => setPlan(i, { name: v })}
              errors={errorsFor(fields, `plans.${i}.name`)}
            />
            <SelectField
              label={s.wizard.planUnit}
              name={`plan-unit-${i}`}
              value={p.unit}
              onValue={(v) => setPlan(i, { unit: v })}
              options={BILLING_UNITS.map((u) => ({ value: u, label: u }))}
            />
            {d.components.map((c) => (
              <TextField
                key={c.type}
                label={s.wizard.planPrice(c.name || c.type)}
                name={`plan-${i}-price-${c.type}`}
                inputMode="decimal"
                value={p.prices[c.type] ?? ""}
                onValue={(v) => setPlan(i, { prices: { ...p.prices, [c.type]: v } })}
                errors={errorsFor(fields, `plans.${i}.prices.${c.type}`)}
              />
            ))}
          </div>
        ))}
        <button
          type="button"
          onClick={() => up({ plans: [...d.plans, { name: "", unit: "month", prices: {} }] })}
        >
          {s.wizard.addPlan}
        </button>
      </fieldset>
    </>
  );
}
