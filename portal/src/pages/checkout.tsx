// Checkout for one offering: configure (project, name, plan, quantities with the live price) →
// approve (terms of service) → review and submit. The order goes to POST /api/marketplace-orders/;
// its refusals are shown beside the fields they name, back on the step that has them.
import { useMemo, useState } from "preact/hooks";
import { get, list, post } from "../api/client.ts";
import { type Offering, type Order, type Project, termsOf } from "../api/models.ts";
import { currentUser } from "../auth/session.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { hasUsageComponents, limitComponents, money, pricePerUnit } from "../lib/money.ts";
import { navigate } from "../lib/router.ts";
import { check, filled, REQUIRED } from "../lib/validate.ts";
import { Checkbox, FormErrors, SelectField, TextField } from "../ui/field.tsx";
import { errorsFor, useForm } from "../ui/form.ts";
import { PriceSummary } from "../ui/pricing.tsx";
import { AsyncView, Notice } from "../ui/states.tsx";

export function Checkout({ uuid }: { uuid: string }) {
  const data = useAsync(
    async () => ({
      offering: await get<Offering>("/api/marketplace-public-offerings/{uuid}/", { uuid }),
      projects: (await list<Project>("/api/projects/", { page_size: 100, o: "name" })).items,
    }),
    [uuid],
  );
  return (
    <AsyncView a={data}>{(d) => <CheckoutSteps offering={d.offering} projects={d.projects} />}</AsyncView>
  );
}

