// Support and staff reporting (/admin/reports): Waldur's marketplace-stats figures — orders by state
// and day over a date range, cost per offering over a month range (integer uve shown as exact VE),
// active resources per offering, projects and OK resources per organization, and component usage
// per month. Each table has loading, error and empty states and a CSV download of its rows; range
// errors from the API are shown beside the field they name.
import { useState } from "preact/hooks";
import { ApiFailure, get, list, type PathWith, type Query } from "../api/client.ts";
import { useSession } from "../auth/session.ts";
import { s } from "../i18n/en.ts";
import { type Async, useAsync } from "../lib/async.ts";
import { uveToVe } from "../lib/money.ts";
import { TextField } from "../ui/field.tsx";
import { AsyncView, Empty, ErrorBox, Loading } from "../ui/states.tsx";
import { downloadCsv } from "../lib/csv.ts";

const t = s.adminReports;
const FILTERS = { display: "flex", flexWrap: "wrap", gap: "0 1rem", alignItems: "flex-end" } as const;
type Col<T> = [string, (r: T) => string | number];

interface OrderStats {
  summary: Record<"total" | "pending" | "executing" | "done" | "erred" | "canceled" | "rejected", number> & {
    total_cost: string | null;
  };
  by_state: Record<string, number>;
  by_type: Record<string, number>;
  daily: { date: string; total: number; by_state: Record<string, number> }[];
}
interface OfferingCount {
  uuid: string;
  name: string;
  country: string;
  count: number;
}
interface OfferingCost {
  offering_uuid: string;
  offering_name: string;
  cost_uve: string;
}
interface CustomerCount {
  uuid: string;
  name: string;
  abbreviation: string;
  count: number;
}
interface UsageRow {
  offering_uuid: string;
  component_type: string;
  usage: string;
  year: number;
  month: number;
}

/** Every row of a stats list (they are small: one per offering or organization), page by page. */
async function allRows<T>(path: PathWith<"get">, query: Query = {}): Promise<T[]> {
  const rows: T[] = [];
  for (let page = 1; ; page++) {
    const p = await list<T>(path, { ...query, page, page_size: 300 });
    rows.push(...p.items);
    if (rows.length >= p.count || p.items.length === 0) return rows;
  }
}

const fieldErrors = (a: Async<unknown>, name: string) =>
  a.status === "error" && a.error instanceof ApiFailure ? a.error.fields[name] : undefined;

