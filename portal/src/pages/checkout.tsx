// Checkout for one offering: configure (project, name, plan, quantities with the live price) →
// approve (terms of service) → review and submit. The order goes to POST /api/marketplace-orders/;
// its refusals are shown beside the fields they name, back on the step that has them.
// The configured offering can instead go to the cart (kept in this browser, see lib/cart.ts), where
// several wait to be reviewed together and placed as one order each.
import { useMemo, useState } from "preact/hooks";
import { ApiFailure, get, list, post } from "../api/client.ts";
import { type Offering, type Order, type Project, termsOf } from "../api/models.ts";
import { currentUser } from "../auth/session.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { hasUsageComponents, limitComponents, money, PERIODS, pricePerUnit } from "../lib/money.ts";
import {
  addToCart,
  CartFull,
  type CartItem,
  itemPeriods,
  loadCart,
  removeFromCart,
  sumPeriods,
  toCents,
  updateCartItem,
  useCart,
} from "../lib/cart.ts";
import { navigate, useLocation } from "../lib/router.ts";
import { check, filled, REQUIRED } from "../lib/validate.ts";
import { Checkbox, FormErrors, SelectField, TextField } from "../ui/field.tsx";
import { errorsFor, useForm } from "../ui/form.ts";
import { PriceSummary } from "../ui/pricing.tsx";
import { AsyncView, Empty, Notice } from "../ui/states.tsx";

export function Checkout({ uuid }: { uuid: string }) {
  const cartId = useLocation().query.get("cart") ?? "";
  const data = useAsync(
    async () => ({
      offering: await get<Offering>("/api/marketplace-public-offerings/{uuid}/", { uuid }),
      projects: (await list<Project>("/api/projects/", { page_size: 100, o: "name" })).items,
    }),
    [uuid],
  );
  return (
    <AsyncView a={data}>{(d) => <CheckoutSteps offering={d.offering} projects={d.projects} cartId={cartId} />}</AsyncView>
  );
}

