// A small History-API router: the app's routes are few and flat, so a pattern table beats a
// dependency. Links are real <a href> elements (keyboard and middle-click work); navigation
// inside the app is intercepted once, at the document.
import { changes, useExternal } from "./external.ts";

const locationChanges = changes();
const notify = locationChanges.notify;

export function navigate(to: string, replace = false) {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  notify();
  window.scrollTo(0, 0);
}

addEventListener("popstate", notify);
document.addEventListener("click", (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.("a");
  if (!a || a.target || a.hasAttribute("download") || a.origin !== location.origin) return;
  if (a.pathname.startsWith("/api")) return;
  // In-page fragments (the skip link) are the browser's job: it scrolls and moves focus.
  if (a.hash && a.pathname === location.pathname && a.search === location.search) return;
  e.preventDefault();
  navigate(a.pathname + a.search);
});

export interface Location {
  path: string;
  query: URLSearchParams;
}

export function useLocation(): Location {
  useExternal(() => location.pathname + location.search, locationChanges);
  return { path: location.pathname, query: new URLSearchParams(location.search) };
}

/** Matches "/offerings/:uuid/order" against a path; returns the named parts or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split("/").filter(Boolean);
  const s = path.split("/").filter(Boolean);
  if (p.length !== s.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const seg = p[i]!;
    if (seg.startsWith(":")) out[seg.slice(1)] = decodeURIComponent(s[i]!);
    else if (seg !== s[i]) return null;
  }
  return out;
}