function StatsTable<T>({
  rows,
  columns,
  caption,
  file,
  testId,
}: {
  rows: Async<T[]>;
  columns: Col<T>[];
  caption: string;
  file: string;
  testId: string;
}) {
  if (rows.status === "loading") return <Loading />;
  if (rows.status === "error") return <ErrorBox error={rows.error} retry={rows.reload} />;
  if (!rows.data.length) return <Empty>{t.none}</Empty>;
  return (
    <div class="table-wrap">
      <table data-testid={testId}>
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map(([h]) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.data.map((r, i) => (
            // Rows are aggregates without an id of their own; their position is their identity.
            <tr key={i}>
              {columns.map(([h, f]) => (
                <td key={h} data-label={h}>
                  {f(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={() => downloadCsv(rows.data, columns, file)}>
        {t.csv(caption)}
      </button>
    </div>
  );
}

const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** A from/to range typed into a panel, applied when the user asks to show it. */
function useRange(initial: { start: string; end: string }) {
  const [draft, setDraft] = useState(initial);
  const [range, setRange] = useState(initial);
  return { draft, setDraft, range, apply: () => setRange({ start: draft.start.trim(), end: draft.end.trim() }) };
}

/** The range's fields with the API's errors for `start` and `end` beside them. */
function RangeForm(props: {
  r: ReturnType<typeof useRange>;
  id: string;
  labels: [string, string];
  placeholder: string;
  answer: Async<unknown>;
}) {
  const { r } = props;
  return (
    <form
      style={FILTERS}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        r.apply();
      }}
    >
      <TextField label={props.labels[0]} name={`${props.id}-from`} placeholder={props.placeholder} value={r.draft.start} onValue={(start) => r.setDraft({ ...r.draft, start })} errors={fieldErrors(props.answer, "start")} />
      <TextField label={props.labels[1]} name={`${props.id}-to`} placeholder={props.placeholder} value={r.draft.end} onValue={(end) => r.setDraft({ ...r.draft, end })} errors={fieldErrors(props.answer, "end")} />
      <button type="submit" style={{ marginBottom: "0.8rem" }}>
        {t.show}
      </button>
    </form>
  );
}

const rangeRefused = (a: Async<unknown>) => !!(fieldErrors(a, "start") || fieldErrors(a, "end"));

function OrdersPanel() {
  const today = new Date();
  const r = useRange({ start: isoDay(new Date(today.getTime() - 30 * 86_400_000)), end: isoDay(today) });
  const stats = useAsync(
    () => get<OrderStats>("/api/marketplace-stats/order_stats/", undefined, r.range),
    [r.range.start, r.range.end],
  );
  return (
    <section aria-labelledby="rep-orders" class="panel">
      <h2 id="rep-orders">{t.orders}</h2>
      <RangeForm r={r} id="orders" labels={[t.from, t.to]} placeholder="YYYY-MM-DD" answer={stats} />
      {rangeRefused(stats) ? null : (
        <AsyncView a={stats}>
          {(o) => (
            <>
              <dl class="facts" data-testid="order-summary">
                {(["total", "pending", "executing", "done", "erred", "canceled", "rejected"] as const).map((k) => (
                  <div key={k}>
                    <dt>{t.orderStates[k]}</dt>
                    <dd>{o.summary[k]}</dd>
                  </div>
                ))}
              </dl>
              <StatsTable
                rows={{ status: "ok", data: o.daily, reload: stats.reload }}
                caption={t.ordersDaily}
                file="orders-per-day.csv"
                testId="orders-daily"
                columns={[
                  [t.date, (d) => d.date],
                  [t.orderStates.total, (d) => d.total],
                  [t.orderStates.done, (d) => d.by_state.done ?? 0],
                  [t.orderStates.pending, (d) => Object.entries(d.by_state).filter(([k]) => k.startsWith("pending")).reduce((n, [, v]) => n + v, 0)],
                ]}
              />
            </>
          )}
        </AsyncView>
      )}
    </section>
  );
}

const ym = (d: Date) => d.toISOString().slice(0, 7);

function CostPanel() {
  const now = new Date();
  const r = useRange({ start: ym(new Date(Date.UTC(now.getUTCFullYear() - 1, now.getUTCMonth(), 1))), end: ym(now) });
  const rows = useAsync(
    () => allRows<OfferingCost>("/api/marketplace-stats/total_cost_of_active_resources_per_offering/", r.range),
    [r.range.start, r.range.end],
  );
  return (
    <section aria-labelledby="rep-cost" class="panel">
      <h2 id="rep-cost">{t.cost}</h2>
      <RangeForm r={r} id="cost" labels={[t.fromMonth, t.toMonth]} placeholder="YYYY-MM" answer={rows} />
      {rangeRefused(rows) ? null : (
        <StatsTable
          rows={rows}
          caption={t.cost}
          file="cost-per-offering.csv"
          testId="cost-per-offering"
          columns={[
            [t.offering, (r) => r.offering_name],
            [t.costVe, (r) => uveToVe(r.cost_uve)],
          ]}
        />
      )}
    </section>
  );
}

function ResourcesPanel() {
  const rows = useAsync(
    () => allRows<OfferingCount>("/api/marketplace-stats/count_active_resources_grouped_by_offering/"),
    [],
  );
  return (
    <section aria-labelledby="rep-res" class="panel">
      <h2 id="rep-res">{t.activeResources}</h2>
      <StatsTable
        rows={rows}
        caption={t.activeResources}
        file="active-resources-per-offering.csv"
        testId="active-resources"
        columns={[
          [t.offering, (r) => r.name],
          [t.country, (r) => r.country || "—"],
          [t.count, (r) => r.count],
        ]}
      />
    </section>
  );
}

function OrganizationsPanel() {
  const rows = useAsync(async () => {
    const [projects, resources] = await Promise.all([
      allRows<CustomerCount>("/api/marketplace-stats/organization_project_count/"),
      allRows<CustomerCount>("/api/marketplace-stats/organization_resource_count/"),
    ]);
    const byUuid = new Map<string, { name: string; abbreviation: string; projects: number; resources: number }>();
    for (const p of projects) byUuid.set(p.uuid, { name: p.name, abbreviation: p.abbreviation, projects: p.count, resources: 0 });
    for (const r of resources) {
      const row = byUuid.get(r.uuid) ?? { name: r.name, abbreviation: r.abbreviation, projects: 0, resources: 0 };
      row.resources = r.count;
      byUuid.set(r.uuid, row);
    }
    return [...byUuid.values()].sort((a, b) => b.resources - a.resources || b.projects - a.projects || a.name.localeCompare(b.name));
  }, []);
  return (
    <section aria-labelledby="rep-orgs" class="panel">
      <h2 id="rep-orgs">{t.organizations}</h2>
      <StatsTable
        rows={rows}
        caption={t.organizations}
        file="organizations.csv"
        testId="organizations"
        columns={[
          [t.organization, (r) => r.name],
          [t.abbreviation, (r) => r.abbreviation || "—"],
          [t.projects, (r) => r.projects],
          [t.okResources, (r) => r.resources],
        ]}
      />
    </section>
  );
}

function UsagePanel() {
  const rows = useAsync(async () => {
    const [usage, offerings, costs] = await Promise.all([
      allRows<UsageRow>("/api/marketplace-stats/component_usages_per_month/"),
      allRows<OfferingCount>("/api/marketplace-stats/count_active_resources_grouped_by_offering/"),
      allRows<OfferingCost>("/api/marketplace-stats/total_cost_of_active_resources_per_offering/"),
    ]);
    // Names the other figures carry (active resources, or cost in the last year); else the uuid.
    const names = new Map([
      ...costs.map((c): [string, string] => [c.offering_uuid, c.offering_name]),
      ...offerings.map((o): [string, string] => [o.uuid, o.name]),
    ]);
    return usage.map((u) => ({ ...u, offering: names.get(u.offering_uuid) ?? u.offering_uuid }));
  }, []);
  return (
    <section aria-labelledby="rep-usage" class="panel">
      <h2 id="rep-usage">{t.usage}</h2>
      <StatsTable
        rows={rows}
        caption={t.usage}
        file="component-usage-per-month.csv"
        testId="usage-per-month"
        columns={[
          [t.month, (r) => `${r.year}-${String(r.month).padStart(2, "0")}`],
          [t.offering, (r) => r.offering],
          [t.component, (r) => r.component_type],
          [t.usageAmount, (r) => r.usage],
        ]}
      />
    </section>
  );
}

export function AdminReports() {
  const session = useSession();
  const user = session.status === "user" ? session.user : null;
  if (!user?.is_staff && !user?.is_support) return <p>{t.staffOnly}</p>;
  return (
    <section>
      <h1>{t.title}</h1>
      <p>{t.intro}</p>
      <OrdersPanel />
      <CostPanel />
      <ResourcesPanel />
      <OrganizationsPanel />
      <UsagePanel />
    </section>
  );
}