function CheckoutSteps({ offering, projects, cartId }: { offering: Offering; projects: Project[]; cartId: string }) {
  const plans = offering.plans.filter((p) => !p.archived);
  const limitComps = limitComponents(offering.components);
  // Editing a cart item starts from its configuration (it may be one the API refused).
  const [editing] = useState(() => loadCart().find((i) => i.id === cartId && i.offering_uuid === offering.uuid));
  const [step, setStep] = useState(0);
  const [project, setProject] = useState(editing?.project ?? projects[0]?.url ?? "");
  const [name, setName] = useState(editing?.name ?? "");
  const [planUrl, setPlanUrl] = useState(editing?.plan ?? plans[0]?.url ?? "");
  const [limits, setLimits] = useState<Record<string, string>>(() =>
    Object.fromEntries(limitComps.map((c) => [c.type, String(editing?.limits[c.type] ?? c.min_value ?? 1)])),
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

  function toCart() {
    const errs = configureErrors();
    form.setFields(errs);
    if (Object.keys(errs).length) return;
    const p = projects.find((x) => x.url === project);
    const config = {
      offering_uuid: offering.uuid,
      offering_name: offering.name,
      project,
      project_label: p ? `${p.customer_name} / ${p.name}` : project,
      name: name.trim(),
      plan: planUrl,
      limits: numericLimits,
    };
    try {
      if (editing) updateCartItem(editing.id, config);
      else addToCart(config);
    } catch (e) {
      if (e instanceof CartFull) return form.setFields({ cart: [s.cart.full(Number(e.message))] });
      throw e;
    }
    navigate("/cart");
  }

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
          <FormErrors messages={[...form.general, ...(form.fields.cart ?? [])]} />
          <div class="buttons">
            {step === 0 && (
              <button type="button" onClick={toCart}>
                {editing ? s.cart.update : s.cart.add}
              </button>
            )}
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

type ItemResult = { ok: true; order: Order; item: CartItem } | { ok: false; fields: Record<string, string[]>; general: string[] };

/**
 * The cart: every configured offering with its price per period and the exact total, the terms of
 * each offering that has them, then one order per item. Each item's answer is shown on its own: a
 * placed order leaves the cart (linked below), a refused one stays with its configuration and the
 * API's reasons beside it.
 */
export function CartPage() {
  const items = useCart();
  const uuids = [...new Set(items.map((i) => i.offering_uuid))].sort();
  const offerings = useAsync(
    async () =>
      uuids.length
        ? (await list<Offering>("/api/marketplace-public-offerings/", { uuid_list: uuids.join(","), page_size: 100 })).items
        : [],
    [uuids.join(",")],
  );
  const [placed, setPlaced] = useState<{ item: CartItem; order: Order }[]>([]);
  // Kept here, above the offerings' reload (a placed item leaves the cart and the list is read again).
  const [results, setResults] = useState<Record<string, ItemResult>>({});
  const [agreed, setAgreed] = useState<Record<string, boolean>>({});
  return (
    <section aria-labelledby="cart-h">
      <h1 id="cart-h">{s.cart.title}</h1>
      {placed.length > 0 && (
        <div class="state ok" role="status">
          <h2>{s.cart.placedTitle(placed.length)}</h2>
          <ul>
            {placed.map((p) => (
              <li key={p.order.uuid}>
                <a href={`/orders/${p.order.uuid}`}>{s.cart.placedItem(p.item.offering_name, p.item.name)}</a>
              </li>
            ))}
          </ul>
        </div>
      )}
      {items.length === 0 ? (
        <Empty>
          {s.cart.empty} <a href="/marketplace">{s.nav.marketplace}</a>
        </Empty>
      ) : (
        <AsyncView a={offerings}>
          {(list) => (
            <CartReview
              items={items}
              offerings={list}
              results={results}
              setResults={setResults}
              agreed={agreed}
              setAgreed={setAgreed}
              onPlaced={(p) => setPlaced((old) => [...old, ...p])}
            />
          )}
        </AsyncView>
      )}
    </section>
  );
}

function CartReview({
  items,
  offerings,
  results,
  setResults,
  agreed,
  setAgreed,
  onPlaced,
}: {
  items: CartItem[];
  offerings: Offering[];
  results: Record<string, ItemResult>;
  setResults: (r: Record<string, ItemResult>) => void;
  agreed: Record<string, boolean>;
  setAgreed: (a: Record<string, boolean>) => void;
  onPlaced: (p: { item: CartItem; order: Order }[]) => void;
}) {
  const byUuid = new Map(offerings.map((o) => [o.uuid, o]));
  const [tosErrors, setTosErrors] = useState<Record<string, string[]>>({});
  const [busy, setBusy] = useState(false);
  const [general, setGeneral] = useState<string[]>([]);
  const periods = items.map((i) => {
    const o = byUuid.get(i.offering_uuid);
    return o ? itemPeriods(i, o) : null;
  });
  const total = sumPeriods(periods);
  const withTerms = offerings.filter((o) => termsOf(o) && items.some((i) => i.offering_uuid === o.uuid));
  const PERIOD_LABEL = { hour: s.offering.perHour, day: s.offering.perDay, month: s.offering.perMonth, year: s.offering.perYear };

  async function placeAll() {
    const missing = Object.fromEntries(withTerms.filter((o) => !agreed[o.uuid]).map((o) => [o.uuid, [s.checkout.tosNeeded]]));
    setTosErrors(missing);
    setGeneral([]);
    if (Object.keys(missing).length) return;
    setBusy(true);
    try {
      const user = currentUser();
      if (user) {
        // Access details are sealed to the project's readers' keys: have one before the orders run.
        const { ensureKey } = await import("../crypto/keystore.ts");
        await ensureKey(user.uuid);
      }
      const out: Record<string, ItemResult> = {};
      const done: { item: CartItem; order: Order }[] = [];
      const placedIds: string[] = [];
      // One at a time, in cart order: each answer is the API's for that item alone.
      for (const item of items) {
        const o = byUuid.get(item.offering_uuid);
        try {
          const order = await post<Order>("/api/marketplace-orders/", undefined, {
            offering: o?.url ?? item.offering_uuid,
            project: item.project,
            plan: item.plan,
            attributes: { name: item.name },
            limits: item.limits,
            accepting_terms_of_service: o ? !termsOf(o) || !!agreed[o.uuid] : false,
          });
          out[item.id] = { ok: true, order, item };
          done.push({ item, order });
          placedIds.push(item.id);
        } catch (e) {
          out[item.id] =
            e instanceof ApiFailure
              ? { ok: false, fields: e.fields, general: e.general }
              : { ok: false, fields: {}, general: [(e as Error).message] };
        }
      }
      setResults(out);
      if (done.length) onPlaced(done);
      // Placed items leave the cart only once every answer is in and shown.
      for (const id of placedIds) removeFromCart(id);
    } catch (e) {
      setGeneral([(e as Error).message]);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <ul class="cart-items plain">
        {items.map((item, n) => {
          const o = byUuid.get(item.offering_uuid);
          const plan = o?.plans.find((p) => p.url === item.plan);
          const per = periods[n];
          const r = results[item.id];
          const failed = r && !r.ok ? r : null;
          const messages = failed
            ? [...failed.general, ...Object.entries(failed.fields).map(([k, v]) => `${s.cart.fieldLabel(k)}: ${v.join(" ")}`)]
            : [];
          return (
            <li key={item.id} class={`card cart-item${failed ? " invalid" : ""}`} aria-labelledby={`ci-${item.id}`}>
              <h2 id={`ci-${item.id}`}>
                {o ? <a href={`/offerings/${o.uuid}`}>{item.offering_name}</a> : item.offering_name}
                {" — "}
                {item.name}
              </h2>
              {!o && <p class="field-error">{s.cart.unavailable}</p>}
              <dl class="facts">
                <dt>{s.checkout.project}</dt>
                <dd>{item.project_label}</dd>
                <dt>{s.checkout.plan}</dt>
                <dd>{plan?.name ?? s.cart.planGone}</dd>
                {o &&
                  limitComponents(o.components).map((c) => (
                    <div key={c.type}>
                      <dt>{c.name}</dt>
                      <dd>
                        {item.limits[c.type] ?? 0} {c.measured_unit}
                      </dd>
                    </div>
                  ))}
                {per ? (
                  PERIODS.map((p) => (
                    <div key={p.key}>
                      <dt>{PERIOD_LABEL[p.key]}</dt>
                      <dd data-period={p.key}>{money(toCents(per[p.key]))}</dd>
                    </div>
                  ))
                ) : (
                  <>
                    <dt>{s.checkout.livePrice}</dt>
                    <dd>{plan && !plan.archived ? s.cart.notTimed : "—"}</dd>
                  </>
                )}
              </dl>
              {messages.length > 0 && (
                <div class="state error" role="alert">
                  <p>{s.cart.refused}</p>
                  <ul>
                    {messages.map((m) => (
                      <li key={m}>{m}</li>
                    ))}
                  </ul>
                </div>
              )}
              <div class="buttons">
                <a class="button" href={`/offerings/${item.offering_uuid}/order?cart=${item.id}`}>
                  {s.cart.edit}
                </a>
                <button type="button" onClick={() => removeFromCart(item.id)} aria-label={s.cart.removeNamed(item.name)}>
                  {s.cart.remove}
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      <div class="price-summary" aria-live="polite">
        <h2>{s.cart.total(items.length)}</h2>
        <dl>
          {PERIODS.map((p) => (
            <div key={p.key}>
              <dt>{PERIOD_LABEL[p.key]}</dt>
              <dd data-total={p.key}>{money(toCents(total[p.key]))}</dd>
            </div>
          ))}
        </dl>
        {periods.some((x) => x === null) && <p class="muted">{s.cart.someNotTimed}</p>}
        {hasUsageComponents(offerings.flatMap((o) => o.components)) && <p class="muted">{s.cart.usageNote}</p>}
      </div>
      {withTerms.length > 0 && (
        <fieldset class="terms-list">
          <legend>{s.cart.termsTitle}</legend>
          {withTerms.map((o) => (
            <div key={o.uuid}>
              <details>
                <summary>{s.cart.termsOf(o.name)}</summary>
                <p class="pre terms">{termsOf(o)}</p>
              </details>
              <Checkbox
                label={s.cart.agree(o.name)}
                name={`tos-${o.uuid}`}
                checked={!!agreed[o.uuid]}
                onValue={(v) => setAgreed({ ...agreed, [o.uuid]: v })}
                errors={tosErrors[o.uuid]}
              />
            </div>
          ))}
        </fieldset>
      )}
      <Notice>{s.checkout.keyNotice}</Notice>
      <FormErrors messages={general} />
      <div class="buttons">
        <button type="button" class="primary" disabled={busy} onClick={() => void placeAll()}>
          {busy ? s.cart.placing : s.cart.place(items.length)}
        </button>
      </div>
    </>
  );
}
