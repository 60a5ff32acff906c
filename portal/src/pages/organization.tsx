// An organization's details (name and contact fields), saved with PATCH /api/customers/{uuid}/ and
// the API's refusals shown beside their fields. Also the organization picker the team page shares:
// the chosen organization lives in the address (?org=), so a reload or a shared link keeps it.
import { useState } from "preact/hooks";
import { get, list, patch } from "../api/client.ts";
import { s } from "../i18n/en.ts";
import { type Async, useAsync } from "../lib/async.ts";
import { navigate, useLocation } from "../lib/router.ts";
import { check, emailOk, filled, REQUIRED } from "../lib/validate.ts";
import { FormErrors, SelectField, TextArea, TextField } from "../ui/field.tsx";
import { useForm } from "../ui/form.ts";
import { AsyncView, Empty, Notice } from "../ui/states.tsx";

export interface Organization {
  url: string;
  uuid: string;
  name: string;
  abbreviation: string;
  email: string;
  phone_number: string;
  homepage: string;
  address: string;
  postal: string;
  country: string;
  vat_code: string;
  registration_code: string;
  contact_details: string;
}

type Editable = Omit<Organization, "url" | "uuid">;
const EDITABLE: (keyof Editable)[] = [
  "name",
  "abbreviation",
  "email",
  "phone_number",
  "homepage",
  "address",
  "postal",
  "country",
  "vat_code",
  "registration_code",
  "contact_details",
];

export interface OrgChoice {
  orgs: Async<{ items: Organization[]; count: number }>;
  /** The chosen organization's uuid ("" until the list is there or when there is none). */
  current: string;
  choose: (uuid: string) => void;
}

/** The caller's organizations and the one chosen in ?org= (the first by name otherwise). */
export function useOrgChoice(): OrgChoice {
  const loc = useLocation();
  const orgs = useAsync(() => list<Organization>("/api/customers/", { page_size: 100, o: "name" }), []);
  const wanted = loc.query.get("org") ?? "";
  const items = orgs.status === "ok" ? orgs.data.items : [];
  const current = items.some((o) => o.uuid === wanted) ? wanted : (items[0]?.uuid ?? "");
  return {
    orgs,
    current,
    choose: (uuid) => navigate(`${loc.path}?org=${encodeURIComponent(uuid)}`, true),
  };
}

export function OrgPicker({ choice }: { choice: OrgChoice }) {
  if (choice.orgs.status !== "ok" || choice.orgs.data.items.length < 2) return null;
  return (
    <div class="toolbar">
      <SelectField
        label={s.organization.choose}
        name="org-choice"
        value={choice.current}
        onValue={choice.choose}
        options={choice.orgs.data.items.map((o) => ({ value: o.uuid, label: o.name }))}
      />
    </div>
  );
}

export function OrganizationPage() {
  const choice = useOrgChoice();
  return (
    <section>
      <h1>{s.organization.title}</h1>
      <AsyncView a={choice.orgs}>
        {(o) =>
          o.items.length === 0 ? (
            <Empty>{s.organization.none}</Empty>
          ) : (
            <>
              <OrgPicker choice={choice} />
              <Details key={choice.current} uuid={choice.current} onSaved={choice.orgs.reload} />
            </>
          )
        }
      </AsyncView>
    </section>
  );
}

function Details({ uuid, onSaved }: { uuid: string; onSaved: () => void }) {
  const org = useAsync(() => get<Organization>("/api/customers/{uuid}/", { uuid }), [uuid]);
  return <AsyncView a={org}>{(o) => <DetailsForm org={o} onSaved={onSaved} />}</AsyncView>;
}

function DetailsForm({ org, onSaved }: { org: Organization; onSaved: () => void }) {
  const [f, setF] = useState<Editable>(() => Object.fromEntries(EDITABLE.map((k) => [k, org[k] ?? ""])) as Editable);
  const [saved, setSaved] = useState(false);
  const form = useForm();
  const field = (k: keyof Editable) => ({
    name: `org-${k}`,
    value: f[k],
    onValue: (v: string) => {
      setSaved(false);
      setF({ ...f, [k]: v });
    },
    errors: form.fields[k],
  });
  const submit = (e: Event) => {
    e.preventDefault();
    const local = check({
      name: [[filled(f.name), REQUIRED]],
      email: [[f.email.trim() === "" || emailOk(f.email.trim()), "Enter a valid email address."]],
    });
    if (Object.keys(local).length) return form.setFields(local);
    void form.run(async () => {
      setSaved(false);
      // Only what changed: a PATCH names the fields it touches.
      const changed = Object.fromEntries(EDITABLE.filter((k) => f[k] !== (org[k] ?? "")).map((k) => [k, f[k].trim()]));
      await patch("/api/customers/{uuid}/", { uuid: org.uuid }, changed);
      setSaved(true);
      onSaved();
    }, EDITABLE);
  };
  return (
    <form class="panel" noValidate onSubmit={submit} aria-labelledby="org-details-h">
      <h2 id="org-details-h">{s.organization.details}</h2>
      <div class="grid2">
        <TextField label={s.organization.name} required {...field("name")} />
        <TextField label={s.organization.abbreviation} {...field("abbreviation")} />
        <TextField label={s.organization.email} type="email" autoComplete="email" {...field("email")} />
        <TextField label={s.organization.phone} autoComplete="tel" {...field("phone_number")} />
        <TextField label={s.organization.homepage} type="url" {...field("homepage")} />
        <TextField label={s.organization.address} autoComplete="street-address" {...field("address")} />
        <TextField label={s.organization.postal} autoComplete="postal-code" {...field("postal")} />
        <TextField label={s.organization.country} hint={s.organization.countryHint} {...field("country")} />
        <TextField label={s.organization.vatCode} {...field("vat_code")} />
        <TextField label={s.organization.registrationCode} {...field("registration_code")} />
      </div>
      <TextArea label={s.organization.contactDetails} {...field("contact_details")} />
      <FormErrors messages={form.general} />
      {saved && <Notice kind="ok">{s.organization.saved}</Notice>}
      <button type="submit" class="primary" disabled={form.busy}>
        {s.common.save}
      </button>
    </form>
  );
}
