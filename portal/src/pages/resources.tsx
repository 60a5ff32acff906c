// The customer's resources (filter by state and text, sort) and one resource: state, limits,
// usage, access details opened in this browser, its orders, and termination.
import { useState } from "preact/hooks";
import { get, post } from "../api/client.ts";
import type { ComponentUsage, Offering, Order, Resource } from "../api/models.ts";
import { currentUser } from "../auth/session.ts";
import type { AccessDetails } from "../crypto/keystore.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { limitComponents } from "../lib/money.ts";
import { FormErrors, TextField } from "../ui/field.tsx";
import { useForm } from "../ui/form.ts";
import { day, StateBadge, when } from "../ui/format.tsx";
import { DataTable, useListing } from "../ui/listing.tsx";
import { AsyncView, MISSING, Notice } from "../ui/states.tsx";
import { RESOURCE_COLUMNS as c, ResourceList } from "./resource-list.tsx";

export function Resources() {
  return (
    <ResourceList
      path="/api/marketplace-resources/"
      title={s.resources.title}
      columns={[c.nameLinked, c.offering, c.project, c.state, c.created]}
    />
  );
}

export function ResourceDetail({ uuid }: { uuid: string }) {
  const a = useAsync(() => get<Resource>("/api/marketplace-resources/{uuid}/", { uuid }), [uuid]);
  const usage = useListing<ComponentUsage>("/api/marketplace-component-usages/", {
    base: { resource_uuid: uuid },
    ordering: "-billing_period",
  });
  const orders = useListing<Order>("/api/marketplace-orders/", {
    base: { resource_uuid: uuid },
    ordering: "-created",
    pageSize: 5,
  });
  const form = useForm();
  const [notice, setNotice] = useState("");
  return (
    <AsyncView a={a} missing={MISSING.resource}>
      {(r) => (
        <article>
          <header class="page-head">
            <div>
              <h1>{r.name}</h1>
              <p>
                <StateBadge state={r.state} /> · {r.offering_name} · {r.provider_name}
              </p>
            </div>
            <div class="buttons">
              <button
                type="button"
                onClick={() => {
                  a.reload();
                  usage.result.reload();
                  orders.result.reload();
                }}
              >
                {s.common.refresh}
              </button>
              {r.state === "OK" && (
                <button
                  type="button"
                  class="danger"
                  disabled={form.busy}
                  onClick={() => {
                    if (!confirm(s.resources.terminateConfirm)) return;
                    void form.run(async () => {
                      await post("/api/marketplace-resources/{uuid}/terminate/", { uuid });
                      setNotice(s.resources.terminateRequested);
                      a.reload();
                      orders.result.reload();
                    });
                  }}
                >
                  {s.resources.terminate}
                </button>
              )}
            </div>
          </header>
          {notice && <Notice kind="ok">{notice}</Notice>}
          <FormErrors messages={form.general} />
          <dl class="facts">
            <dt>{s.resources.project}</dt>
            <dd>
              {r.customer_name} / {r.project_name}
            </dd>
            <dt>{s.resources.plan}</dt>
            <dd>{r.plan_name ?? "—"}</dd>
            <dt>{s.resources.limits}</dt>
            <dd>
              {Object.entries(r.limits)
                .map(([k, v]) => `${k}: ${v}`)
                .join(", ") || "—"}
            </dd>
            <dt>{s.resources.backendId}</dt>
            <dd>{r.backend_id || "—"}</dd>
            <dt>{s.resources.created}</dt>
            <dd>{when(r.created)}</dd>
          </dl>
          {r.state === "OK" && Object.keys(r.limits).length > 0 && (
            <UpdateLimits
              resource={r}
              onDone={() => {
                a.reload();
                orders.result.reload();
              }}
            />
          )}
          <AccessDetailsPanel resource={r} />
          <h2>{s.resources.usage}</h2>
          <DataTable
            listing={usage}
            caption={s.resources.usage}
            empty={s.resources.noUsage}
            columns={[
              { label: s.offering.component, render: (u) => u.name },
              { label: s.resources.amount, render: (u) => `${u.usage} ${u.measured_unit}` },
              { label: s.resources.period, sort: "billing_period", render: (u) => day(u.billing_period) },
              { label: s.resources.created, render: (u) => when(u.date) },
            ]}
          />
          <h2>{s.resources.orders}</h2>
          <DataTable
            listing={orders}
            caption={s.resources.orders}
            columns={[
              { label: s.orders.type, render: (o) => <a href={`/orders/${o.uuid}`}>{o.type}</a> },
              { label: s.orders.state, render: (o) => <StateBadge state={o.state} /> },
              { label: s.orders.created, sort: "created", render: (o) => when(o.created) },
            ]}
          />
        </article>
      )}
    </AsyncView>
  );
}

