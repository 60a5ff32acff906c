// The caller's captures: commitments and status (never the image), with the validators' reason
// when the API gives one, and erasure on request.
import { del, list } from "../../api/client.ts";
import { s } from "../../i18n/en.ts";
import { useAsync } from "../../lib/async.ts";
import { StateBadge, when } from "../../ui/format.tsx";
import { AsyncView, Empty } from "../../ui/states.tsx";

interface Capture {
  uuid: string;
  scope: "id_document" | "selfie";
  status: string;
  captured_at: string;
  reason?: string | null;
}

export function CapturesList({ refresh }: { refresh: number }) {
  const captures = useAsync(() => list<Capture>("/api/identity/captures/"), [refresh]);
  return (
    <section aria-labelledby="captures-h" class="panel">
      <h2 id="captures-h">{s.identity.capturesTitle}</h2>
      <AsyncView a={captures}>
        {(page) =>
          page.items.length ? (
            <table data-testid="captures">
              <thead>
                <tr>
                  <th scope="col">{s.identity.scope}</th>
                  <th scope="col">{s.identity.status}</th>
                  <th scope="col">{s.identity.capturedAt}</th>
                  <th scope="col">
                    <span class="sr-only">{s.identity.erase}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((c) => (
                  <tr key={c.uuid}>
                    <td data-label={s.identity.scope}>{s.identity[`capture_${c.scope}`]}</td>
                    <td data-label={s.identity.status}>
                      <StateBadge state={c.status} />
                      {c.reason && <span role="alert"> {s.identity.rejection[c.reason] ?? c.reason}</span>}
                    </td>
                    <td data-label={s.identity.capturedAt}>{when(c.captured_at)}</td>
                    <td>
                      {c.status !== "erased" && (
                        <button
                          type="button"
                          aria-label={`${s.identity.erase}: ${s.identity[`capture_${c.scope}`]} ${when(c.captured_at)}`}
                          onClick={() => void del("/api/identity/captures/{uuid}/", { uuid: c.uuid }).then(captures.reload)}
                        >
                          {s.identity.erase}
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <Empty>{s.identity.capturesNone}</Empty>
          )
        }
      </AsyncView>
    </section>
  );
}