function CheckoutSteps({ offering, projects }: { offering: Offering; projects: Project[] }) {
  const plans = offering.plans.filter((p) => !p.archived);
  const limitComps = limitComponents(offering.components);
  const [step, setStep] = useState(0);
  const [project, setProject] = useState(projects[0]?.url ?? "");
  const [name, setName] = useState("");
  const [planUrl, setPlanUrl] = useState(plans[0]?.url ?? "");
  const [limits, setLimits] = useState<Record<string, string>>(() =>
    Object.fromEntries(limitComps.map((c) => [c.type, String(c.min_value ?? 1)])),
  );
  const [agreed, setAgreed] = useState(false);
  const [keyBusy, setKeyBusy] = useState(false);
  const form = useForm();
  const plan = plans.find((p) => p.url === planUrl);
  const terms = termsOf(offering);

  const numericLimits = useMemo(
    () => Object.fromEntries(Object.entries(limits).map(([k, v]) => [k, /^\d+$/.test(v) ? Number(v) : 0])),
    [limits],
  );
  const unitTotal = plan ? pricePerUnit(plan, offering.components, numericLimits) : "0";

  function configureErrors() {
    const rules: Record<string, [boolean, string][]> = {
      project: [[!!project, "This field is required."]],
      "attributes.name": [[filled(name), REQUIRED]],
      plan: [[!!plan, "This field is required."]],
    };
    for (const c of limitComps) {
      const v = limits[c.type] ?? "";
      const n = Number(v);
      rules[`limits.${c.type}`] = [
        [/^\d+$/.test(v), "A valid integer is required."],
        [
          c.min_value == null || n >= c.min_value,
          `Ensure this value is greater than or equal to ${c.min_value}.`,
        ],
        [
          c.max_value == null || n <= c.max_value,
          `Ensure this value is less than or equal to ${c.max_value}.`,
        ],
      ];
    }
    return check(rules);
  }

  const CONFIGURE_FIELDS = ["project", "plan", "attributes", "limits", "offering"];
  async function submit() {
    await form.run(async () => {
      const user = currentUser();
      if (user) {
        // Access details are sealed to the project's readers' keys: have one before the order runs.
        setKeyBusy(true);
        try {
          const { ensureKey } = await import("../crypto/keystore.ts");
          await ensureKey(user.uuid);
        } finally {
          setKeyBusy(false);
        }
      }
      try {
        const order = await post<Order>("/api/marketplace-orders/", undefined, {
          offering: offering.url,
          project,
          plan: planUrl,
          attributes: { name: name.trim() },
          limits: numericLimits,
          accepting_terms_of_service: agreed,
        });
        navigate(`/orders/${order.uuid}`);
      } catch (e) {
        setStep(0);
        throw e;
      }
    }, [...CONFIGURE_FIELDS, "accepting_terms_of_service"]);
  }

  const stepNames = s.checkout.steps;
  return (
    <section>
      <h1>{s.checkout.title(offering.name)}</h1>
      <ol class="stepper" aria-label={s.checkout.summary}>
        {stepNames.map((n, i) => (
          <li key={n} aria-current={i === step ? "step" : undefined} class={i < step ? "done" : ""}>
            {n}
          </li>
        ))}
      </ol>
      <h2>{s.checkout.stepOf(step + 1, stepNames.length, stepNames[step]!)}</h2>
      <div class="with-aside">
        <form
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            if (step === 0) {
              const errs = configureErrors();
              form.setFields(errs);
              if (!Object.keys(errs).length) setStep(1);
            } else if (step === 1) {
              if (terms && !agreed)
                return form.setFields({ accepting_terms_of_service: [s.checkout.tosNeeded] });
              form.setFields({});
              setStep(2);
            } else void submit();
          }}
        >
          {step === 0 && (
            <>
              {projects.length === 0 && (
                <Notice>
                  {s.checkout.noProjects} <a href="/projects">{s.checkout.createProject}</a>
                </Notice>
              )}
              <SelectField
                label={s.checkout.project}
                name="project"
                value={project}
                onValue={setProject}
                options={projects.map((p) => ({ value: p.url, label: `${p.customer_name} / ${p.name}` }))}
                errors={errorsFor(form.fields, "project")}
                required
              />
              <TextField
                label={s.checkout.name}
                name="name"
                value={name}
                onValue={setName}
                errors={errorsFor(form.fields, "attributes")}
                required
              />
              <SelectField
                label={s.checkout.plan}
                name="plan"
                value={planUrl}
                onValue={setPlanUrl}
                options={plans.map((p) => ({ value: p.url, label: p.name }))}
                errors={errorsFor(form.fields, "plan")}
                required
              />
              {limitComps.map((c) => (
                <TextField
                  key={c.type}
                  label={s.checkout.quantity(c.name, c.measured_unit)}
                  name={`limit-${c.type}`}
                  type="number"
                  inputMode="numeric"
                  min={c.min_value ?? 0}
                  max={c.max_value ?? undefined}
                  step={1}
                  value={limits[c.type] ?? ""}
                  onValue={(v) => setLimits({ ...limits, [c.type]: v })}
                  errors={form.fields[`limits.${c.type}`]}
                />
              ))}
            </>
          )}
          {step === 1 && (
            <>
              {terms && <p class="pre terms">{terms}</p>}
              <Checkbox
                label={s.checkout.tos}
                name="tos"
                checked={agreed}
                onValue={setAgreed}
                errors={form.fields.accepting_terms_of_service}
              />
            </>
          )}
          {step === 2 && (
            <>
              <dl class="facts">
                <dt>{s.checkout.project}</dt>
                <dd>{projects.find((p) => p.url === project)?.name}</dd>
                <dt>{s.checkout.name}</dt>
                <dd>{name}</dd>
                <dt>{s.checkout.plan}</dt>
                <dd>{plan?.name}</dd>
                {limitComps.map((c) => (
                  <div key={c.type}>
                    <dt>{c.name}</dt>
                    <dd>
                      {limits[c.type]} {c.measured_unit}
                    </dd>
                  </div>
                ))}
                <dt>{s.checkout.livePrice}</dt>
                <dd>{money(unitTotal)}</dd>
              </dl>
              <Notice>{keyBusy ? s.checkout.creatingKey : s.checkout.keyNotice}</Notice>
            </>
          )}
          <FormErrors messages={form.general} />
          <div class="buttons">
            {step > 0 && (
              <button type="button" onClick={() => setStep(step - 1)}>
                {s.checkout.back}
              </button>
            )}
            <button type="submit" class="primary" disabled={form.busy}>
              {step < 2 ? s.checkout.next : s.checkout.submit}
            </button>
          </div>
        </form>
        {plan && (
          <PriceSummary
            unitTotal={unitTotal}
            unit={plan.unit}
            usage={hasUsageComponents(offering.components)}
          />
        )}
      </div>
    </section>
  );
}