/** Asks for new limits: the API creates an Update order that runs like the first one. */
function UpdateLimits({ resource, onDone }: { resource: Resource; onDone: () => void }) {
  const offering = useAsync(
    () => get<Offering>("/api/marketplace-public-offerings/{uuid}/", { uuid: resource.offering_uuid }),
    [resource.offering_uuid],
  );
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(resource.limits).map(([k, v]) => [k, String(v)])),
  );
  const [done, setDone] = useState(false);
  const form = useForm();
  return (
    <details class="panel">
      <summary>{s.resources.updateLimits}</summary>
      <AsyncView a={offering}>
        {(o) => (
          <form
            noValidate
            onSubmit={(e) => {
              e.preventDefault();
              const bad = Object.entries(values).filter(([, v]) => !/^\d+$/.test(v.trim()));
              if (bad.length)
                return form.setFields(
                  Object.fromEntries(bad.map(([k]) => [`limits.${k}`, ["A valid integer is required."]])),
                );
              void form.run(async () => {
                await post(
                  "/api/marketplace-resources/{uuid}/update_limits/",
                  { uuid: resource.uuid },
                  { limits: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, Number(v)])) },
                );
                setDone(true);
                onDone();
              }, ["limits"]);
            }}
          >
            {limitComponents(o.components).map((c) => (
              <TextField
                key={c.type}
                label={s.checkout.quantity(c.name, c.measured_unit)}
                name={`update-${c.type}`}
                type="number"
                inputMode="numeric"
                min={c.min_value ?? 0}
                max={c.max_value ?? undefined}
                value={values[c.type] ?? ""}
                onValue={(v) => setValues({ ...values, [c.type]: v })}
                errors={form.fields[`limits.${c.type}`]}
              />
            ))}
            <FormErrors messages={[...form.general, ...(form.fields.limits ?? [])]} />
            {done && <Notice kind="ok">{s.resources.updateRequested}</Notice>}
            <button type="submit" disabled={form.busy}>
              {s.resources.updateLimits}
            </button>
          </form>
        )}
      </AsyncView>
    </details>
  );
}

function AccessDetailsPanel({ resource }: { resource: Resource }) {
  const [state, setState] = useState<AccessDetails | "busy" | null>(null);
  const open = async () => {
    const user = currentUser();
    if (!user) return;
    setState("busy");
    try {
      const { openAccessDetails } = await import("../crypto/keystore.ts");
      setState(await openAccessDetails(resource.url, user.uuid));
    } catch (e) {
      setState({ ok: false, reason: "failed", message: (e as Error).message });
    }
  };
  return (
    <section aria-labelledby="access-h" class="access">
      <h2 id="access-h">{s.resources.accessDetails}</h2>
      <p class="muted">{s.resources.accessSealed}</p>
      <button type="button" onClick={open} disabled={state === "busy"}>
        {s.resources.showAccess}
      </button>
      {state === "busy" && <p role="status">{s.state.loading}</p>}
      {state && state !== "busy" && !state.ok && (
        <p role="alert">
          {state.reason === "none"
            ? s.resources.noAccess
            : state.reason === "no_key"
              ? s.resources.noKey
              : state.reason === "not_recipient"
                ? s.resources.notRecipient
                : `${s.state.error}: ${state.message ?? ""}`}
        </p>
      )}
      {state && state !== "busy" && state.ok && (
        <dl class="facts secret" data-testid="access-details">
          {Object.entries(state.details).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>
                <pre>{typeof v === "string" ? v : JSON.stringify(v, null, 2)}</pre>
              </dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}
