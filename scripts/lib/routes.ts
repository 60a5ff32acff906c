// The API's route table, read from the Hono app itself: "METHOD /path/{param}/" entries.
import { createApp } from "../../src/app.ts";

export function appOperations(): { method: string; path: string }[] {
  const seen = new Set<string>();
  const out: { method: string; path: string }[] = [];
  for (const r of createApp().routes) {
    if (r.method === "ALL" || r.path.includes("*")) continue;
    const p = r.path.replace(/:([A-Za-z_]+)/g, "{$1}");
    const key = `${r.method} ${p}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ method: r.method, path: p });
  }
  return out;
}
