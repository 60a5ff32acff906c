// Staff and support: users (search, sort, details, deactivate or reactivate), organizations,
// broadcast messages (recipient count before sending), all orders and resources (filters, CSV
// export of every matching row) and the audit log with filters.
import { useEffect, useState } from "preact/hooks";
import { get, list, patch, post, type PathWith, type Query } from "../api/client.ts";
import {
  type Customer,
  type EventRecord,
  type Offering,
  type Order,
  ORDER_STATES,
  type Resource,
  type User,
} from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { Checkbox, FormErrors, TextArea, TextField } from "../ui/field.tsx";
import { errorsFor, useForm } from "../ui/form.ts";
import { StateBadge, when } from "../ui/format.tsx";
import { ChoiceFilter, type Column, DataTable, type Listing, SearchBox, useListing } from "../ui/listing.tsx";
import { AsyncView, Notice } from "../ui/states.tsx";
import { type CsvColumn, downloadCsv } from "../lib/csv.ts";
import { RESOURCE_COLUMNS as c, ResourceList } from "./resource-list.tsx";

const t = s.adminTools;
/** A row of labelled filter fields (the shared .search style is for one bare box). */
const FILTERS = { display: "flex", flexWrap: "wrap", gap: "0 1rem", alignItems: "flex-end" } as const;

export function AdminUsers() {
  const listing = useListing<User>("/api/users/", { ordering: "username" });
  const form = useForm();
  return (
    <section>
      <h1>{s.admin.users}</h1>
      <SearchBox listing={listing} param="query" label={s.list.search} />
      <FormErrors messages={form.general} />
      <DataTable
        listing={listing}
        caption={s.admin.users}
        columns={[
          {
            label: s.admin.username,
            sort: "username",
            render: (u) => <a href={`/admin/users/${u.uuid}`}>{u.username}</a>,
          },
          { label: s.admin.fullName, render: (u) => u.full_name },
          { label: s.admin.email, sort: "email", render: (u) => u.email },
          { label: s.admin.staff, render: (u) => (u.is_staff ? s.common.yes : s.common.no) },
          {
            label: s.admin.active,
            sort: "is_active",
            render: (u) => (u.is_active ? s.common.yes : s.common.no),
          },
          { label: s.admin.joined, sort: "date_joined", render: (u) => when(u.date_joined) },
          {
            label: s.admin.deactivate,
            render: (u) => (
              <button
                type="button"
                disabled={form.busy}
                aria-label={`${u.is_active ? s.admin.deactivate : s.admin.activate} ${u.username}`}
                onClick={() =>
                  form.run(async () => {
                    await patch("/api/users/{uuid}/", { uuid: u.uuid }, { is_active: !u.is_active });
                    listing.result.reload();
                  })
                }
              >
                {u.is_active ? s.admin.deactivate : s.admin.activate}
              </button>
            ),
          },
        ]}
      />
    </section>
  );
}

type UserDetail = User & {
  registration_method?: string;
  organization?: string;
  job_title?: string;
  phone_number?: string;
  permissions?: { role_name: string; scope_type: string; scope_name: string }[];
};

