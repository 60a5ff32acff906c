// The three states every screen has: loading, error (with the API's message and a retry), empty.
import type { ComponentChildren } from "preact";
import { ApiFailure } from "../api/client.ts";
import { s } from "../i18n/en.ts";
import type { Async } from "../lib/async.ts";

export const Loading = () => (
  <p class="state loading" role="status" aria-live="polite">
    {s.state.loading}
  </p>
);

export const Empty = ({ children }: { children?: ComponentChildren }) => (
  <p class="state empty">{children ?? s.state.empty}</p>
);

export function ErrorBox({ error, retry }: { error: Error; retry?: () => void }) {
  const general =
    error instanceof ApiFailure
      ? [...error.general, ...Object.entries(error.fields).map(([k, v]) => `${k}: ${v.join(" ")}`)]
      : [error.message];
  return (
    <div class="state error" role="alert">
      <strong>{s.state.error}</strong>
      {general.map((m) => (
        <p key={m}>{m}</p>
      ))}
      {retry && (
        <button type="button" onClick={retry}>
          {s.state.retry}
        </button>
      )}
    </div>
  );
}

/** Renders the loading or error state of `a`, or `children(data)` once it is there. */
export function AsyncView<T>({ a, children }: { a: Async<T>; children: (data: T) => ComponentChildren }) {
  if (a.status === "loading") return <Loading />;
  if (a.status === "error") return <ErrorBox error={a.error} retry={a.reload} />;
  return <>{children(a.data)}</>;
}

export function Notice({ children, kind = "info" }: { children: ComponentChildren; kind?: "info" | "ok" }) {
  return (
    <p class={`notice ${kind}`} role="status">
      {children}
    </p>
  );
}
