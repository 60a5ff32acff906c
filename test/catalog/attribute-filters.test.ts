import assert from "node:assert/strict";
import { test } from "node:test";
import { Api } from "../helpers/api.ts";
import { createOffering, createProvider } from "../helpers/catalog.ts";
import { useWorker } from "../helpers/worker.ts";

const w = useWorker();

test("public and provider offerings filter by Waldur's `attributes` JSON: list = any of, scalar = exact value and type", async () => {
  const f = await createProvider(w.host);
  const set = async (o: { uuid: string }, attributes: object) =>
    f.provider.expect(200, f.provider.post(`/api/marketplace-provider-offerings/${o.uuid}/update_attributes/`, attributes));
  const iso = await createOffering(f, { name: "ISO" });
  const kvm = await createOffering(f, { name: "KVM" });
  const bare = await createOffering(f, { name: "Bare" });
  await set(iso, { certification: ["ISO27001", "SOC2"], virtualization: "kvm", high_availability: true, cores: 8 });
  await set(kvm, { certification: ["GDPR"], virtualization: "kvm", high_availability: false, cores: "8" });
  const anon = new Api(w.host);
  const names = async (attrs: unknown, api: Api = anon, path = "/api/marketplace-public-offerings/") => {
    const q = new URLSearchParams({ category_uuid: f.category.uuid, attributes: JSON.stringify(attrs), o: "name" });
    const r = await api.expect(200, api.get(`${path}?${q}`));
    return r.map((o: { name: string }) => o.name);
  };
  assert.deepEqual(await names({}), ["Bare", "ISO", "KVM"]);
  assert.deepEqual(await names({ certification: ["SOC2"] }), ["ISO"]);
  assert.deepEqual(await names({ certification: ["SOC2", "GDPR"] }), ["ISO", "KVM"]);
  assert.deepEqual(await names({ certification: ["HIPAA"] }), []);
  // A list filter also matches a single-valued attribute equal to one of its choices.
  assert.deepEqual(await names({ virtualization: ["kvm", "xen"] }), ["ISO", "KVM"]);
  assert.deepEqual(await names({ virtualization: "kvm", certification: ["GDPR"] }), ["KVM"]);
  assert.deepEqual(await names({ high_availability: true }), ["ISO"]);
  assert.deepEqual(await names({ high_availability: false }), ["KVM"]);
  // Types are not coerced: 8 and "8" are different values, true is not 1.
  assert.deepEqual(await names({ cores: 8 }), ["ISO"]);
  assert.deepEqual(await names({ cores: "8" }), ["KVM"]);
  assert.deepEqual(await names({ high_availability: 1 }), []);
  // Keys are quoted inside the JSON path: a dotted key is one key, not a nested path.
  await set(bare, { "net.type": "vlan" });
  assert.deepEqual(await names({ "net.type": "vlan" }), ["Bare"]);
  // The provider's own list takes the same filter.
  assert.deepEqual(await names({ certification: ["GDPR"] }, f.provider, "/api/marketplace-provider-offerings/"), ["KVM"]);
  // Filters compose with the others and with paging; the count is of the filtered set.
  const q = new URLSearchParams({ category_uuid: f.category.uuid, attributes: '{"virtualization":"kvm"}', page_size: "1" });
  const res = await anon.get(`/api/marketplace-public-offerings/?${q}`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-result-count"), "2");
});

test("a bad `attributes` filter is a 400 naming the field, never a 500", async () => {
  const anon = new Api(w.host);
  const bad = async (raw: string) => {
    const r = await anon.get(`/api/marketplace-public-offerings/?attributes=${encodeURIComponent(raw)}`);
    assert.equal(r.status, 400, raw);
    assert.deepEqual(Object.keys(r.body), ["attributes"], raw);
    return r.body.attributes[0] as string;
  };
  assert.equal(await bad("{not json"), "Value must be valid JSON.");
  assert.equal(await bad("[1,2]"), "Value must be a dict.");
  assert.equal(await bad('"x"'), "Value must be a dict.");
  assert.equal(await bad("null"), "Value must be a dict.");
  assert.match(await bad('{"a\\"b":"x"}'), /not a valid attribute key/);
  assert.match(await bad('{"":"x"}'), /not a valid attribute key/);
  assert.match(await bad('{"k":[]}'), /list of 1 to 50 strings/);
  assert.match(await bad('{"k":[1]}'), /list of 1 to 50 strings/);
  assert.match(await bad(JSON.stringify({ k: Array.from({ length: 51 }, (_, i) => `v${i}`) })), /list of 1 to 50 strings/);
  assert.match(await bad('{"k":null}'), /must be a string, number, boolean/);
  assert.match(await bad('{"k":{"x":1}}'), /must be a string, number, boolean/);
  assert.match(await bad(JSON.stringify(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, "v"])))), /no more than 20 keys/);
  // An SQL-looking value is only ever a bound parameter.
  const sqlish = await anon.get(`/api/marketplace-public-offerings/?attributes=${encodeURIComponent(`{"k":"x' or 1=1 --"}`)}`);
  assert.equal(sqlish.status, 200);
  assert.deepEqual(sqlish.body, []);
});
