// Provider workspace: import offerings from a remote Waldur (the wizard) and the organization's
// existing connections with their last sync and last remote error, each with "Sync now".
import { useRef, useState } from "preact/hooks";
import { ApiFailure, list, post } from "../api/client.ts";
import type { Category } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { myProviders } from "../lib/provider.ts";
import { StateBadge, when } from "../ui/format.tsx";
import { DataTable, type Listing, useListing } from "../ui/listing.tsx";
import { AsyncView, Empty, Notice } from "../ui/states.tsx";
import type { SyncResult, WaldurConnection } from "./provider-import-types.ts";
import { ImportWizard } from "./provider-import-wizard.tsx";

const t = s.waldurImport;

export function ProviderImport() {
  const data = useAsync(
    async () => ({
      providers: await myProviders(),
      categories: (await list<Category>("/api/marketplace-categories/", { page_size: 100, o: "title" })).items,
    }),
    [],
  );
  const connections = useListing<WaldurConnection>("/api/waldur-connections/", { ordering: "-created" });
  // A new key remounts the wizard: a fresh import, or one that opens at a connection's offerings.
  const [run, setRun] = useState<{ n: number; conn: WaldurConnection | null }>({ n: 0, conn: null });
  const wizard = useRef<HTMLElement>(null);
  return (
    <section>
      <header class="page-head">
        <h1>{t.title}</h1>
      </header>
      <p>{t.lead}</p>
      <AsyncView a={data}>
        {(d) =>
          d.providers.length ? (
            <section ref={wizard} aria-label={t.title} data-testid="import-wizard">
              <ImportWizard
                key={run.n}
                providers={d.providers}
                categories={d.categories}
                start={run.conn}
                onChanged={connections.result.reload}
                onRestart={() => setRun({ n: run.n + 1, conn: null })}
              />
            </section>
          ) : (
            <>
              <Empty>{t.noProviders}</Empty>
              <a class="button primary" href="/provider/offerings/new">
                {t.registerProvider}
              </a>
            </>
          )
        }
      </AsyncView>
      <Connections
        listing={connections}
        onImport={(conn) => {
          setRun({ n: run.n + 1, conn });
          wizard.current?.scrollIntoView();
        }}
      />
    </section>
  );
}

interface SyncOutcome {
  ok: boolean;
  text: string;
  errors: string[];
}

function Connections({
  listing,
  onImport,
}: {
  listing: Listing<WaldurConnection>;
  onImport: (c: WaldurConnection) => void;
}) {
  const [busy, setBusy] = useState("");
  const [outcome, setOutcome] = useState<SyncOutcome | null>(null);
  const sync = async (c: WaldurConnection) => {
    setBusy(c.uuid);
    setOutcome(null);
    try {
      const r = await post<SyncResult>("/api/waldur-connections/{uuid}/sync/", { uuid: c.uuid }, {});
      setOutcome(
        r.ok
          ? {
              ok: true,
              text: t.synced(c.name, r.offerings_updated, r.offerings_unchanged, r.offerings_archived, r.resources_mirrored),
              errors: [],
            }
          : { ok: false, text: t.syncFailed(c.name), errors: r.errors },
      );
    } catch (e) {
      const errors =
        e instanceof ApiFailure
          ? [...e.general, ...Object.entries(e.fields).map(([k, v]) => `${k}: ${v.join(" ")}`)]
          : [(e as Error).message];
      setOutcome({ ok: false, text: t.syncFailed(c.name), errors });
    } finally {
      setBusy("");
      listing.result.reload();
    }
  };
  return (
    <section aria-labelledby="wi-connections-h">
      <h2 id="wi-connections-h">{t.connections}</h2>
      {outcome &&
        (outcome.ok ? (
          <Notice kind="ok">{outcome.text}</Notice>
        ) : (
          <div class="state error" role="alert" data-testid="sync-error">
            <strong>{outcome.text}</strong>
            {outcome.errors.map((m) => (
              <p key={m}>{m}</p>
            ))}
          </div>
        ))}
      <DataTable
        listing={listing}
        caption={t.connections}
        empty={t.noConnections}
        columns={[
          {
            label: t.connection,
            sort: "name",
            render: (c) => (
              <span data-testid="connection" data-uuid={c.uuid}>
                <strong>{c.name}</strong>
                <br />
                <small class="muted">{c.api_url}</small>
              </span>
            ),
          },
          { label: t.remote, render: (c) => c.remote_customer_name },
          {
            label: t.status,
            sort: "status",
            render: (c) => (
              <span>
                <StateBadge state={c.status} />
                {c.last_error && (
                  <small class="field-error" data-testid="connection-error">
                    {t.lastError}: {c.last_error} ({when(c.last_error_at)})
                  </small>
                )}
              </span>
            ),
          },
          { label: t.lastSync, render: (c) => when(c.last_sync) },
          { label: t.importedCount, render: (c) => c.imported_offerings_count },
          {
            label: s.common.actions,
            render: (c) => (
              <span class="buttons">
                <button type="button" onClick={() => onImport(c)}>
                  {t.importOfferings}
                  <span class="sr-only"> {t.from(c.name)}</span>
                </button>
                <button type="button" disabled={!!busy} onClick={() => void sync(c)}>
                  {busy === c.uuid ? t.syncing : t.syncNow}
                  <span class="sr-only"> {t.connectionNamed(c.name)}</span>
                </button>
              </span>
            ),
          },
        ]}
      />
    </section>
  );
}
