// Offering screenshots (/api/marketplace-screenshots/): uploaded by the offering's managers as
// multipart/form-data or JSON, bytes in R2 (type sniffed, size capped), listed and served to anyone
// who may see the offering; refusals name the field and leave nothing behind.
import assert from "node:assert/strict";
import { test } from "node:test";
import { eq } from "drizzle-orm";
import { offeringScreenshots } from "../../src/db/schema/index.ts";
import { Api, dbOf, type Json, userApi } from "../helpers/api.ts";
import { createOffering, createProvider } from "../helpers/catalog.ts";
import { useWorker } from "../helpers/worker.ts";
import { png } from "./screenshots-png.ts";

const w = useWorker();

async function upload(api: Api, fields: Record<string, string | Blob>): Promise<{ status: number; body: Json }> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const headers: Record<string, string> = api.token ? { Authorization: `Token ${api.token}` } : {};
  const res = await w.host.fetch("/api/marketplace-screenshots/", { method: "POST", headers, body: form });
  return { status: res.status, body: await res.json() };
}
const imageOf = (bytes: Uint8Array, type = "image/png", name = "shot.png") => new File([Uint8Array.from(bytes)], name, { type });
const r2Keys = async () => (await w.host.blobs.list({ prefix: "screenshots/" })).objects.map((o) => o.key);

test("a provider uploads screenshots; anyone sees them on the public offering; bytes come back from R2", async () => {
  const f = await createProvider(w.host);
  const o = await createOffering(f);
  const red = png(64, 40, [200, 20, 20]);
  const made = await upload(f.provider, { name: "Dashboard", description: "The main view", offering: o.url, image: imageOf(red) });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.equal(made.body.name, "Dashboard");
  assert.equal(made.body.description, "The main view");
  assert.equal(made.body.offering_uuid, o.uuid);
  assert.equal(made.body.customer_uuid, f.customer.uuid);
  assert.equal(made.body.content_type, "image/png");
  assert.equal(made.body.size, red.length);
  assert.equal(made.body.thumbnail, null);
  // JSON with a data: URL works too, and the public offering URL is accepted.
  const blue = png(8, 8, [20, 20, 200]);
  const second = await f.provider.expect(
    201,
    f.provider.post("/api/marketplace-screenshots/", {
      name: "Settings",
      offering: `${w.host.url}/api/marketplace-public-offerings/${o.uuid}/`,
      image: `data:image/png;base64,${blue.toString("base64")}`,
    }),
  );
  const anon = new Api(w.host);
  const listed = await anon.call("GET", `/api/marketplace-screenshots/?offering_uuid=${o.uuid}&o=name`);
  assert.equal(listed.status, 200);
  assert.equal(listed.headers.get("x-result-count"), "2");
  assert.deepEqual((listed.body as Json[]).map((s) => s.name), ["Dashboard", "Settings"]);
  const desc = await anon.expect(200, anon.get(`/api/marketplace-screenshots/?offering=${encodeURIComponent(o.url)}&o=-name&page_size=1`));
  assert.deepEqual(desc.map((s: Json) => s.name), ["Settings"]);
  const img = await w.host.fetch(`/api/marketplace-screenshots/${made.body.uuid}/image/`);
  assert.equal(img.status, 200);
  assert.equal(img.headers.get("content-type"), "image/png");
  assert.equal(img.headers.get("x-content-type-options"), "nosniff");
  assert.deepEqual(Buffer.from(await img.arrayBuffer()), red);
  const row = await dbOf(w.host).select().from(offeringScreenshots).where(eq(offeringScreenshots.uuid, made.body.uuid)).get();
  assert.ok(row && (await w.host.blobs.head(row.objectKey)));
  assert.match(row.sha256, /^[0-9a-f]{64}$/);
  // Rename, then delete: the R2 object goes with the row.
  const renamed = await f.provider.expect(200, f.provider.patch(`/api/marketplace-screenshots/${second.uuid}/`, { name: "Settings page" }));
  assert.equal(renamed.name, "Settings page");
  assert.equal((await f.provider.patch(`/api/marketplace-screenshots/${second.uuid}/`, { name: "" })).status, 400);
  const secondRow = await dbOf(w.host).select().from(offeringScreenshots).where(eq(offeringScreenshots.uuid, second.uuid)).get();
  await f.provider.expect(204, f.provider.delete(`/api/marketplace-screenshots/${second.uuid}/`));
  assert.equal(await w.host.blobs.head(secondRow!.objectKey), null);
  assert.equal((await anon.get(`/api/marketplace-screenshots/${second.uuid}/`)).status, 404);
});

