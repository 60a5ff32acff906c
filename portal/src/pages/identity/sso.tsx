// Single sign-on (OpenID Connect code + PKCE, run by the API): the log-in page's provider buttons,
// the identity page's "link an identity" section, and the /sso/callback page the provider sends
// the browser back to. The API's start answer carries a binding secret that must come back with the
// provider's code (so a code from someone else's flow signs nobody in here); the browser leaves
// this origin in between, so the binding waits in this tab's sessionStorage, for one flow only,
// and is removed as soon as the callback reads it.
import { useEffect, useState } from "preact/hooks";
import { ApiFailure, list, post } from "../../api/client.ts";
import { keepToken } from "../../auth/token.ts";
import { s } from "../../i18n/en.ts";
import { useAsync } from "../../lib/async.ts";
import { navigate, useLocation } from "../../lib/router.ts";
import { FormErrors } from "../../ui/field.tsx";
import { useForm } from "../../ui/form.ts";
import { ErrorBox, Loading, Notice } from "../../ui/states.tsx";
import type { Scope } from "./scopes.tsx";

export interface SsoProvider {
  id: string;
  name: string;
  issuer: string;
}

type Purpose = "link" | "login";

interface Pending {
  state: string;
  binding: string;
  purpose: Purpose;
  provider: string;
  /** Where to go once done (a path inside the portal). */
  next: string;
  /** Sign-in only: keep the token beyond this tab, as the password form's checkbox does. */
  remember: boolean;
}

const KEY = "virtengine.sso.pending";
const ISSUED = /^[A-Za-z0-9_-]{43}$/;
const insidePath = (p: unknown): p is string => typeof p === "string" && p.startsWith("/") && !p.startsWith("//");

/** The pending flow this tab started, if `state` is its state; it is removed either way. */
function takePending(state: string | null): Pending | null {
  const raw = sessionStorage.getItem(KEY);
  sessionStorage.removeItem(KEY);
  if (!raw || !state) return null;
  let p: Partial<Pending>;
  try {
    p = JSON.parse(raw) as Partial<Pending>;
  } catch {
    return null;
  }
  const ok =
    p.state === state &&
    typeof p.binding === "string" &&
    ISSUED.test(p.binding) &&
    (p.purpose === "link" || p.purpose === "login") &&
    typeof p.provider === "string" &&
    insidePath(p.next) &&
    typeof p.remember === "boolean";
  return ok ? (p as Pending) : null;
}

/** Asks the API to start a flow, remembers its binding, and leaves for the provider's login page. */
async function startFlow(provider: string, purpose: Purpose, next: string, remember = false) {
  const r = await post<{ authorization_url: string; state: string; binding: string }>(
    "/api/identity/sso/start/",
    undefined,
    { provider, purpose },
  );
  const pending: Pending = { state: r.state, binding: r.binding, purpose, provider, next, remember };
  sessionStorage.setItem(KEY, JSON.stringify(pending));
  // Not awaited past this point: a page restored from the back-forward cache must not come back busy.
  location.assign(r.authorization_url);
}

export const ssoProviders = () => list<SsoProvider>("/api/identity/sso/providers/");

/** Log-in page: one button per configured provider (nothing when the deployment offers none). */
export function SsoLoginButtons({ next, remember }: { next: string; remember: boolean }) {
  const providers = useAsync(ssoProviders, []);
  const form = useForm();
  if (providers.status !== "ok" || providers.data.items.length === 0) return null;
  return (
    <section aria-labelledby="sso-login-h" class="sso-login">
      <h2 id="sso-login-h">{s.sso.loginTitle}</h2>
      <div class="toolbar" data-testid="sso-providers">
        {providers.data.items.map((p) => (
          <button
            key={p.id}
            type="button"
            disabled={form.busy}
            onClick={() => form.run(() => startFlow(p.id, "login", next, remember))}
          >
            {s.sso.loginWith(p.name)}
          </button>
        ))}
      </div>
      <FormErrors messages={form.general} />
    </section>
  );
}

