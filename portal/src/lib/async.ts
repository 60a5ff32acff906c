// Loading state for one API read: the three states every screen shows (loading, error, data).
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export type Async<T> =
  | { status: "loading"; reload: () => void }
  | { status: "error"; error: Error; reload: () => void }
  | { status: "ok"; data: T; reload: () => void };

export function useAsync<T>(load: () => Promise<T>, deps: unknown[]): Async<T> {
  const [state, setState] = useState<
    { status: "loading" } | { status: "error"; error: Error } | { status: "ok"; data: T }
  >({ status: "loading" });
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
      (data) => live && setState({ status: "ok", data }),
      (error: Error) => live && setState({ status: "error", error }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload } as Async<T>;
}
