// Orders for the user's provider organizations; pending ones are approved or rejected here.
import { useState } from "preact/hooks";
import { MANUAL_TYPES } from "../../../src/marketplace/catalog/types.ts";
import { post } from "../api/client.ts";
import { ORDER_STATES, type Order } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { myProviders } from "../lib/provider.ts";
import { FormErrors } from "../ui/field.tsx";
import { useForm } from "../ui/form.ts";
import { StateBadge, when } from "../ui/format.tsx";
import { ChoiceFilter, DataTable, useListing } from "../ui/listing.tsx";
import { AsyncView, Empty, Notice } from "../ui/states.tsx";

export function ProviderOrders() {
  const providers = useAsync(myProviders, []);
  return (
    <section>
      <h1>{s.orders.pendingTitle}</h1>
      <AsyncView a={providers}>
        {(ps) =>
          ps.length ? (
            <ProviderOrderList providerUuids={ps.map((p) => p.customer_uuid)} />
          ) : (
            <Empty>{s.provider.noProvider}</Empty>
          )
        }
      </AsyncView>
    </section>
  );
}

function ProviderOrderList({ providerUuids }: { providerUuids: string[] }) {
  const listing = useListing<Order>("/api/marketplace-orders/", {
    base: { provider_uuid: providerUuids },
    filters: { state: "pending-provider" },
    ordering: "-created",
  });
  const form = useForm();
  const [done, setDone] = useState("");
  const act = (o: Order, action: "approve_by_provider" | "reject_by_provider" | "set_state_done") =>
    form.run(async () => {
      await post(
        `/api/marketplace-orders/{uuid}/${action}/` as "/api/marketplace-orders/{uuid}/approve_by_provider/",
        { uuid: o.uuid },
      );
      setDone(
        action === "approve_by_provider"
          ? s.orders.approved
          : action === "set_state_done"
            ? s.orders.markedDone
            : s.orders.rejected,
      );
      listing.result.reload();
    });
  return (
    <>
      <div class="toolbar">
        <ChoiceFilter listing={listing} param="state" label={s.orders.state} choices={ORDER_STATES} />
      </div>
      {done && <Notice kind="ok">{done}</Notice>}
      <FormErrors messages={form.general} />
      <DataTable
        listing={listing}
        caption={s.orders.pendingTitle}
        columns={[
          { label: s.orders.offering, render: (o) => o.offering_name },
          { label: s.orders.resource, render: (o) => o.resource_name },
          { label: s.orders.customer, render: (o) => `${o.customer_name} / ${o.project_name}` },
          {
            label: s.orders.limits,
            render: (o) =>
              Object.entries(o.limits)
                .map(([k, v]) => `${k}: ${v}`)
                .join(", ") || "—",
          },
          { label: s.orders.state, sort: "state", render: (o) => <StateBadge state={o.state} /> },
          { label: s.orders.created, sort: "created", render: (o) => when(o.created) },
          {
            label: s.common.actions,
            render: (o) =>
              // Offerings without a plugin are delivered by hand: the provider says when it is done.
              o.state === "executing" && MANUAL_TYPES.includes(o.offering_type) ? (
                <button
                  type="button"
                  class="primary"
                  disabled={form.busy}
                  aria-label={`${s.orders.markDone} ${o.resource_name}`}
                  onClick={() => act(o, "set_state_done")}
                >
                  {s.orders.markDone}
                </button>
              ) : (
                o.state === "pending-provider" && (
                  <span class="row-actions">
                    <button
                      type="button"
                      class="primary"
                      disabled={form.busy}
                      aria-label={`${s.orders.approve} ${o.resource_name}`}
                      onClick={() => act(o, "approve_by_provider")}
                    >
                      {s.orders.approve}
                    </button>
                    <button
                      type="button"
                      disabled={form.busy}
                      aria-label={`${s.orders.reject} ${o.resource_name}`}
                      onClick={() => act(o, "reject_by_provider")}
                    >
                      {s.orders.reject}
                    </button>
                  </span>
                )
              ),
          },
        ]}
      />
    </>
  );
}