export function AdminUserDetail({ uuid }: { uuid: string }) {
  const a = useAsync(() => get<UserDetail>("/api/users/{uuid}/", { uuid }), [uuid]);
  const form = useForm();
  const [notice, setNotice] = useState("");
  return (
    <AsyncView a={a}>
      {(u) => (
        <article>
          <p>
            <a href="/admin/users">{t.back}</a>
          </p>
          <header class="page-head">
            <div>
              <h1>{u.full_name || u.username}</h1>
              <p>
                {t.userDetails} · <StateBadge state={u.is_active ? s.admin.active : s.common.no} />
              </p>
            </div>
            <button
              type="button"
              class={u.is_active ? "" : "primary"}
              disabled={form.busy}
              onClick={() =>
                form.run(async () => {
                  await patch("/api/users/{uuid}/", { uuid }, { is_active: !u.is_active });
                  setNotice(u.is_active ? t.deactivated : t.activated);
                  a.reload();
                })
              }
            >
              {u.is_active ? s.admin.deactivate : s.admin.activate}
            </button>
          </header>
          {notice && <Notice kind="ok">{notice}</Notice>}
          <FormErrors messages={form.general} />
          <dl class="facts">
            <dt>{s.admin.username}</dt>
            <dd>{u.username}</dd>
            <dt>{s.admin.email}</dt>
            <dd>{u.email || "—"}</dd>
            <dt>{s.admin.active}</dt>
            <dd>{u.is_active ? s.common.yes : s.common.no}</dd>
            <dt>{s.admin.staff}</dt>
            <dd>{u.is_staff ? s.common.yes : s.common.no}</dd>
            <dt>{t.support}</dt>
            <dd>{u.is_support ? s.common.yes : s.common.no}</dd>
            <dt>{s.admin.joined}</dt>
            <dd>{when(u.date_joined)}</dd>
            <dt>{t.lastChange}</dt>
            <dd>{u.registration_method ?? "—"}</dd>
          </dl>
          {u.permissions && u.permissions.length > 0 && (
            <table>
              <caption>{s.nav.team}</caption>
              <thead>
                <tr>
                  <th scope="col">{t.type}</th>
                  <th scope="col">{s.admin.name}</th>
                  <th scope="col">{t.state}</th>
                </tr>
              </thead>
              <tbody>
                {u.permissions.map((p) => (
                  <tr key={`${p.scope_type}${p.scope_name}${p.role_name}`}>
                    <td>{p.scope_type}</td>
                    <td>{p.scope_name}</td>
                    <td>{p.role_name}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </article>
      )}
    </AsyncView>
  );
}

export function AdminOrgs() {
  const listing = useListing<Customer>("/api/customers/", { ordering: "name" });
  return (
    <section>
      <h1>{s.admin.orgs}</h1>
      <SearchBox listing={listing} param="name" label={s.list.search} />
      <DataTable
        listing={listing}
        caption={s.admin.orgs}
        columns={[
          { label: s.admin.name, sort: "name", render: (c) => c.name },
          { label: s.common.abbreviation, sort: "abbreviation", render: (c) => c.abbreviation ?? "" },
          { label: s.admin.created, sort: "created", render: (c) => when(c.created) },
        ]}
      />
    </section>
  );
}

// ---- broadcast messages

interface Broadcast {
  uuid: string;
  created: string;
  subject: string;
  body: string;
  state: string;
  recipient_count: number;
  sent_count: number;
  failed_count: number;
  author_full_name: string;
  send_at: string | null;
}

type Audience = "all" | "owners" | "offerings";

/** The message's query as the API reads it, from the composer's choices. */
function queryOf(
  audience: Audience,
  orgs: string[],
  offerings: string[],
  withOwners: boolean,
): Record<string, unknown> {
  if (audience === "all") return { all_users: true };
  if (audience === "owners") return { customers: orgs, customer_roles: ["CUSTOMER.OWNER"] };
  return withOwners ? { offerings, customer_roles: ["CUSTOMER.OWNER"] } : { offerings };
}

/** Query-string form of the same query, for recipients/. */
function paramsOf(q: Record<string, unknown>): Query {
  const out: Query = {};
  for (const [k, v] of Object.entries(q)) out[k] = Array.isArray(v) ? v.join(",") : (v as boolean);
  return out;
}

function MultiSelect({
  label,
  name,
  options,
  value,
  onValue,
  errors,
}: {
  label: string;
  name: string;
  options: { value: string; label: string }[];
  value: string[];
  onValue: (v: string[]) => void;
  errors?: string[];
}) {
  const id = `ms-${name}`;
  return (
    <div class={`field${errors?.length ? " invalid" : ""}`}>
      <label for={id}>{label}</label>
      <select
        id={id}
        multiple
        size={Math.min(6, Math.max(3, options.length))}
        aria-describedby={`${id}-hint${errors?.length ? ` ${id}-err` : ""}`}
        aria-invalid={errors?.length ? "true" : undefined}
        onChange={(e) => onValue(Array.from((e.target as HTMLSelectElement).selectedOptions, (o) => o.value))}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value} selected={value.includes(o.value)}>
            {o.label}
          </option>
        ))}
      </select>
      <small id={`${id}-hint`} class="hint">
        {t.chooseHint}
      </small>
      {errors?.map((e) => (
        <small key={e} id={`${id}-err`} class="field-error" role="alert">
          {e}
        </small>
      ))}
    </div>
  );
}

export function AdminBroadcast() {
  const listing = useListing<Broadcast>("/api/broadcast-messages/", { ordering: "-created" });
  const orgs = useAsync(() => list<Customer>("/api/customers/", { page_size: 300, o: "name" }), []);
  const offs = useAsync(
    () => list<Offering>("/api/marketplace-provider-offerings/", { page_size: 300, o: "name" }),
    [],
  );
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  // Waldur's send_at: a UTC day from which the cron sends the SCHEDULED message; empty sends now.
  const [sendAt, setSendAt] = useState("");
  const [audience, setAudience] = useState<Audience>("all");
  const [chosenOrgs, setOrgs] = useState<string[]>([]);
  const [chosenOffs, setOffs] = useState<string[]>([]);
  const [withOwners, setWithOwners] = useState(false);
  const [count, setCount] = useState<{ n: number | null; error: string }>({ n: null, error: "" });
  const [notice, setNotice] = useState("");
  const form = useForm();
  const query = queryOf(audience, chosenOrgs, chosenOffs, withOwners);
  const key = JSON.stringify(query);
  const incomplete =
    (audience === "owners" && chosenOrgs.length === 0) ||
    (audience === "offerings" && chosenOffs.length === 0);
  // The count follows the choice of recipients, asked of the API each time it changes.
  useEffect(() => {
    if (incomplete) return setCount({ n: 0, error: "" });
    let live = true;
    setCount({ n: null, error: "" });
    list<unknown>("/api/broadcast-messages/recipients/", { ...paramsOf(query), page_size: 1 })
      .then((p) => live && setCount({ n: p.count, error: "" }))
      .catch((e: Error) => live && setCount({ n: null, error: e.message }));
    return () => {
      live = false;
    };
  }, [key, incomplete]);
  const submit = (send: boolean) =>
    form.run(async () => {
      setNotice("");
      const m = await post<Broadcast>("/api/broadcast-messages/", undefined, {
        subject: subject.trim(),
        body,
        query,
        ...(sendAt ? { send_at: sendAt } : {}),
      });
      if (m.state === "SCHEDULED") setNotice(t.scheduled(m.send_at ?? sendAt));
      else if (send) {
        const done = await post<Broadcast>("/api/broadcast-messages/{uuid}/send/", { uuid: m.uuid });
        setNotice(t.sent(done.sent_count, done.failed_count));
      } else setNotice(t.saved);
      setSubject("");
      setBody("");
      setSendAt("");
      listing.result.reload();
    }, ["subject", "body", "query", "send_at"]);
  const audiences: [Audience, string][] = [
    ["all", t.audienceAll],
    ["owners", t.audienceOwners],
    ["offerings", t.audienceOfferings],
  ];
  return (
    <section>
      <h1>{t.broadcast}</h1>
      <form
        class="panel"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit(true);
        }}
      >
        <h2>{t.newMessage}</h2>
        <TextField
          label={t.subject}
          name="bc-subject"
          required
          value={subject}
          onValue={setSubject}
          errors={form.fields.subject}
        />
        <TextArea
          label={t.body}
          name="bc-body"
          rows={6}
          required
          value={body}
          onValue={setBody}
          errors={form.fields.body}
        />
        <TextField
          label={t.sendOn}
          name="bc-send-at"
          type="date"
          hint={t.sendOnHint}
          value={sendAt}
          onValue={setSendAt}
          errors={form.fields.send_at}
        />
        <fieldset>
          <legend>{t.audience}</legend>
          {audiences.map(([v, label]) => (
            <div key={v} class="field check">
              <input
                id={`bc-audience-${v}`}
                style={{ width: "auto" }}
                type="radio"
                name="bc-audience"
                value={v}
                checked={audience === v}
                onChange={() => setAudience(v)}
              />
              <label for={`bc-audience-${v}`}>{label}</label>
            </div>
          ))}
        </fieldset>
        {audience === "owners" && (
          <AsyncView a={orgs}>
            {(p) => (
              <MultiSelect
                label={t.organizations}
                name="bc-orgs"
                value={chosenOrgs}
                onValue={setOrgs}
                options={p.items.map((c) => ({ value: c.uuid, label: c.name }))}
                errors={errorsFor(form.fields, "query.customers")}
              />
            )}
          </AsyncView>
        )}
        {audience === "offerings" && (
          <AsyncView a={offs}>
            {(p) => (
              <>
                <MultiSelect
                  label={t.offerings}
                  name="bc-offerings"
                  value={chosenOffs}
                  onValue={setOffs}
                  options={p.items.map((o) => ({ value: o.uuid, label: `${o.name} (${o.customer_name})` }))}
                  errors={errorsFor(form.fields, "query.offerings")}
                />
                <Checkbox
                  label={t.alsoOwners}
                  name="bc-owners"
                  checked={withOwners}
                  onValue={setWithOwners}
                />
              </>
            )}
          </AsyncView>
        )}
        <p class="recipient-count" role="status" aria-live="polite">
          {count.error ? count.error : count.n === null ? t.counting : t.recipientCount(count.n)}
        </p>
        <FormErrors messages={[...form.general, ...(form.fields.query ?? [])]} />
        {notice && <Notice kind="ok">{notice}</Notice>}
        <div class="buttons">
          <button type="submit" class="primary" disabled={form.busy || !count.n}>
            {sendAt ? t.schedule : t.send}
          </button>
          {/* A dated message is scheduled, never a draft. */}
          {!sendAt && (
            <button type="button" disabled={form.busy} onClick={() => void submit(false)}>
              {t.saveDraft}
            </button>
          )}
        </div>
      </form>
      <h2>{t.messages}</h2>
      <div class="toolbar">
        <SearchBox listing={listing} param="subject" label={t.searchSubject} />
        <ChoiceFilter
          listing={listing}
          param="state"
          label={t.state}
          choices={["DRAFT", "SCHEDULED", "SENT"]}
        />
      </div>
      <DataTable
        listing={listing}
        caption={t.messages}
        columns={[
          { label: t.created, sort: "created", render: (m) => when(m.created) },
          { label: t.subject, sort: "subject", render: (m) => m.subject },
          { label: t.state, sort: "state", render: (m) => <StateBadge state={m.state} /> },
          { label: t.sendOn, sort: "send_at", render: (m) => m.send_at ?? "—" },
          {
            label: t.recipients,
            render: (m) => (m.state === "SENT" ? `${m.sent_count}/${m.recipient_count}` : "—"),
          },
          {
            label: t.send,
            render: (m) =>
              m.state === "SENT" ? (
                "—"
              ) : (
                <button
                  type="button"
                  disabled={form.busy}
                  aria-label={t.sendDraft(m.subject)}
                  onClick={() =>
                    form.run(async () => {
                      const done = await post<Broadcast>("/api/broadcast-messages/{uuid}/send/", {
                        uuid: m.uuid,
                      });
                      setNotice(t.sent(done.sent_count, done.failed_count));
                      listing.result.reload();
                    })
                  }
                >
                  {t.send}
                </button>
              ),
          },
        ]}
      />
    </section>
  );
}

