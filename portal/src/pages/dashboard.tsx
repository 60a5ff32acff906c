// The customer's dashboard: estimated monthly cost over their projects (the API's own estimates,
// summed exactly) and their most recent resources.
import { addDecimal } from "../../../src/http/decimal.ts";
import { list } from "../api/client.ts";
import type { Project, Resource } from "../api/models.ts";
import { useSession } from "../auth/session.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { money } from "../lib/money.ts";
import { StateBadge } from "../ui/format.tsx";
import { AsyncView, Empty } from "../ui/states.tsx";

export function Dashboard() {
  const session = useSession();
  const projects = useAsync(() => list<Project>("/api/projects/", { page_size: 100, o: "name" }), []);
  const resources = useAsync(
    () => list<Resource>("/api/marketplace-resources/", { page_size: 5, o: "-created" }),
    [],
  );
  const name = session.status === "user" ? session.user.full_name || session.user.username : "";
  return (
    <section>
      <h1>{s.dashboard.welcome(name)}</h1>
      <div class="grid2">
        <section aria-labelledby="est-h" class="panel">
          <h2 id="est-h">{s.dashboard.estimate}</h2>
          <AsyncView a={projects}>
            {(p) => (
              <>
                <p class="figure" data-testid="monthly-estimate">
                  {money(
                    p.items.reduce((sum, x) => addDecimal(sum, x.billing_price_estimate?.total ?? "0"), "0"),
                  )}
                </p>
                {p.items.length ? (
                  <ul class="plain">
                    {p.items.map((x) => (
                      <li key={x.uuid}>
                        {x.customer_name} / {x.name}: {money(x.billing_price_estimate?.total ?? "0")}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <Empty>
                    <a href="/projects">{s.checkout.createProject}</a>
                  </Empty>
                )}
              </>
            )}
          </AsyncView>
        </section>
        <section aria-labelledby="res-h" class="panel">
          <h2 id="res-h">{s.dashboard.resources}</h2>
          <AsyncView a={resources}>
            {(r) =>
              r.items.length ? (
                <ul class="plain">
                  {r.items.map((x) => (
                    <li key={x.uuid}>
                      <a href={`/resources/${x.uuid}`}>{x.name}</a> <StateBadge state={x.state} />{" "}
                      <span class="muted">{x.offering_name}</span>
                    </li>
                  ))}
                </ul>
              ) : (
                <Empty>
                  <a href="/marketplace">{s.nav.marketplace}</a>
                </Empty>
              )
            }
          </AsyncView>
        </section>
      </div>
    </section>
  );
}
