// Notifications: the event feed of the caller's organizations and projects (/api/events/ with
// customer_uuid and project_uuid), whoever acted. What arrived since the last visit is counted and
// marked; the time of that visit is kept in this browser only.
import { useEffect, useState } from "preact/hooks";
import { list } from "../api/client.ts";
import type { EventRecord, Project } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { SelectField } from "../ui/field.tsx";
import { when } from "../ui/format.tsx";
import { DataTable, SearchBox, useListing } from "../ui/listing.tsx";
import { AsyncView, Empty } from "../ui/states.tsx";
import type { Organization } from "./organization.tsx";

const SEEN_KEY = "ve.notifications.seen";

interface Scopes {
  orgs: Organization[];
  projects: Project[];
}

export function NotificationsPage() {
  const scopes = useAsync(async (): Promise<Scopes> => {
    const [orgs, projects] = await Promise.all([
      list<Organization>("/api/customers/", { page_size: 100, o: "name" }),
      list<Project>("/api/projects/", { page_size: 100, o: "name" }),
    ]);
    return { orgs: orgs.items, projects: projects.items };
  }, []);
  // Read once per visit: rows newer than the previous visit are "new" for the whole of this one.
  const [seen] = useState(() => localStorage.getItem(SEEN_KEY) ?? "");
  useEffect(() => {
    localStorage.setItem(SEEN_KEY, new Date().toISOString());
  }, []);
  return (
    <section>
      <h1>{s.notifications.title}</h1>
      <p>{s.notifications.lead}</p>
      <AsyncView a={scopes}>
        {(sc) =>
          sc.orgs.length === 0 && sc.projects.length === 0 ? (
            <Empty>{s.notifications.noScopes}</Empty>
          ) : (
            <Feed scopes={sc} seen={seen} />
          )
        }
      </AsyncView>
    </section>
  );
}

function Feed({ scopes, seen }: { scopes: Scopes; seen: string }) {
  const [org, setOrg] = useState("");
  const base: Record<string, string> = org
    ? { customer_uuid: org }
    : { customer_uuid: scopes.orgs.map((o) => o.uuid).join(","), project_uuid: scopes.projects.map((p) => p.uuid).join(",") };
  return (
    <>
      {scopes.orgs.length > 1 && (
        <div class="toolbar">
          <SelectField
            label={s.notifications.scope}
            name="notifications-org"
            value={org}
            onValue={setOrg}
            options={[{ value: "", label: s.notifications.allOrgs }, ...scopes.orgs.map((o) => ({ value: o.uuid, label: o.name }))]}
          />
        </div>
      )}
      <FeedList key={org} base={base} seen={seen} />
    </>
  );
}

/** Keyed by the chosen scope: another organization starts again at page 1. */
function FeedList({ base, seen }: { base: Record<string, string>; seen: string }) {
  const listing = useListing<EventRecord & { context?: { user_username?: string } }>("/api/events/", { base });
  const fresh = useAsync(
    () => (seen ? list<EventRecord>("/api/events/", { ...base, created_from: seen, page_size: 1 }) : Promise.resolve(null)),
    [JSON.stringify(base), seen],
  );
  return (
    <>
      <p data-testid="new-count" aria-live="polite">
        {fresh.status === "ok" && fresh.data ? s.notifications.newCount(fresh.data.count) : ""}
      </p>
      <div class="toolbar">
        <SearchBox listing={listing} param="message" label={s.events.message} />
      </div>
      <DataTable
        listing={listing}
        caption={s.notifications.title}
        empty={s.notifications.none}
        columns={[
          {
            label: s.events.when,
            render: (e) => (
              <>
                {when(e.created)}
                {seen && e.created > seen && <span class="badge state-new"> {s.notifications.fresh}</span>}
              </>
            ),
          },
          { label: s.events.message, render: (e) => e.message },
          { label: s.events.user, render: (e) => e.context?.user_username ?? "—" },
        ]}
      />
    </>
  );
}