// ---- CSV export of every row a listing's filters match

async function exportAll<T>(
  path: PathWith<"get">,
  listing: Listing<T>,
  columns: CsvColumn<T>[],
  file: string,
) {
  const rows: T[] = [];
  const q: Query = {};
  for (const [k, v] of Object.entries(listing.filters)) if (v !== "" && v !== undefined) q[k] = v;
  if (listing.ordering) q.o = listing.ordering;
  for (let page = 1; ; page++) {
    const p = await list<T>(path, { ...q, page, page_size: 300 });
    rows.push(...p.items);
    if (rows.length >= p.count || p.items.length === 0) break;
  }
  downloadCsv(rows, columns, file);
}

function ExportButton<T>({
  path,
  listing,
  columns,
  file,
}: {
  path: PathWith<"get">;
  listing: Listing<T>;
  columns: CsvColumn<T>[];
  file: string;
}) {
  const form = useForm();
  return (
    <>
      <button
        type="button"
        disabled={form.busy}
        onClick={() => form.run(() => exportAll(path, listing, columns, file))}
      >
        {form.busy ? t.exporting : t.exportCsv}
      </button>
      <FormErrors messages={form.general} />
    </>
  );
}

const ORDER_CSV: [string, (o: Order) => unknown][] = [
  ["uuid", (o) => o.uuid],
  ["created", (o) => o.created],
  ["state", (o) => o.state],
  ["type", (o) => o.type],
  ["offering", (o) => o.offering_name],
  ["provider", (o) => o.provider_name],
  ["organization", (o) => o.customer_name],
  ["project", (o) => o.project_name],
  ["resource", (o) => o.resource_name],
  ["cost", (o) => o.cost],
  ["created_by", (o) => o.created_by_username],
];

