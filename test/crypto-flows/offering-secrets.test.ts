// Provider plugin credentials (offering secret options) sealed to the provider's owners and to the
// executor key the provider authorised: nothing is sealed (and no offering half-created) before the
// owner authorises the Worker's current key; plaintext from a Waldur client and an envelope sealed
// on the provider's client carry the same recipients; the owner reads them back with its own key,
// the executor opens them, everyone else gets 404; bad envelopes are 400s naming the field and leave
// the stored value as it was.
import assert from "node:assert/strict";
import { test } from "node:test";
import { generateKeyPair } from "../../src/crypto/index.ts";
import { newUuid } from "../../src/http/ids.ts";
import { openJson } from "../../src/secrets/sealed-json.ts";
import { type Json, staffApi, userApi } from "../helpers/api.ts";
import { createOffering, createProvider, type ProviderFixture } from "../helpers/catalog.ts";
import { useWorker } from "../helpers/worker.ts";
import { b64url, d1Dump, findPlaintext, type ListedRecipient, openAs, r2Dump, sealJson, withKey } from "./helpers.ts";

const w = useWorker();
const LOCAL = { VE_MODE: "local" };

const execPath = (f: ProviderFixture) => `/api/marketplace-service-providers/${f.serviceProvider.uuid}/executor_key/`;
const integration = (o: Json) => `/api/marketplace-provider-offerings/${o.uuid}/update_integration/`;
const column = async (uuid: string) =>
  (await w.host.db.prepare("SELECT secret_options_sealed AS s, secret_options_keys AS k FROM offerings WHERE uuid = ?").bind(uuid).first<{ s: string | null; k: string }>())!;

async function authorise(f: ProviderFixture): Promise<Json> {
  const k = await f.provider.expect(200, f.provider.get(execPath(f)));
  return f.provider.expect(200, f.provider.post(execPath(f), { key_id: k.executor_key.key_id }));
}

