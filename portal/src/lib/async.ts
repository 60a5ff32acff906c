// Loading state for one API read: the three states every screen shows (loading, error, data).
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export type Async<T> =
  | { status: "loading"; reload: () => void }
  | { status: "error"; error: Error; reload: () => void }
  | { status: "ok"; data: T; reload: () => void };

type Settled<T> = { status: "error"; error: Error } | { status: "ok"; data: T };

const sameDeps = (a: unknown[], b: unknown[]) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));

export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  // What was loaded, and for which inputs: an answer is shown only for the inputs it answers.
  const [state, setState] = useState<{ status: "loading" } | (Settled<T> & { deps: unknown[] })>({ status: "loading" });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const lastTick = useRef(tick);
  useEffect(() => {
    let live = true;
    // A reload keeps showing the data it refreshes; new inputs (another page, filter, object) show
    // the loading state, so stale rows are never presented as the answer to the new question.
    const isReload = lastTick.current !== tick;
    lastTick.current = tick;
    setState((s) => (isReload && s.status === "ok" ? s : { status: "loading" }));
    load().then(
      (data) => live && setState({ status: "ok", data, deps }),
      (error: Error) => live && setState({ status: "error", error, deps }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  // The first render after the inputs change comes before the effect above: it must not show the
  // old answer under the new inputs (a new page number over the previous page's rows).
  if (state.status === "loading" || !sameDeps(state.deps, deps)) return { status: "loading", reload };
  return state.status === "ok" ? { status: "ok", data: state.data, reload } : { status: "error", error: state.error, reload };
}
