// Values kept outside components (the session, the location, provider access) and the hook that
// re-renders a component when one changes.
import { useEffect, useState } from "preact/hooks";

export interface Changes {
  notify(): void;
  subscribe(onChange: () => void): () => void;
}

/** The listeners of one outside value. */
export function changes(): Changes {
  const listeners = new Set<() => void>();
  return {
    notify: () => {
      for (const l of [...listeners]) l();
    },
    subscribe: (l) => {
      listeners.add(l);
      return () => {
        listeners.delete(l);
      };
    },
  };
}

/** `read()` now, and a re-render whenever `of` tells of a change. */
export function useExternal<T>(read: () => T, of: Changes): T {
  const [, bump] = useState(0);
  const shown = read();
  useEffect(() => {
    const l = () => bump((n) => n + 1);
    const stop = of.subscribe(l);
    // Effects run after paint: a change in between had no listener to tell (a page would stay on
    // "Loading…" when /users/me/ answered first).
    if (!Object.is(read(), shown)) l();
    return stop;
  }, []);
  return shown;
}
