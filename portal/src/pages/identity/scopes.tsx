// The caller's identity scopes with their status, and the identity score when the API offers one
// (/api/identity/score/ is newer than the scopes list: a server without it shows a plain note).
import { rawGet } from "../../api/client.ts";
import { s } from "../../i18n/en.ts";
import { type Async, useAsync } from "../../lib/async.ts";
import { StateBadge, when } from "../../ui/format.tsx";
import { AsyncView, Empty } from "../../ui/states.tsx";

export interface Scope {
  uuid: string;
  scope: string;
  subject: string;
  status: string;
  method: string | null;
  verified_at: string | null;
}

export function ScopesTable({ scopes }: { scopes: Async<{ items: Scope[] }> }) {
  return (
    <AsyncView a={scopes}>
      {(page) => {
        const verified = page.items.filter((x) => x.status === "verified");
        return (
          <>
            <p class="figure" data-testid="verified-count">
              {s.identity.verifiedCount(new Set(verified.map((x) => x.scope)).size)}
            </p>
            {page.items.length ? (
              <table data-testid="scopes">
                <caption>{s.identity.scopes}</caption>
                <thead>
                  <tr>
                    <th scope="col">{s.identity.scope}</th>
                    <th scope="col">{s.identity.subject}</th>
                    <th scope="col">{s.identity.status}</th>
                    <th scope="col">{s.identity.verifiedAt}</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((x) => (
                    <tr key={x.uuid}>
                      <td data-label={s.identity.scope}>{x.scope}</td>
                      <td data-label={s.identity.subject}>{x.subject}</td>
                      <td data-label={s.identity.status}>
                        <StateBadge state={x.status} />
                      </td>
                      <td data-label={s.identity.verifiedAt}>{when(x.verified_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <Empty>{s.identity.none}</Empty>
            )}
          </>
        );
      }}
    </AsyncView>
  );
}

type ScoreView =
  | { kind: "absent" }
  | { kind: "none" }
  | { kind: "agreed"; value: number; round: number | null; attesters: number | null; disputed: boolean }
  | { kind: "provisional"; value: number; at: string | null };

const num = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? x : null);

/**
 * The score agreed on chain (x/veid) when a round was decided, else the latest score a validator
 * posted to the API (provisional), else none.
 */
function readScore(body: unknown): ScoreView {
  const b = (body ?? {}) as Record<string, unknown>;
  const agreed = b.score as Record<string, unknown> | null | undefined;
  const pending = b.pending_score as Record<string, unknown> | null | undefined;
  const value = num(agreed?.score);
  if (value !== null)
    return {
      kind: "agreed",
      value,
      round: num(agreed?.round_id),
      attesters: num(agreed?.attesters),
      disputed: agreed?.disputed === true,
    };
  const local = num(pending?.score);
  if (local !== null)
    return { kind: "provisional", value: local, at: typeof pending?.created === "string" ? pending.created : null };
  return { kind: "none" };
}

async function loadScore(): Promise<ScoreView> {
  const res = await rawGet("/api/identity/score/");
  if (res.status === 404 || res.status === 405) return { kind: "absent" };
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return readScore(await res.json());
}

export function ScorePanel({ refresh }: { refresh: number }) {
  const score = useAsync(loadScore, [refresh]);
  return (
    <section aria-labelledby="score-h" class="panel" data-testid="identity-score">
      <h2 id="score-h">{s.identity.scoreTitle}</h2>
      <AsyncView a={score}>
        {(v) =>
          v.kind === "absent" ? (
            <p class="state empty">{s.identity.scoreUnavailable}</p>
          ) : v.kind === "none" ? (
            <p class="state empty">{s.identity.scoreNone}</p>
          ) : (
            <>
              <p class="figure" data-testid="score-value">
                <meter min={0} max={100} value={v.value} aria-label={s.identity.scoreTitle} />{" "}
                {s.identity.scoreValue(v.value)}
              </p>
              {v.kind === "agreed" ? (
                <p>
                  {s.identity.scoreAgreed(v.round, v.attesters)}
                  {v.disputed && ` ${s.identity.scoreDisputed}`}
                </p>
              ) : (
                <p>
                  {s.identity.scoreProvisional}
                  {v.at && ` ${s.identity.scoreAt(when(v.at))}`}
                </p>
              )}
            </>
          )
        }
      </AsyncView>
    </section>
  );
}
