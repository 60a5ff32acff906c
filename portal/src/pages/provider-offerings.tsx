// The provider's offerings (filter by state, sort) and one offering's management: its state
// transitions (activate, pause, resume, archive, back to draft) and its pricing.
import { Fragment } from "preact";
import { useState } from "preact/hooks";
import { get, post } from "../api/client.ts";
import { OFFERING_STATES, type Offering } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { useLocation } from "../lib/router.ts";
import { check, filled, REQUIRED } from "../lib/validate.ts";
import { FormErrors, TextArea, TextField } from "../ui/field.tsx";
import { useForm } from "../ui/form.ts";
import { StateBadge, when } from "../ui/format.tsx";
import { ChoiceFilter, DataTable, SearchBox, useListing } from "../ui/listing.tsx";
import { PlanPricing } from "../ui/pricing.tsx";
import { AsyncView, MISSING, Notice } from "../ui/states.tsx";
import { OfferingLocation, OfferingScreenshots } from "./provider-offering-media.tsx";

export function ProviderOfferings() {
  const listing = useListing<Offering>("/api/marketplace-provider-offerings/", { ordering: "-created" });
  return (
    <section>
      <header class="page-head">
        <h1>{s.provider.offerings}</h1>
        <div class="buttons">
          <a class="button" href="/provider/executor-key">
            {s.executorKey.nav}
          </a>
          <a class="button primary" href="/provider/offerings/new">
            {s.provider.addOffering}
          </a>
        </div>
      </header>
      <div class="toolbar">
        <SearchBox listing={listing} param="name" label={s.list.search} />
        <ChoiceFilter listing={listing} param="state" label={s.offering.state} choices={OFFERING_STATES} />
      </div>
      <DataTable
        listing={listing}
        caption={s.provider.offerings}
        columns={[
          {
            label: s.wizard.name,
            sort: "name",
            render: (o) => <a href={`/provider/offerings/${o.uuid}`}>{o.name}</a>,
          },
          { label: s.offering.provider, render: (o) => o.customer_name },
          { label: s.offering.type, sort: "type", render: (o) => o.type },
          { label: s.offering.state, sort: "state", render: (o) => <StateBadge state={o.state} /> },
          { label: s.orders.created, sort: "created", render: (o) => when(o.created) },
        ]}
      />
    </section>
  );
}

const ACTIONS: { action: string; label: string; from: string[] }[] = [
  { action: "activate", label: s.provider.activate, from: ["Draft", "Paused", "Unavailable"] },
  { action: "pause", label: s.provider.pause, from: ["Active"] },
  { action: "unpause", label: s.provider.unpause, from: ["Paused"] },
  { action: "draft", label: s.provider.draft, from: ["Active", "Paused", "Archived", "Unavailable"] },
  { action: "archive", label: s.provider.archive, from: ["Draft", "Active", "Paused", "Unavailable"] },
];

export function ProviderOfferingDetail({ uuid }: { uuid: string }) {
  const loc = useLocation();
  const a = useAsync(() => get<Offering>("/api/marketplace-provider-offerings/{uuid}/", { uuid }), [uuid]);
  const form = useForm();
  const [notice, setNotice] = useState(loc.query.get("created") ? s.wizard.created : "");
  return (
    <AsyncView a={a} missing={MISSING.providerOffering}>
      {(o) => (
        <article>
          <header class="page-head">
            <div>
              <h1>{o.name}</h1>
              <p>
                <StateBadge state={o.state} /> · {o.type} · {o.category_title}
              </p>
            </div>
            <div class="buttons">
              {ACTIONS.filter((x) => x.from.includes(o.state)).map((x) => (
                <button
                  key={x.action}
                  type="button"
                  class={x.action === "activate" ? "primary" : ""}
                  disabled={form.busy}
                  onClick={() =>
                    form.run(async () => {
                      await post(
                        `/api/marketplace-provider-offerings/{uuid}/${x.action}/` as "/api/marketplace-provider-offerings/{uuid}/activate/",
                        { uuid },
                      );
                      setNotice(x.action === "activate" ? s.provider.activated : "");
                      a.reload();
                    })
                  }
                >
                  {x.label}
                </button>
              ))}
            </div>
          </header>
          {notice && <Notice kind="ok">{notice}</Notice>}
          <FormErrors messages={form.general} />
          <p>{o.description}</p>
          {o.state === "Active" && (
            <p>
              <a href={`/offerings/${o.uuid}`}>{s.offering.overview}</a>
            </p>
          )}
          <SecretOptions offering={o} />
          <EditOverview offering={o} onSaved={a.reload} />
          <OfferingLocation offering={o} onSaved={a.reload} />
          <OfferingScreenshots offering={o} />
          <h2>{s.offering.pricing}</h2>
          {o.plans.map((p) => (
            <PlanPricing key={p.uuid} plan={p} components={o.components} />
          ))}
        </article>
      )}
    </AsyncView>
  );
}

/** The plugin credentials' names, masked as the API serves them, and where their authorisation is managed. */
function SecretOptions({ offering }: { offering: Offering & { secret_options?: Record<string, string> } }) {
  const names = Object.entries(offering.secret_options ?? {});
  if (!names.length) return null;
  return (
    <section aria-labelledby="secret-options-h">
      <h2 id="secret-options-h">{s.executorKey.secretsLegend}</h2>
      <dl class="facts" data-testid="secret-options">
        {names.map(([k, v]) => (
          <Fragment key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </Fragment>
        ))}
      </dl>
      <p>
        <a href="/provider/executor-key">{s.executorKey.nav}</a>
      </p>
    </section>
  );
}

/** The offering's overview texts, saved with update_overview (API errors beside their fields). */
function EditOverview({ offering, onSaved }: { offering: Offering; onSaved: () => void }) {
  const [f, setF] = useState({
    name: offering.name,
    description: offering.description,
    full_description: offering.full_description,
    getting_started: offering.getting_started,
    access_url: offering.access_url,
  });
  const [saved, setSaved] = useState(false);
  const form = useForm();
  const field = (k: keyof typeof f) => ({
    name: `edit-${k}`,
    value: f[k],
    onValue: (v: string) => setF({ ...f, [k]: v }),
    errors: form.fields[k],
  });
  return (
    <details class="panel">
      <summary>{s.provider.edit}</summary>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const errs = check({ name: [[filled(f.name), REQUIRED]] });
          if (Object.keys(errs).length) return form.setFields(errs);
          void form.run(async () => {
            setSaved(false);
            await post(
              "/api/marketplace-provider-offerings/{uuid}/update_overview/",
              { uuid: offering.uuid },
              { ...f, name: f.name.trim() },
            );
            setSaved(true);
            onSaved();
          }, Object.keys(f));
        }}
      >
        <TextField label={s.wizard.name} required {...field("name")} />
        <TextArea label={s.wizard.summary} rows={2} {...field("description")} />
        <TextArea label={s.wizard.fullDescription} {...field("full_description")} />
        <TextArea label={s.wizard.gettingStarted} {...field("getting_started")} />
        <TextField label={s.wizard.accessUrl} type="url" {...field("access_url")} />
        <FormErrors messages={form.general} />
        {saved && <Notice kind="ok">{s.provider.saved}</Notice>}
        <button type="submit" disabled={form.busy}>
          {s.common.save}
        </button>
      </form>
    </details>
  );
}
