// The provider report: revenue per offering and month for one provider organization, from
// /api/marketplace-provider-reports/ (integer uve, shown as exact VE), with the month range,
// offering ordering and pages going to the API.
import { useState } from "preact/hooks";
import { get, list } from "../api/client.ts";
import type { ServiceProvider } from "../api/models.ts";
import { useSession } from "../auth/session.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { uveToVe } from "../lib/money.ts";
import { SelectField, TextField } from "../ui/field.tsx";
import { DataTable, useListing } from "../ui/listing.tsx";
import { AsyncView, Empty } from "../ui/states.tsx";

const t = s.adminTools;
/** A row of labelled filter fields (the shared .search style is for one bare box). */
const FILTERS = { display: "flex", flexWrap: "wrap", gap: "0 1rem", alignItems: "flex-end" } as const;

interface ReportRow {
  uuid: string;
  offering_uuid: string;
  offering_name: string;
  month: string;
  resources_count: number;
  usage_uve: string;
  fixed_uve: string;
  total_uve: string;
}

/** Integer uve as VE with all six places: exact, no floats. */
const ym = (d: Date) => d.toISOString().slice(0, 7);

/** Organizations whose report the user may read: owner/manager roles, or every provider for staff. */
function useProviderOrgs() {
  const session = useSession();
  const user = session.status === "user" ? session.user : null;
  return useAsync(async () => {
    if (user?.is_staff || user?.is_support) {
      const p = await list<ServiceProvider>("/api/marketplace-service-providers/", { page_size: 300 });
      return p.items.map((x) => ({ uuid: x.customer_uuid, name: x.customer_name }));
    }
    const me = await get<{
      permissions?: { scope_type: string; role_name: string; scope_uuid: string; scope_name: string }[];
    }>("/api/users/me/");
    return (me.permissions ?? [])
      .filter(
        (p) =>
          p.scope_type === "customer" &&
          (p.role_name === "CUSTOMER.OWNER" || p.role_name === "CUSTOMER.MANAGER"),
      )
      .map((p) => ({ uuid: p.scope_uuid, name: p.scope_name }));
  }, [user?.uuid]);
}

function Report({ customer }: { customer: string }) {
  const now = new Date();
  const [from, setFrom] = useState(ym(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 11, 1))));
  const [to, setTo] = useState(ym(now));
  const listing = useListing<ReportRow>("/api/marketplace-provider-reports/", {
    base: { customer_uuid: customer },
    ordering: "-month",
    filters: { start: from, end: to },
  });
  const r = listing.result;
  const pageTotal = r.status === "ok" ? r.data.items.reduce((sum, x) => sum + BigInt(x.total_uve), 0n) : 0n;
  return (
    <>
      <div class="toolbar">
        <form
          class="filters"
          style={FILTERS}
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            listing.setFilter("start", from);
            listing.setFilter("end", to);
          }}
        >
          <TextField
            label={t.from}
            name="report-from"
            type="text"
            placeholder="YYYY-MM"
            value={from}
            onValue={setFrom}
            errors={errorOf(r, "start")}
          />
          <TextField
            label={t.to}
            name="report-to"
            type="text"
            placeholder="YYYY-MM"
            value={to}
            onValue={setTo}
            errors={errorOf(r, "end")}
          />
          <button type="submit" style={{ marginBottom: "0.8rem" }}>
            {t.show}
          </button>
        </form>
      </div>
      <DataTable
        listing={
          {
            ...listing,
            result:
              r.status === "error" && (errorOf(r, "start") || errorOf(r, "end"))
                ? { ...r, status: "ok", data: { items: [], count: 0 } }
                : r,
          } as typeof listing
        }
        caption={t.report}
        columns={[
          { label: t.month, sort: "month", render: (x) => x.month },
          { label: t.offering, sort: "offering_name", render: (x) => x.offering_name },
          { label: t.resourcesCount, render: (x) => x.resources_count },
          { label: t.usageRevenue, render: (x) => uveToVe(x.usage_uve) },
          { label: t.fixedRevenue, render: (x) => uveToVe(x.fixed_uve) },
          {
            label: t.totalRevenue,
            sort: "total_uve",
            render: (x) => <strong>{uveToVe(x.total_uve)}</strong>,
          },
        ]}
      />
      {r.status === "ok" && r.data.items.length > 0 && (
        <p class="muted">
          {t.pageTotal}: <strong>{uveToVe(pageTotal)}</strong>
        </p>
      )}
    </>
  );
}

/** The API's message for a query parameter, shown beside its field. */
function errorOf(r: ReturnType<typeof useListing<ReportRow>>["result"], field: string): string[] | undefined {
  if (r.status !== "error") return undefined;
  const f = (r.error as { fields?: Record<string, string[]> }).fields;
  return f?.[field];
}

export function ProviderReport() {
  const orgs = useProviderOrgs();
  const [chosen, setChosen] = useState("");
  return (
    <section>
      <h1>{t.report}</h1>
      <p>{t.reportIntro}</p>
      <AsyncView a={orgs}>
        {(list) => {
          if (list.length === 0) return <Empty>{t.noProviderOrgs}</Empty>;
          const customer = chosen || list[0]!.uuid;
          return (
            <>
              <SelectField
                label={t.organization}
                name="report-org"
                value={customer}
                onValue={setChosen}
                options={list.map((o) => ({ value: o.uuid, label: o.name }))}
              />
              <Report key={customer} customer={customer} />
            </>
          );
        }}
      </AsyncView>
    </section>
  );
}
