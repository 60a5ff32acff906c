// The import wizard's offerings step: the remote organization's offerings, one API page at a time
// (page/page_size go to /remote_offerings/), with a choice that survives paging.
import { s } from "../i18n/en.ts";
import { Pager, useListing } from "../ui/listing.tsx";
import { Empty, ErrorBox, Loading } from "../ui/states.tsx";
import type { RemoteOffering, WaldurConnection } from "./provider-import-types.ts";

const t = s.waldurImport;

export function RemoteOfferingsStep({
  conn,
  chosen,
  onToggle,
  errors,
}: {
  conn: WaldurConnection;
  /** uuid → name of every offering chosen so far, on any page. */
  chosen: Map<string, string>;
  onToggle: (o: RemoteOffering, on: boolean) => void;
  errors: string[];
}) {
  const listing = useListing<RemoteOffering>("/api/waldur-connections/{uuid}/remote_offerings/", {
    pathParams: { uuid: conn.uuid },
  });
  const r = listing.result;
  return (
    <fieldset class="plain-set" aria-describedby="wi-offerings-count">
      <legend>{t.importFrom(conn.remote_customer_name)}</legend>
      <p id="wi-offerings-count" aria-live="polite">
        {t.selected(chosen.size)}
      </p>
      {errors.map((e) => (
        <small key={e} class="field-error" role="alert">
          {e}
        </small>
      ))}
      {r.status === "loading" ? (
        <Loading />
      ) : r.status === "error" ? (
        <ErrorBox error={r.error} retry={r.reload} />
      ) : r.data.count === 0 ? (
        <Empty>{t.noOfferings}</Empty>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="sr-only">{t.importFrom(conn.remote_customer_name)}</caption>
            <thead>
              <tr>
                <th scope="col">{t.offering}</th>
                <th scope="col">{t.type}</th>
                <th scope="col">{t.state}</th>
                <th scope="col">{t.remoteCategory}</th>
                <th scope="col">{t.plans}</th>
                <th scope="col">{t.status}</th>
              </tr>
            </thead>
            <tbody>
              {r.data.items.map((o) => (
                <tr key={o.uuid} data-testid="remote-offering">
                  <td data-label={t.offering}>
                    <span class="field check">
                      <input
                        id={`wi-ro-${o.uuid}`}
                        type="checkbox"
                        checked={chosen.has(o.uuid)}
                        disabled={!o.importable}
                        onChange={(e) => onToggle(o, (e.target as HTMLInputElement).checked)}
                      />
                      <label for={`wi-ro-${o.uuid}`}>{o.name || o.uuid}</label>
                    </span>
                  </td>
                  <td data-label={t.type}>{o.type || "—"}</td>
                  <td data-label={t.state}>{o.state || "—"}</td>
                  <td data-label={t.remoteCategory}>{o.category_title || "—"}</td>
                  <td data-label={t.plans}>{o.plans_count}</td>
                  <td data-label={t.status}>
                    {o.imported && o.local_offering_uuid ? (
                      <a href={`/provider/offerings/${o.local_offering_uuid}`}>{t.importedAs}</a>
                    ) : !o.importable ? (
                      <span class="field-error">{t.notImportable(o.problem)}</span>
                    ) : (
                      "—"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager listing={listing} count={r.data.count} />
        </div>
      )}
    </fieldset>
  );
}
