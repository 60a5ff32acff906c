// The three states every screen has: loading, error (with the API's message and a retry), empty;
// and for a page about one object, "not found" when the API answers 404 (a retry cannot help then).
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

/** What a detail page says when its object is not there: the sentence, and where to go instead. */
export interface Missing {
  message: string;
  back: string;
  backLabel: string;
}

/** The not-found states of the detail pages. */
export const MISSING = {
  offering: { message: s.missing.offering, back: "/marketplace", backLabel: s.missing.backToMarketplace },
  provider: { message: s.missing.provider, back: "/marketplace", backLabel: s.missing.backToMarketplace },
  order: { message: s.missing.order, back: "/orders", backLabel: s.missing.backToOrders },
  resource: { message: s.missing.resource, back: "/resources", backLabel: s.missing.backToResources },
  providerOffering: {
    message: s.missing.offering,
    back: "/provider/offerings",
    backLabel: s.missing.backToProviderOfferings,
  },
} satisfies Record<string, Missing>;

export const isNotFound = (error: unknown) => error instanceof ApiFailure && error.status === 404;

export function NotFound({ missing }: { missing: Missing }) {
  return (
    <section class="state not-found" aria-labelledby="not-found-h">
      <h1 id="not-found-h">{s.state.notFoundTitle}</h1>
      <p>{missing.message}</p>
      <p>
        <a href={missing.back}>{missing.backLabel}</a>
      </p>
    </section>
  );
}

/**
 * Renders the loading or error state of `a`, or `children(data)` once it is there. Given `missing`
 * (a page about one object), a 404 shows the not-found state instead of an error with a retry.
 */
export function AsyncView<T>({
  a,
  children,
  missing,
}: {
  a: Async<T>;
  children: (data: T) => ComponentChildren;
  missing?: Missing;
}) {
  if (a.status === "loading") return <Loading />;
  if (a.status === "error" && missing && isNotFound(a.error)) return <NotFound missing={missing} />;
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