export function AdminOrders() {
  const listing = useListing<Order>("/api/marketplace-orders/", { ordering: "-created" });
  return (
    <section>
      <header class="page-head">
        <h1>{t.navOrders}</h1>
        <ExportButton
          path="/api/marketplace-orders/"
          listing={listing}
          columns={ORDER_CSV}
          file="orders.csv"
        />
      </header>
      <div class="toolbar">
        <SearchBox listing={listing} param="query" label={s.list.search} />
        <ChoiceFilter listing={listing} param="state" label={t.state} choices={ORDER_STATES} />
        <ChoiceFilter
          listing={listing}
          param="type"
          label={t.type}
          choices={["Create", "Update", "Terminate"]}
        />
      </div>
      <DataTable
        listing={listing}
        caption={t.navOrders}
        columns={[
          { label: t.created, sort: "created", render: (o) => when(o.created) },
          { label: t.offering, render: (o) => o.offering_name },
          { label: t.customer, render: (o) => o.customer_name },
          { label: t.project, render: (o) => o.project_name },
          { label: t.type, render: (o) => o.type },
          { label: t.state, sort: "state", render: (o) => <StateBadge state={o.state} /> },
          { label: t.cost, sort: "cost", render: (o) => o.cost ?? "—" },
        ]}
      />
    </section>
  );
}