test("refusals: outsiders and anonymous cannot upload, change or delete; a draft offering's screenshots stay hidden", async () => {
  const f = await createProvider(w.host);
  const draft = await createOffering(f, { activate: false });
  const shot = await upload(f.provider, { name: "Draft view", offering: draft.url, image: imageOf(png(4, 4, [1, 2, 3])) });
  assert.equal(shot.status, 201);
  const stranger = await userApi(w.host);
  const anon = new Api(w.host);
  // Not visible at all: 404 for strangers and anonymous; the provider and staff see it.
  assert.equal((await stranger.get(`/api/marketplace-screenshots/${shot.body.uuid}/`)).status, 404);
  assert.equal((await w.host.fetch(`/api/marketplace-screenshots/${shot.body.uuid}/image/`)).status, 404);
  assert.equal((await anon.expect(200, anon.get(`/api/marketplace-screenshots/?offering_uuid=${draft.uuid}`))).length, 0);
  await f.provider.expect(200, f.provider.get(`/api/marketplace-screenshots/${shot.body.uuid}/`));
  await f.staff.expect(200, f.staff.get(`/api/marketplace-screenshots/${shot.body.uuid}/`));
  // Visible (active, shared) but not theirs: 403.
  const live = await createOffering(f);
  const pub = await upload(f.provider, { name: "Live view", offering: live.url, image: imageOf(png(4, 4, [3, 2, 1])) });
  assert.equal((await upload(stranger, { name: "Mine now", offering: live.url, image: imageOf(png(4, 4, [0, 0, 0])) })).status, 403);
  assert.equal((await upload(anon, { name: "Anon", offering: live.url, image: imageOf(png(4, 4, [0, 0, 0])) })).status, 401);
  assert.equal((await stranger.patch(`/api/marketplace-screenshots/${pub.body.uuid}/`, { name: "hijacked" })).status, 403);
  assert.equal((await stranger.delete(`/api/marketplace-screenshots/${pub.body.uuid}/`)).status, 403);
  assert.equal((await anon.delete(`/api/marketplace-screenshots/${pub.body.uuid}/`)).status, 401);
  assert.equal((await stranger.expect(200, stranger.get(`/api/marketplace-screenshots/${pub.body.uuid}/`))).name, "Live view");
});

test("bad uploads are 400s naming the field; nothing is written to D1 or R2", async () => {
  const f = await createProvider(w.host);
  const o = await createOffering(f);
  const keysBefore = await r2Keys();
  const rows = async () => (await dbOf(w.host).select().from(offeringScreenshots).where(eq(offeringScreenshots.offeringId, (await dbOf(w.host).query.offerings.findFirst({ where: (t, { eq }) => eq(t.uuid, o.uuid) }))!.id)).all()).length;
  const good = png(4, 4, [9, 9, 9]);
  const cases: [Record<string, string | Blob>, string][] = [
    [{ offering: o.url, image: imageOf(good) }, "name"],
    [{ name: "x", image: imageOf(good) }, "offering"],
    [{ name: "x", offering: o.url }, "image"],
    [{ name: "x", offering: o.url, image: "not a file" }, "image"],
    [{ name: "x", offering: o.url, image: imageOf(new TextEncoder().encode("<svg onload=alert(1)>"), "image/png") }, "image"],
    [{ name: "x", offering: o.url, image: imageOf(new Uint8Array(0)) }, "image"],
    [{ name: "x", offering: o.url, image: imageOf(good, "image/jpeg", "shot.jpg") }, "image"],
    [{ name: "x", offering: `${w.host.url}/api/projects/${o.uuid}/`, image: imageOf(good) }, "offering"],
    [{ name: "x", offering: `${w.host.url}/api/marketplace-provider-offerings/${"5".repeat(32)}/`, image: imageOf(good) }, "offering"],
    [{ name: "x".repeat(151), offering: o.url, image: imageOf(good) }, "name"],
  ];
  for (const [fields, field] of cases) {
    const r = await upload(f.provider, fields);
    assert.equal(r.status, 400, `${field}: ${r.status} ${JSON.stringify(r.body)}`);
    assert.ok(field in r.body, `${field} not named: ${JSON.stringify(r.body)}`);
  }
  // Every missing field at once, as DRF does.
  const none = await upload(f.provider, {});
  assert.deepEqual(Object.keys(none.body).sort(), ["image", "name", "offering"]);
  const json = await f.provider.post("/api/marketplace-screenshots/", { name: "x", offering: o.url, image: "data:image/png;base64,A" });
  assert.equal(json.status, 400);
  assert.ok("image" in json.body);
  // Over 4 MiB: a PNG header followed by filler.
  const big = new Uint8Array(4 * 1024 * 1024 + 1);
  big.set(good.subarray(0, 24));
  const tooBig = await upload(f.provider, { name: "big", offering: o.url, image: imageOf(big) });
  assert.equal(tooBig.status, 400);
  assert.match(tooBig.body.image[0], /larger than 4 MiB/);
  assert.equal(await rows(), 0);
  assert.deepEqual(await r2Keys(), keysBefore);
  assert.equal((await f.provider.get("/api/marketplace-screenshots/?offering_uuid=nope")).status, 400);
  // At most 20 per offering: the 21st is refused naming the offering, and not stored.
  const data = `data:image/png;base64,${good.toString("base64")}`;
  for (let i = 0; i < 20; i++) await f.provider.expect(201, f.provider.post("/api/marketplace-screenshots/", { name: `n${i}`, offering: o.url, image: data }));
  const extra = await f.provider.post("/api/marketplace-screenshots/", { name: "one more", offering: o.url, image: data });
  assert.equal(extra.status, 400);
  assert.match(extra.body.offering[0], /at most 20/);
  assert.equal(await rows(), 20);
  assert.equal((await r2Keys()).length, keysBefore.length + 20);
});
