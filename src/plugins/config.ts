// Plugin configuration: which plugin serves which offerings, with what settings. Given as JSON in
// the VE_PLUGINS variable (wrangler.toml [vars] or a secret), e.g.
//   {"plugins": [{"plugin": "openstack", "offering_types": ["OpenStack.Instance"],
//                 "settings": {"auth_url": "https://keystone:5000/v3", "password": {"$secret": "password"}}}]}
// A value {"$secret": "<name>"} is taken from the offering's sealed secret_options when an order
// runs, so credentials never sit in configuration. Entries may name offerings by uuid instead of
// by type ("offerings": ["<uuid>"]); an offering-specific entry wins over a type-wide one.
import * as v from "valibot";

const entrySchema = v.pipe(
  v.object({
    plugin: v.pipe(v.string(), v.nonEmpty("plugin is required")),
    offering_types: v.optional(v.array(v.string()), []),
    offerings: v.optional(v.array(v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/, "offering uuids are 32 hex characters"))), []),
    settings: v.optional(v.record(v.string(), v.unknown()), {}),
  }),
  v.check((e) => e.offering_types.length + e.offerings.length > 0, "each entry names offering_types or offerings"),
);
export const pluginConfigSchema = v.object({ plugins: v.array(entrySchema) });
export type PluginEntry = v.InferOutput<typeof entrySchema>;

export type ConfigResult = { ok: true; entries: PluginEntry[] } | { ok: false; error: string };

export function parsePluginConfig(raw: string | undefined): ConfigResult {
  if (!raw || raw.trim() === "") return { ok: true, entries: [] };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    return { ok: false, error: `VE_PLUGINS is not valid JSON: ${(e as Error).message}` };
  }
  const r = v.safeParse(pluginConfigSchema, json);
  if (!r.success) {
    const i = r.issues[0]!;
    return { ok: false, error: `VE_PLUGINS ${(i.path ?? []).map((p) => String(p.key)).join(".")}: ${i.message}` };
  }
  return { ok: true, entries: r.output.plugins };
}

/** Replaces {"$secret": name} placeholders with the offering's secret options. */
export function resolveSecrets(settings: Record<string, unknown>, secrets: Record<string, unknown>): { ok: true; value: Record<string, unknown> } | { ok: false; missing: string } {
  const out: Record<string, unknown> = {};
  for (const [k, val] of Object.entries(settings)) {
    if (val && typeof val === "object" && !Array.isArray(val) && "$secret" in val) {
      const name = String((val as { $secret: unknown }).$secret);
      if (!(name in secrets)) return { ok: false, missing: name };
      out[k] = secrets[name];
    } else if (val && typeof val === "object" && !Array.isArray(val)) {
      const nested = resolveSecrets(val as Record<string, unknown>, secrets);
      if (!nested.ok) return nested;
      out[k] = nested.value;
    } else out[k] = val;
  }
  return { ok: true, value: out };
}