const RESOURCE_CSV: [string, (r: Resource) => unknown][] = [
  ["uuid", (r) => r.uuid],
  ["name", (r) => r.name],
  ["state", (r) => r.state],
  ["created", (r) => r.created],
  ["offering", (r) => r.offering_name],
  ["offering_type", (r) => r.offering_type],
  ["plan", (r) => r.plan_name],
  ["provider", (r) => r.provider_name],
  ["organization", (r) => r.customer_name],
  ["project", (r) => r.project_name],
  ["backend_id", (r) => r.backend_id],
  ["limits", (r) => JSON.stringify(r.limits)],
];

export function AdminResources() {
  return (
    <ResourceList
      path="/api/marketplace-resources/"
      title={t.navResources}
      columns={[c.nameLinked, c.offering, c.provider, c.customer, c.project, c.state, c.created]}
      actions={(listing) => (
        <ExportButton path="/api/marketplace-resources/" listing={listing} columns={RESOURCE_CSV} file="resources.csv" />
      )}
    />
  );
}

type AuditEvent = EventRecord & { context?: { user_username?: string } };
const AUDIT_COLUMNS: Column<AuditEvent>[] = [
  { label: s.events.when, render: (e) => when(e.created) },
  { label: s.events.type, render: (e) => <code>{e.event_type}</code> },
  { label: s.events.message, render: (e) => e.message },
  { label: s.events.user, render: (e) => e.context?.user_username ?? "—" },
];

export function AdminAudit() {
  const listing = useListing<AuditEvent>("/api/events/");
  const [type, setType] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  return (
    <section>
      <header class="page-head">
        <h1>{t.navAudit}</h1>
        <ExportButton
          path="/api/events/"
          listing={listing}
          columns={[
            ["created", (e) => e.created],
            ["event_type", (e) => e.event_type],
            ["message", (e) => e.message],
            ["user", (e) => e.context?.user_username ?? ""],
          ]}
          file="audit-log.csv"
        />
      </header>
      <div class="toolbar">
        <SearchBox listing={listing} param="message" label={s.events.message} />
        <form
          class="filters"
          style={FILTERS}
          onSubmit={(e) => {
            e.preventDefault();
            listing.setFilter("event_type", type.trim());
            listing.setFilter("created_from", from ? new Date(`${from}T00:00:00`).toISOString() : "");
            listing.setFilter("created_to", to ? new Date(`${to}T23:59:59`).toISOString() : "");
          }}
        >
          <TextField
            label={t.eventType}
            name="audit-type"
            hint={t.eventTypeHint}
            value={type}
            onValue={setType}
          />
          <TextField label={s.events.from} name="audit-from" type="date" value={from} onValue={setFrom} />
          <TextField label={s.events.to} name="audit-to" type="date" value={to} onValue={setTo} />
          <button type="submit" style={{ marginBottom: "0.8rem" }}>
            {s.list.filter}
          </button>
        </form>
      </div>
      <DataTable listing={listing} caption={t.navAudit} columns={AUDIT_COLUMNS} />
    </section>
  );
}