/** Identity page: the providers with the identities linked to them, and a Link button for the rest. */
export function SsoScope({ scopes }: { scopes: Scope[] }) {
  const providers = useAsync(ssoProviders, []);
  const linkedNow = useLocation().query.get("linked");
  const form = useForm();
  if (providers.status === "loading") return null;
  if (providers.status === "error") return <ErrorBox error={providers.error} retry={providers.reload} />;
  if (providers.data.items.length === 0) return null;
  // The API lists an SSO scope under the provider's name (the identity itself is kept only hashed).
  const linked = new Set(scopes.filter((x) => x.scope === "sso" && x.status === "verified").map((x) => x.subject));
  const justLinked = providers.data.items.find((p) => p.id === linkedNow);
  return (
    <section aria-labelledby="sso-h" class="panel" data-testid="sso-scope">
      <h2 id="sso-h">{s.sso.title}</h2>
      <p>{s.sso.intro}</p>
      {justLinked && linked.has(justLinked.name) && <Notice kind="ok">{s.sso.linked(justLinked.name)}</Notice>}
      <table>
        <caption>{s.sso.providers}</caption>
        <thead>
          <tr>
            <th scope="col">{s.sso.provider}</th>
            <th scope="col">{s.identity.status}</th>
            <th scope="col">
              <span class="sr-only">{s.sso.action}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {providers.data.items.map((p) => (
            <tr key={p.id}>
              <td data-label={s.sso.provider}>{p.name}</td>
              <td data-label={s.identity.status}>{linked.has(p.name) ? s.sso.isLinked : s.sso.notLinked}</td>
              <td>
                <button
                  type="button"
                  disabled={form.busy}
                  onClick={() => form.run(() => startFlow(p.id, "link", "/identity"))}
                >
                  {linked.has(p.name) ? s.sso.relink(p.name) : s.sso.link(p.name)}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <FormErrors messages={form.general} />
    </section>
  );
}

type Outcome = { kind: "working" } | { kind: "failed"; messages: string[]; purpose: Purpose | null };

/** The provider's redirect back: completes the flow this tab started (once), then moves on. */
export function SsoCallback() {
  const [outcome, setOutcome] = useState<Outcome>({ kind: "working" });
  useEffect(() => {
    const q = new URLSearchParams(location.search);
    // The code is single-use: drop it from the address bar and history whatever happens next.
    history.replaceState(null, "", location.pathname);
    const pending = takePending(q.get("state"));
    const fail = (messages: string[]) => setOutcome({ kind: "failed", messages, purpose: pending?.purpose ?? null });
    const error = q.get("error");
    if (error) {
      // The provider's own words are shown only when they are plain short text.
      const desc = q.get("error_description") ?? "";
      return fail([s.sso.providerRefused(/^[\x20-\x7e]{1,200}$/.test(desc) ? desc : error.slice(0, 64))]);
    }
    if (!pending) return fail([s.sso.notStartedHere]);
    const code = q.get("code");
    if (!code) return fail([s.sso.noCode]);
    const iss = q.get("iss");
    void (async () => {
      try {
        const r = await post<{ token?: string }>("/api/identity/sso/callback/", undefined, {
          state: pending.state,
          binding: pending.binding,
          code,
          ...(iss ? { iss } : {}),
        });
        if (pending.purpose === "login") {
          if (!r.token) return fail([s.state.error]);
          keepToken(r.token, pending.remember);
          navigate(pending.next, true);
        } else navigate(`${pending.next}?linked=${encodeURIComponent(pending.provider)}`, true);
      } catch (e) {
        fail(
          e instanceof ApiFailure
            ? [...e.general, ...Object.values(e.fields).flat()]
            : [(e as Error).message],
        );
      }
    })();
  }, []);
  return (
    <section class="narrow">
      <h1>{s.sso.callbackTitle}</h1>
      {outcome.kind === "working" ? (
        <Loading />
      ) : (
        <>
          <div class="state error" role="alert" data-testid="sso-error">
            <strong>{s.sso.failed}</strong>
            {outcome.messages.map((m) => (
              <p key={m}>{m}</p>
            ))}
          </div>
          {outcome.purpose === "link" ? (
            <p>
              <a href="/identity">{s.sso.backToIdentity}</a>
            </p>
          ) : (
            <p>
              <a href="/login">{s.sso.backToLogin}</a>
            </p>
          )}
        </>
      )}
    </section>
  );
}
