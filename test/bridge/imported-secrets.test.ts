// Imported offerings' settings (the remote API URL, token and uuids) are offering secret options
// like any other: sealed to the executor key and to the importing organization's owners, so the
// owner reads them back on its own client; a re-sync re-seals them to the owners' current keys.
import assert from "node:assert/strict";
import { test } from "node:test";
import { openJson } from "../../src/secrets/sealed-json.ts";
import { type Json, userApi } from "../helpers/api.ts";
import { createProvider } from "../helpers/catalog.ts";
import { useWorker } from "../helpers/worker.ts";
import { findPlaintext, keyIdHex, type ListedRecipient, openAs, withKey } from "../crypto-flows/helpers.ts";
import { connect, remoteProvider } from "./helpers.ts";

const local = useWorker();
const remote = useWorker();

const sealedOf = async (uuid: string) =>
  (await local.host.db.prepare("SELECT secret_options_sealed AS s FROM offerings WHERE uuid = ?").bind(uuid).first<{ s: string }>())!.s;

test("imported offerings' settings are sealed to the importing organization's owners and the executor", async () => {
  const l = await createProvider(local.host);
  const firstKey = await withKey(l.provider);
  const outsider = await userApi(local.host);
  await withKey(outsider);
  const r = await remoteProvider(remote.host);
  const conn = await connect(l, remote.host, r);
  const imp = await l.provider.expect(201, l.provider.post(`/api/waldur-connections/${conn.uuid}/import_offerings/`, { offerings: [r.offerings[0].uuid] }));
  const uuid: string = imp.created[0];

  // The owner's key and the executor are the recipients of the stored envelope.
  const path = `/api/marketplace-provider-offerings/${uuid}/sealed_secret_options/`;
  const settings = await openAs(local.host, l.provider, firstKey, path);
  assert.equal(settings.waldur_token, r.provider.token);
  assert.equal(settings.waldur_offering_uuid, r.offerings[0].uuid);
  assert.equal(settings.waldur_customer_uuid, r.customer.uuid);
  assert.deepEqual(settings, await openJson({ VE_MODE: "local" }, { kind: "offering-secret-options", recordId: uuid }, await sealedOf(uuid)), "the executor opens the same settings");
  const dir = await l.provider.expect(200, l.provider.get(`/api/marketplace-provider-offerings/${uuid}/sealed_secret_options/recipients/`));
  assert.deepEqual(dir.recipients.map((x: ListedRecipient) => x.holder).sort(), ["executor", l.provider.uuid].sort());
  assert.equal((await outsider.get(path)).status, 404, "a non-recipient does not get the envelope");
  const masked = await l.provider.expect(200, l.provider.get(`/api/marketplace-provider-offerings/${uuid}/`));
  assert.equal(masked.secret_options.waldur_token, "********");
  assert.deepEqual(findPlaintext({ token: r.provider.token! }, { "offering column": new Map([["offerings", await sealedOf(uuid)]]) }), []);

  // The owner moves to a new key; a remote change re-seals the settings to it on the next sync.
  const secondKey = await withKey(l.provider);
  assert.notEqual(keyIdHex(secondKey), keyIdHex(firstKey));
  const ro: Json = r.offerings[0];
  await r.provider.expect(200, r.provider.post(`/api/marketplace-provider-offerings/${ro.uuid}/update_overview/`, { name: ro.name, description: "Changed remotely" }));
  const sync = await l.provider.expect(200, l.provider.post(`/api/waldur-connections/${conn.uuid}/sync/`, {}));
  assert.equal(sync.offerings_updated, 1, JSON.stringify(sync));
  const resealed = await openAs(local.host, l.provider, secondKey, path);
  assert.equal(resealed.waldur_token, r.provider.token);
});

test("an owner without a registered key is no recipient; the import still seals to the executor", async () => {
  const l = await createProvider(local.host);
  const r = await remoteProvider(remote.host);
  const conn = await connect(l, remote.host, r);
  const imp = await l.provider.expect(201, l.provider.post(`/api/waldur-connections/${conn.uuid}/import_offerings/`, { offerings: [r.offerings[0].uuid] }));
  const uuid: string = imp.created[0];
  const opened = await openJson({ VE_MODE: "local" }, { kind: "offering-secret-options", recordId: uuid }, await sealedOf(uuid));
  assert.equal(opened.waldur_token, r.provider.token);
  // Registered after the import: not a recipient of what was sealed before.
  await withKey(l.provider);
  assert.equal((await l.provider.get(`/api/marketplace-provider-offerings/${uuid}/sealed_secret_options/`)).status, 404);
});
