// The customer's orders (filter by state, sort by date) and one order's detail.
import { get, post } from "../api/client.ts";
import { ORDER_STATES, type Order } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { FormErrors } from "../ui/field.tsx";
import { useForm } from "../ui/form.ts";
import { StateBadge, when } from "../ui/format.tsx";
import { ChoiceFilter, DataTable, SearchBox, useListing } from "../ui/listing.tsx";
import { AsyncView, MISSING } from "../ui/states.tsx";

export function Orders() {
  const listing = useListing<Order>("/api/marketplace-orders/", { ordering: "-created" });
  return (
    <section>
      <h1>{s.orders.title}</h1>
      <div class="toolbar">
        <SearchBox listing={listing} param="query" label={s.list.search} />
        <ChoiceFilter listing={listing} param="state" label={s.orders.state} choices={ORDER_STATES} />
      </div>
      <DataTable
        listing={listing}
        caption={s.orders.title}
        columns={[
          { label: s.orders.offering, render: (o) => <a href={`/orders/${o.uuid}`}>{o.offering_name}</a> },
          { label: s.orders.resource, render: (o) => o.resource_name },
          { label: s.orders.project, render: (o) => o.project_name },
          { label: s.orders.type, render: (o) => o.type },
          { label: s.orders.state, sort: "state", render: (o) => <StateBadge state={o.state} /> },
          { label: s.orders.created, sort: "created", render: (o) => when(o.created) },
        ]}
      />
    </section>
  );
}

export function OrderDetail({ uuid }: { uuid: string }) {
  const a = useAsync(() => get<Order>("/api/marketplace-orders/{uuid}/", { uuid }), [uuid]);
  const form = useForm();
  return (
    <AsyncView a={a} missing={MISSING.order}>
      {(o) => (
        <article>
          <header class="page-head">
            <div>
              <h1>
                {s.orders.detail}: {o.offering_name}
              </h1>
              <p>
                <StateBadge state={o.state} />
              </p>
            </div>
            <button type="button" onClick={a.reload}>
              {s.common.refresh}
            </button>
          </header>
          <dl class="facts">
            <dt>{s.orders.type}</dt>
            <dd>{o.type}</dd>
            <dt>{s.orders.resource}</dt>
            <dd>
              {o.marketplace_resource_uuid ? (
                <a href={`/resources/${o.marketplace_resource_uuid}`}>{o.resource_name}</a>
              ) : (
                o.resource_name
              )}
            </dd>
            <dt>{s.orders.project}</dt>
            <dd>
              {o.customer_name} / {o.project_name}
            </dd>
            <dt>{s.orders.plan}</dt>
            <dd>{o.plan_name ?? "—"}</dd>
            <dt>{s.orders.limits}</dt>
            <dd>
              {Object.entries(o.limits)
                .map(([k, v]) => `${k}: ${v}`)
                .join(", ") || "—"}
            </dd>
            <dt>{s.orders.createdBy}</dt>
            <dd>{o.created_by_username}</dd>
            <dt>{s.orders.created}</dt>
            <dd>{when(o.created)}</dd>
            {o.error_message && (
              <>
                <dt>{s.orders.error}</dt>
                <dd>{o.error_message}</dd>
              </>
            )}
          </dl>
          {["pending-consumer", "pending-provider"].includes(o.state) && (
            <div class="buttons">
              <button
                type="button"
                disabled={form.busy}
                onClick={() =>
                  form.run(async () => {
                    await post("/api/marketplace-orders/{uuid}/cancel/", { uuid });
                    a.reload();
                  })
                }
              >
                {s.orders.cancel}
              </button>
            </div>
          )}
          <FormErrors messages={form.general} />
        </article>
      )}
    </AsyncView>
  );
}
