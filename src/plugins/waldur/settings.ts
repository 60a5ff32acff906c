// Settings of the Waldur plugin. Every value comes from the imported offering's sealed secret
// options, which the bridge writes on import and re-sync (src/bridge/waldur/offerings.ts), so the
// configuration entry only names them:
//   {"plugin": "waldur", "offering_types": ["Waldur.RemoteOffering"], "settings": {
//     "api_url": {"$secret": "waldur_api_url"}, "token": {"$secret": "waldur_token"},
//     "customer_uuid": {"$secret": "waldur_customer_uuid"}, "offering_uuid": {"$secret": "waldur_offering_uuid"},
//     "plans": {"$secret": "waldur_plans"}}}
// The start-up check fills placeholders with a dummy string, so the registered schema is loose;
// `strictSettings` checks the real values when an order runs.
import * as v from "valibot";

export const waldurSettingsSchema = v.object({
  api_url: v.pipe(v.string(), v.nonEmpty("api_url is required")),
  token: v.pipe(v.string(), v.nonEmpty("token is required")),
  customer_uuid: v.pipe(v.string(), v.nonEmpty("customer_uuid is required")),
  offering_uuid: v.pipe(v.string(), v.nonEmpty("offering_uuid is required")),
  plans: v.optional(v.unknown(), {}),
});

const hex32 = (what: string) => v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/, `${what} is a 32-hex uuid`));

const strictSchema = v.object({
  api_url: v.pipe(v.string(), v.regex(/^https?:\/\/[^\s]+$/, "api_url must be an http(s) URL")),
  token: v.pipe(v.string(), v.nonEmpty("token is required")),
  customer_uuid: hex32("customer_uuid"),
  offering_uuid: hex32("offering_uuid"),
  /** Local plan uuid → remote plan uuid. */
  plans: v.record(hex32("a local plan"), hex32("a remote plan")),
});
export type WaldurSettings = v.InferOutput<typeof strictSchema>;

export function strictSettings(raw: unknown): { ok: true; value: WaldurSettings } | { ok: false; message: string } {
  const r = v.safeParse(strictSchema, raw);
  if (r.success) return { ok: true, value: r.output };
  const i = r.issues[0]!;
  return { ok: false, message: `waldur plugin settings.${(i.path ?? []).map((p) => String(p.key)).join(".")}: ${i.message} (re-sync the offering's connection)` };
}
