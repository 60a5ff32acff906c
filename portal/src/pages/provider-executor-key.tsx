// The provider organization's authorisation of the Worker's executor key for its plugins
// (openapi/sealed-flows.md, "Offering secret options"): without it the API refuses to seal the
// organization's plugin credentials. Shown in the provider workspace and inline in the offering
// wizard; only the organization's owners may authorise or withdraw it.
import { useState } from "preact/hooks";
import { del, get, list, post } from "../api/client.ts";
import type { ServiceProvider } from "../api/models.ts";
import { currentUser } from "../auth/session.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { myProviders } from "../lib/provider.ts";
import { FormErrors } from "../ui/field.tsx";
import { useForm } from "../ui/form.ts";
import { when } from "../ui/format.tsx";
import { AsyncView, Empty, Notice } from "../ui/states.tsx";

export interface ExecutorKeyState {
  executor_key: { holder: string; key_id: string; key_version: number; public_key: string };
  authorised: { key_id: string; key_version: number; authorised_by_uuid: string | null; created: string } | null;
  current_key_authorised: boolean;
}

export interface ExecutorKeyView {
  state: ExecutorKeyState;
  /** May the signed-in user authorise or withdraw it (an owner of the organization)? */
  owner: boolean;
}

const OWNER = "CUSTOMER.OWNER";

/** The authorisation of `provider`'s organization, and whether the signed-in user owns it. */
export async function loadExecutorKey(provider: ServiceProvider): Promise<ExecutorKeyView> {
  const me = currentUser();
  const [state, members] = await Promise.all([
    get<ExecutorKeyState>("/api/marketplace-service-providers/{uuid}/executor_key/", { uuid: provider.uuid }),
    // Who may not list the members is no owner either: the buttons are left out, not the state.
    list<{ user_uuid: string; role_name: string }>(
      "/api/customers/{uuid}/list_users/",
      { page_size: 200 },
      { uuid: provider.customer_uuid },
    ).catch(() => ({ items: [] })),
  ]);
  return { state, owner: !!me && members.items.some((m) => m.user_uuid === me.uuid && m.role_name === OWNER) };
}

export function ProviderExecutorKey() {
  const a = useAsync(myProviders, []);
  return (
    <section>
      <h1>{s.executorKey.title}</h1>
      <p>{s.executorKey.explain}</p>
      <AsyncView a={a}>
        {(providers) =>
          providers.length ? (
            providers.map((p) => <ProviderKey key={p.uuid} provider={p} />)
          ) : (
            <Empty>{s.executorKey.noProviders}</Empty>
          )
        }
      </AsyncView>
    </section>
  );
}

function ProviderKey({ provider }: { provider: ServiceProvider }) {
  const a = useAsync(() => loadExecutorKey(provider), [provider.uuid]);
  return (
    <article class="card" data-testid="executor-key" data-provider={provider.uuid}>
      <h2>{provider.customer_name}</h2>
      <AsyncView a={a}>{(v) => <ExecutorKeyPanel provider={provider} view={v} onChange={a.reload} />}</AsyncView>
    </article>
  );
}

/** The key, its authorisation (by whom, when) and, for owners, Authorise / Withdraw. */
export function ExecutorKeyPanel({
  provider,
  view,
  onChange,
}: {
  provider: ServiceProvider;
  view: ExecutorKeyView;
  onChange: () => void;
}) {
  const form = useForm();
  const [notice, setNotice] = useState("");
  const { state, owner } = view;
  const me = currentUser();
  const auth = state.authorised;
  const status = state.current_key_authorised
    ? s.executorKey.authorised
    : auth
      ? s.executorKey.staleAuthorisation(auth.key_id)
      : s.executorKey.notAuthorised;
  const act = (action: () => Promise<unknown>, done: string) =>
    form.run(async () => {
      await action();
      setNotice(done);
      onChange();
    }, ["key_id"]);
  return (
    <div>
      <dl class="facts">
        <dt>{s.executorKey.state}</dt>
        <dd data-testid="executor-key-state" data-authorised={String(state.current_key_authorised)}>
          {status}
        </dd>
        <dt>{s.executorKey.keyId}</dt>
        <dd>
          <code>{state.executor_key.key_id}</code>
        </dd>
        <dt>{s.executorKey.keyVersion}</dt>
        <dd>{state.executor_key.key_version}</dd>
        {auth && (
          <>
            <dt>{s.executorKey.authorisedBy}</dt>
            <dd>
              {auth.authorised_by_uuid && auth.authorised_by_uuid === me?.uuid
                ? s.executorKey.you
                : (auth.authorised_by_uuid ?? "—")}
            </dd>
            <dt>{s.executorKey.authorisedAt}</dt>
            <dd>{when(auth.created)}</dd>
          </>
        )}
      </dl>
      {notice && <Notice kind="ok">{notice}</Notice>}
      {(form.fields.key_id ?? []).map((m) => (
        <small key={m} class="field-error" role="alert">
          {m}
        </small>
      ))}
      <FormErrors messages={form.general} />
      {owner ? (
        <div class="buttons">
          {!state.current_key_authorised && (
            <button
              type="button"
              class="primary"
              disabled={form.busy}
              aria-label={s.executorKey.authoriseFor(provider.customer_name)}
              onClick={() =>
                act(
                  () =>
                    post("/api/marketplace-service-providers/{uuid}/executor_key/", { uuid: provider.uuid }, {
                      key_id: state.executor_key.key_id,
                    }),
                  s.executorKey.authorisedNotice,
                )
              }
            >
              {s.executorKey.authorise}
            </button>
          )}
          {auth && (
            <button
              type="button"
              disabled={form.busy}
              aria-label={s.executorKey.withdrawFor(provider.customer_name)}
              onClick={() =>
                act(
                  () => del("/api/marketplace-service-providers/{uuid}/executor_key/", { uuid: provider.uuid }),
                  s.executorKey.withdrawnNotice,
                )
              }
            >
              {s.executorKey.withdraw}
            </button>
          )}
        </div>
      ) : (
        <p>{s.executorKey.ownersOnly}</p>
      )}
    </div>
  );
}