test("secret options: refused (409 naming the field, nothing written) until the owner authorises the current executor key; withdrawing stops new sealing", async () => {
  const f = await createProvider(w.host);
  const staff = await staffApi(w.host);
  const outsider = await userApi(w.host);
  const before = await f.provider.expect(200, f.provider.get(execPath(f)));
  assert.equal(before.authorised, null);
  assert.equal(before.current_key_authorised, false);
  assert.match(before.executor_key.key_id, /^[0-9a-f]{64}$/);
  assert.equal(before.executor_key.holder, "executor");

  // Not authorised: a create with credentials is refused before the offering exists.
  const count = async () => (await f.provider.expect(200, f.provider.get(`/api/marketplace-provider-offerings/?customer_uuid=${f.customer.uuid}`))).length;
  const n0 = await count();
  const refused = await f.provider.post("/api/marketplace-provider-offerings/", {
    name: "Unauthorised",
    category: f.category.url,
    customer: f.customer.url,
    type: "Marketplace.Basic",
    components: [{ type: "cpu", name: "CPU", measured_unit: "hours", billing_type: "usage" }],
    plans: [{ name: "P", unit: "month", prices: { cpu: "1" } }],
    secret_options: { api_password: "VeUnauthorisedPw71" },
  });
  assert.equal(refused.status, 409, JSON.stringify(refused.body));
  assert.match((refused.body as Json).secret_options[0], /not authorised an executor key/);
  assert.equal(await count(), n0, "no offering was created");
  // ...and so is an update of an existing offering, in either form.
  const o = await createOffering(f, { activate: false });
  const upd = await f.provider.post(integration(o), { secret_options: { api_password: "VeUnauthorisedPw71" } });
  assert.equal(upd.status, 409);
  assert.ok((upd.body as Json).secret_options);
  const updEnv = await f.provider.post(integration(o), { secret_options_envelope: "AAAA" });
  assert.equal(updEnv.status, 409);
  assert.ok((updEnv.body as Json).secret_options_envelope);
  assert.equal((await column(o.uuid)).s, null);
  // Clearing needs no authorisation.
  await f.provider.expect(200, f.provider.post(integration(o), { secret_options: {} }));

  // Who may authorise: the organization's owners; staff may look but not authorise; outsiders see nothing.
  assert.equal((await outsider.get(execPath(f))).status, 404);
  assert.equal((await outsider.post(execPath(f), { key_id: before.executor_key.key_id })).status, 404);
  await staff.expect(200, staff.get(execPath(f)));
  assert.equal((await staff.post(execPath(f), { key_id: before.executor_key.key_id })).status, 403);
  // Only the Worker's current key, named exactly.
  const wrong = await f.provider.post(execPath(f), { key_id: "ab".repeat(32) });
  assert.equal(wrong.status, 400);
  assert.match((wrong.body as Json).key_id[0], /not the Worker's current executor key/);
  assert.equal((await f.provider.post(execPath(f), { key_id: "not-hex" })).status, 400);
  assert.ok(((await f.provider.post(execPath(f), {})).body as Json).key_id);
  assert.equal((await f.provider.expect(200, f.provider.get(execPath(f)))).authorised, null, "refusals recorded nothing");

  const auth = await authorise(f);
  assert.equal(auth.current_key_authorised, true);
  assert.equal(auth.authorised.key_id, before.executor_key.key_id);
  assert.equal(auth.authorised.authorised_by_uuid, f.provider.uuid);
  const done = await f.provider.expect(200, f.provider.post(integration(o), { secret_options: { api_password: "VeAuthorisedPw52" } }));
  assert.deepEqual(done.secret_options, { api_password: "********" });

  // Withdrawn: the stored value stays, new sealing is refused again.
  assert.equal((await staff.delete(execPath(f))).status, 403);
  assert.equal((await f.provider.delete(execPath(f))).status, 204);
  assert.equal((await f.provider.delete(execPath(f))).status, 404);
  assert.equal((await f.provider.post(integration(o), { secret_options: { api_password: "VeAfterWithdrawPw9" } })).status, 409);
  assert.deepEqual(await openJson(LOCAL, { kind: "offering-secret-options", recordId: o.uuid }, (await column(o.uuid)).s), { api_password: "VeAuthorisedPw52" });
});

test("secret options from a Waldur client (plaintext) are sealed to the owners and the executor; the owner reads them back, others get 404", async () => {
  const f = await createProvider(w.host);
  const ownerKey = await withKey(f.provider);
  const outsider = await userApi(w.host);
  await withKey(outsider);
  const staff = await staffApi(w.host);
  await authorise(f);
  const SECRET = { api_password: "VePlainProviderPw38", api_user: "VePlainProviderUser" };
  const o = await createOffering(f, { activate: false, secret_options: SECRET });
  assert.deepEqual(o.secret_options, { api_password: "********", api_user: "********" }, "Waldur's masked output");

  const dir = await f.provider.expect(200, f.provider.get(`/api/marketplace-provider-offerings/${o.uuid}/sealed_secret_options/recipients/`));
  assert.equal(dir.kind, "offering-secret-options");
  assert.equal(dir.record_id, o.uuid);
  assert.equal(dir.executor_key_authorised, true);
  assert.deepEqual(dir.recipients.map((r: ListedRecipient) => r.holder).sort(), ["executor", f.provider.uuid].sort());

  const path = `/api/marketplace-provider-offerings/${o.uuid}/sealed_secret_options/`;
  assert.deepEqual(await openAs(w.host, f.provider, ownerKey, path), SECRET);
  assert.deepEqual(await openJson(LOCAL, { kind: "offering-secret-options", recordId: o.uuid }, (await column(o.uuid)).s), SECRET, "the executor opens it");
  assert.equal((await outsider.get(path)).status, 404);
  assert.equal((await staff.get(path)).status, 404, "staff who are not recipients do not get the envelope");
  assert.equal((await outsider.get(`/api/marketplace-provider-offerings/${o.uuid}/sealed_secret_options/recipients/`)).status, 404);
  // No form of them is stored readable.
  assert.deepEqual(findPlaintext(SECRET, { "D1 table": await d1Dump(w.host), "R2 object": await r2Dump(w.host) }), []);
});

test("secret options sealed on the provider's client: stored as sent, opened by the executor; bad envelopes are 400s naming the field and change nothing", async () => {
  const f = await createProvider(w.host);
  const ownerKey = await withKey(f.provider);
  const other = await userApi(w.host);
  const otherKey = await withKey(other);
  await authorise(f);
  const o = await createOffering(f, { activate: false });
  const dir = await f.provider.expect(200, f.provider.get(`/api/marketplace-provider-offerings/${o.uuid}/sealed_secret_options/recipients/`));
  const context = { kind: "offering-secret-options", recordId: o.uuid, version: 1 };
  const SECRET = { k8s_token: "VeClientSealedTokenQ4", k8s_ca: "VeClientSealedCaZ8" };

  const envelope = await sealJson(SECRET, context, dir.recipients);
  const set = await f.provider.expect(200, f.provider.post(integration(o), { secret_options_envelope: b64url(envelope) }));
  assert.deepEqual(set.secret_options, { k8s_token: "********", k8s_ca: "********" });
  const stored = await column(o.uuid);
  assert.ok(stored.s?.startsWith(`v2.${b64url(envelope)}.`), "the provider's envelope is stored as sent, with the Worker's attestation");
  assert.deepEqual(await openJson(LOCAL, { kind: "offering-secret-options", recordId: o.uuid }, stored.s), SECRET, "the executor opens it");
  assert.deepEqual(await openAs(w.host, f.provider, ownerKey, `/api/marketplace-provider-offerings/${o.uuid}/sealed_secret_options/`), SECRET);

  const exec = dir.recipients.filter((r: ListedRecipient) => r.holder === "executor");
  const owners = dir.recipients.filter((r: ListedRecipient) => r.holder !== "executor");
  const stray = await generateKeyPair();
  const strayListed = { public_key: b64url(stray.publicKey), key_version: 1, key_id: "", holder: "stray" };
  const otherListed = { public_key: b64url(otherKey.publicKey), key_version: 1, key_id: "", holder: other.uuid };
  const bad: [string, Json, string, RegExp][] = [
    ["without the executor key", { secret_options_envelope: b64url(await sealJson(SECRET, context, owners)) }, "secret_options_envelope", /not sealed to the executor key/],
    ["without the owner", { secret_options_envelope: b64url(await sealJson(SECRET, context, exec)) }, "secret_options_envelope", /missing/],
    ["for another offering", { secret_options_envelope: b64url(await sealJson(SECRET, { ...context, recordId: newUuid() }, dir.recipients)) }, "secret_options_envelope", /another record/],
    ["as another version", { secret_options_envelope: b64url(await sealJson(SECRET, { ...context, version: 2 }, dir.recipients)) }, "secret_options_envelope", /another record/],
    ["of another kind", { secret_options_envelope: b64url(await sealJson(SECRET, { ...context, kind: "order-attributes" }, dir.recipients)) }, "secret_options_envelope", /expected "offering-secret-options"/],
    ["to a key outside the directory", { secret_options_envelope: b64url(await sealJson(SECRET, context, [...dir.recipients, strayListed])) }, "secret_options_envelope", /not in the key directory/],
    ["holding a list", { secret_options_envelope: b64url(await sealJson(["x"], context, dir.recipients)) }, "secret_options_envelope", /JSON object/],
    ["holding nothing", { secret_options_envelope: b64url(await sealJson({}, context, dir.recipients)) }, "secret_options_envelope", /no secret options/],
    ["not base64url", { secret_options_envelope: "not base64!" }, "secret_options_envelope", /base64url/],
    ["not an envelope", { secret_options_envelope: b64url(new TextEncoder().encode('{"k8s_token":"x"}')) }, "secret_options_envelope", /VEENV/],
    ["with plaintext too", { secret_options: { k8s_token: "VeBoth" }, secret_options_envelope: b64url(envelope) }, "secret_options", /not both/],
  ];
  for (const [what, payload, field, message] of bad) {
    const r = await f.provider.post(integration(o), payload);
    assert.equal(r.status, 400, `${what}: ${JSON.stringify(r.body)}`);
    assert.match((r.body as Json)[field]?.[0] ?? "", message, `${what}: ${JSON.stringify(r.body)}`);
    assert.equal((await column(o.uuid)).s, stored.s, `${what}: the stored value is unchanged`);
  }
  // A tampered envelope (one payload byte flipped) is refused: it does not open for the executor.
  const tampered = envelope.slice();
  tampered[tampered.length - 5] = tampered[tampered.length - 5]! ^ 1;
  const t = await f.provider.post(integration(o), { secret_options_envelope: b64url(tampered) });
  assert.equal(t.status, 400);
  assert.match((t.body as Json).secret_options_envelope[0], /does not open for the executor key/);
  // An extra recipient from the directory is allowed (the provider chooses whom else to trust).
  const wider = await sealJson(SECRET, context, [...dir.recipients, otherListed]);
  await f.provider.expect(200, f.provider.post(integration(o), { secret_options_envelope: b64url(wider) }));
  assert.ok((await column(o.uuid)).s?.startsWith(`v2.${b64url(wider)}.`));
  assert.equal((await other.get(`/api/marketplace-provider-offerings/${o.uuid}/sealed_secret_options/`)).status, 404, "a recipient who cannot see the offering still gets 404");
  // An envelope sent on create is refused (it cannot be bound to a uuid the offering does not have yet).
  const onCreate = await f.provider.post("/api/marketplace-provider-offerings/", {
    name: "Sealed on create",
    category: f.category.url,
    customer: f.customer.url,
    type: "Marketplace.Basic",
    components: [{ type: "cpu", name: "CPU", measured_unit: "hours", billing_type: "usage" }],
    plans: [{ name: "P", unit: "month", prices: { cpu: "1" } }],
    secret_options_envelope: b64url(envelope),
  });
  assert.equal(onCreate.status, 400);
  assert.ok((onCreate.body as Json).secret_options_envelope);
  assert.deepEqual(findPlaintext(SECRET, { "D1 table": await d1Dump(w.host), "R2 object": await r2Dump(w.host) }), []);
});
