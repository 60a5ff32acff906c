// The registry maps offering types (and configured offerings) to the plugin that fulfils them,
// as Waldur's marketplace maps offering types to processors. Plugins are listed here once; which
// one serves which offering is configuration (VE_PLUGINS, see config.ts), never route code.
import * as v from "valibot";
import type { Bindings } from "../env.ts";
import { type PluginEntry, parsePluginConfig, resolveSecrets } from "./config.ts";
import type { ProviderPlugin } from "./types.ts";

// biome-ignore lint/suspicious/noExplicitAny: plugins differ in their settings type
export type AnyPlugin = ProviderPlugin<any>;

/** Every plugin built into the Worker, by registry name. */
export const PLUGINS = new Map<string, AnyPlugin>();

export function registerPlugin(p: AnyPlugin) {
  PLUGINS.set(p.name, p);
}

export type PluginMatch = { ok: true; plugin: AnyPlugin; entry: PluginEntry } | { ok: false; error: string };

export function pluginFor(env: Pick<Bindings, "VE_PLUGINS">, offering: { uuid: string; type: string }): PluginMatch {
  const cfg = parsePluginConfig(env.VE_PLUGINS);
  if (!cfg.ok) return { ok: false, error: cfg.error };
  const entry =
    cfg.entries.find((e) => e.offerings.includes(offering.uuid)) ?? cfg.entries.find((e) => e.offering_types.includes(offering.type));
  if (!entry) return { ok: false, error: `no plugin is configured for ${offering.type}` };
  const plugin = PLUGINS.get(entry.plugin);
  if (!plugin) return { ok: false, error: `unknown plugin "${entry.plugin}"` };
  if (!plugin.offeringTypes.includes(offering.type)) {
    return { ok: false, error: `plugin "${plugin.name}" does not serve ${offering.type}` };
  }
  return { ok: true, plugin, entry };
}

/** Settings for one offering: configuration plus its secret options, validated by the plugin's schema. */
export function settingsFor(m: { plugin: AnyPlugin; entry: PluginEntry }, secrets: Record<string, unknown>) {
  const resolved = resolveSecrets(m.entry.settings, secrets);
  if (!resolved.ok) return { ok: false as const, error: `plugin "${m.plugin.name}": secret option "${resolved.missing}" is not set on the offering` };
  const r = v.safeParse(m.plugin.settingsSchema, resolved.value);
  if (!r.success) {
    const i = r.issues[0]!;
    return { ok: false as const, error: `plugin "${m.plugin.name}" settings.${(i.path ?? []).map((p) => String(p.key)).join(".")}: ${i.message}` };
  }
  return { ok: true as const, value: r.output as unknown };
}

/**
 * Start-up check: every entry names a known plugin serving its types, and settings without secret
 * placeholders satisfy the plugin's schema. Returns the problems (empty when the config is good).
 */
export function checkPluginConfig(raw: string | undefined): string[] {
  const cfg = parsePluginConfig(raw);
  if (!cfg.ok) return [cfg.error];
  const problems: string[] = [];
  cfg.entries.forEach((e, i) => {
    const p = PLUGINS.get(e.plugin);
    if (!p) {
      problems.push(`VE_PLUGINS plugins.${i}.plugin: unknown plugin "${e.plugin}" (known: ${[...PLUGINS.keys()].join(", ") || "none"})`);
      return;
    }
    for (const t of e.offering_types) if (!p.offeringTypes.includes(t)) problems.push(`VE_PLUGINS plugins.${i}: plugin "${p.name}" does not serve ${t}`);
    const secretsStub = new Proxy({}, { has: () => true, get: () => "secret" });
    const s = settingsFor({ plugin: p, entry: e }, secretsStub as Record<string, unknown>);
    if (!s.ok) problems.push(`VE_PLUGINS plugins.${i}: ${s.error}`);
  });
  return problems;
}
