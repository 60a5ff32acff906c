// Editing, syncing and deleting support issues and replies keeps their texts sealed: a PUT or PATCH
// (plaintext from a Waldur client, or an envelope sealed on the client) stores the next version of
// the envelope to the issue's readers and deletes the previous one from R2; sync writes nothing;
// a delete removes the envelopes with the rows. After all of it, no text (old or new) is readable
// in any D1 table or R2 object. Refusals (wrong people, mixed forms, half a sealed pair, stale or
// foreign envelopes, another organization) are 4xx naming the field and change nothing.
import assert from "node:assert/strict";
import { test } from "node:test";
import { newUuid } from "../../src/http/ids.ts";
import { type Json, staffApi, userApi } from "../helpers/api.ts";
import { createProvider } from "../helpers/catalog.ts";
import { useWorker } from "../helpers/worker.ts";
import { b64url, d1Dump, fetchEnvelope, findPlaintext, openAs, r2Dump, r2Keys, sealJson, withKey } from "./helpers.ts";

const w = useWorker();

test("support edits: PUT/PATCH re-seal issue and reply to the same readers, old envelopes gone; sync writes nothing; delete leaves nothing", async () => {
  const f = await createProvider(w.host);
  const providerKey = await withKey(f.provider);
  const customer = await userApi(w.host);
  const customerKey = await withKey(customer);
  const outsider = await userApi(w.host);
  const other = await createProvider(w.host);
  const texts = {
    summary1: "VeEditSummaryOneBx42",
    description1: "VeEditDescriptionOneMr77",
    summary2: "VeEditSummaryTwoQp19",
    description2: "VeEditDescriptionTwoLd63",
    summary3: "VeEditSummaryThreeCk28",
    reply1: "VeEditReplyOneTw51",
    reply2: "VeEditReplyTwoHs86",
    reply3: "VeEditReplyThreeZn30",
    refused: "VeEditRefusedTextGy04",
  };
  const issue = await customer.expect(201, customer.post("/api/support-issues/", { type: "INCIDENT", customer: f.customer.url, summary: texts.summary1, description: texts.description1 }));
  const issuePath = `/api/support-issues/${issue.uuid}/`;
  const sealedPath = `${issuePath}sealed/`;
  const readers = [customer.uuid, f.provider.uuid].sort();

  // PUT in plaintext (Waldur): version 2, same readers, the version-1 object deleted.
  const v1Keys = await r2Keys(w.host, `support-issue/${issue.uuid}/`);
  assert.equal(v1Keys.length, 1);
  const put = await customer.expect(200, customer.put(issuePath, { type: "CHANGE_REQUEST", summary: texts.summary2, description: texts.description2, priority: "high" }));
  assert.equal(put.summary, "");
  assert.equal(put.description, "");
  assert.equal(put.type, "CHANGE_REQUEST");
  assert.equal(put.priority, "high");
  assert.equal(put.sealed.version, 2);
  assert.deepEqual(put.sealed.recipients.map((r: Json) => r.holder).sort(), readers);
  const v2Keys = await r2Keys(w.host, `support-issue/${issue.uuid}/`);
  assert.equal(v2Keys.length, 1);
  assert.notDeepEqual(v2Keys, v1Keys, "the superseded envelope is deleted");
  assert.deepEqual(await openAs(w.host, f.provider, providerKey, sealedPath), { summary: texts.summary2, description: texts.description2 });

  // PATCH sealed on the client: the next version, for this issue, to its readers.
  const dir = await customer.expect(200, customer.get(`${issuePath}sealing_recipients/`));
  const env3 = await sealJson({ summary: texts.summary3, description: "" }, { kind: "support-issue", recordId: issue.uuid, version: 3 }, dir.recipients);
  const patched = await customer.expect(200, customer.patch(issuePath, { envelope: b64url(env3) }));
  assert.equal(patched.sealed.version, 3);
  assert.equal(patched.type, "CHANGE_REQUEST", "PATCH leaves what it was not sent");
  assert.deepEqual(await openAs(w.host, customer, customerKey, sealedPath), { summary: texts.summary3, description: "" });
  const stored3 = await r2Keys(w.host, `support-issue/${issue.uuid}/`);

  // Refusals change nothing.
  const refusals: [string, Promise<{ status: number; body: unknown }>, number, string | null][] = [
    ["PATCH of one sealed text alone", customer.patch(issuePath, { summary: texts.refused }), 400, "description"],
    ["PUT without summary", customer.put(issuePath, { type: "INCIDENT", description: texts.refused }), 400, "summary"],
    ["PUT without type", customer.put(issuePath, { summary: texts.refused, description: "" }), 400, "type"],
    ["both forms", customer.patch(issuePath, { summary: texts.refused, description: "", envelope: b64url(env3) }), 400, "summary"],
    ["a replayed (stale) envelope", customer.patch(issuePath, { envelope: b64url(env3) }), 400, "envelope"],
    [
      "an envelope for another issue",
      customer.patch(issuePath, { envelope: b64url(await sealJson({ summary: texts.refused }, { kind: "support-issue", recordId: newUuid(), version: 4 }, dir.recipients)) }),
      400,
      "envelope",
    ],
    [
      "an envelope missing the provider",
      customer.patch(issuePath, {
        envelope: b64url(await sealJson({ summary: texts.refused }, { kind: "support-issue", recordId: issue.uuid, version: 4 }, dir.recipients.filter((r: Json) => r.holder === customer.uuid))),
      }),
      400,
      "envelope",
    ],
    ["another organization", customer.patch(issuePath, { customer: other.customer.url }), 400, "customer"],
    ["an outsider", outsider.patch(issuePath, { summary: texts.refused, description: "" }), 404, null],
    ["the provider (a reader, not the author)", f.provider.put(issuePath, { type: "INCIDENT", summary: texts.refused }), 403, null],
  ];
  for (const [what, call, status, field] of refusals) {
    const r = await call;
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    if (field) assert.ok((r.body as Json)[field], `${what} names ${field}: ${JSON.stringify(r.body)}`);
  }
  assert.deepEqual(await r2Keys(w.host, `support-issue/${issue.uuid}/`), stored3);
  assert.equal((await customer.expect(200, customer.get(issuePath))).sealed.version, 3);
  // Naming the same organization again is no change.
  await customer.expect(200, customer.patch(issuePath, { customer: f.customer.url }));

  // sync: the issue as stored, nothing written.
  const synced = await customer.expect(200, customer.post(`${issuePath}sync/`, {}));
  assert.equal(synced.sealed.version, 3);
  assert.equal(synced.summary, "");
  assert.deepEqual(await r2Keys(w.host, `support-issue/${issue.uuid}/`), stored3);
  assert.equal((await outsider.post(`${issuePath}sync/`, {})).status, 404);

  // Replies: the provider's plaintext reply edited in plaintext, then sealed on the client.
  const reply = await f.provider.expect(201, f.provider.post(`${issuePath}comment/`, { description: texts.reply1 }));
  const replyPath = `/api/support-comments/${reply.uuid}/`;
  const r2 = await f.provider.expect(200, f.provider.put(replyPath, { description: texts.reply2, is_public: false }));
  assert.equal(r2.description, "");
  assert.equal(r2.is_public, false);
  assert.equal(r2.sealed.version, 2);
  assert.deepEqual(r2.sealed.recipients.map((r: Json) => r.holder).sort(), readers, "re-sealed to the issue's readers");
  assert.deepEqual(await openAs(w.host, customer, customerKey, `${replyPath}sealed/`), { description: texts.reply2 });
  const cdir = await f.provider.expect(200, f.provider.get(`${issuePath}sealing_recipients/`));
  const renv = await sealJson({ description: texts.reply3 }, { kind: "support-comment", recordId: reply.uuid, version: 3 }, cdir.recipients);
  const r3 = await f.provider.expect(200, f.provider.patch(replyPath, { envelope: b64url(renv) }));
  assert.equal(r3.sealed.version, 3);
  assert.equal(r3.is_public, false);
  assert.deepEqual(await openAs(w.host, customer, customerKey, `${replyPath}sealed/`), { description: texts.reply3 });
  assert.equal((await r2Keys(w.host, `support-comment/${reply.uuid}/`)).length, 1);
  // is_public alone touches no text.
  assert.equal((await f.provider.expect(200, f.provider.patch(replyPath, { is_public: true }))).sealed.version, 3);
  const cRefusals: [string, Promise<{ status: number; body: unknown }>, number, string | null][] = [
    ["PUT without text", f.provider.put(replyPath, { is_public: true }), 400, "description"],
    ["both forms", f.provider.patch(replyPath, { description: texts.refused, envelope: b64url(renv) }), 400, "description"],
    ["a stale envelope", f.provider.patch(replyPath, { envelope: b64url(renv) }), 400, "envelope"],
    ["not the author", customer.patch(replyPath, { description: texts.refused }), 403, null],
    ["an outsider", outsider.delete(replyPath), 404, null],
  ];
  for (const [what, call, status, field] of cRefusals) {
    const r = await call;
    assert.equal(r.status, status, `${what}: ${JSON.stringify(r.body)}`);
    if (field) assert.ok((r.body as Json)[field], `${what} names ${field}: ${JSON.stringify(r.body)}`);
  }
  assert.equal((await f.provider.expect(200, f.provider.get(replyPath))).sealed.version, 3);

  // A second reply, deleted on its own: its envelope goes with it.
  const gone = await customer.expect(201, customer.post(`${issuePath}comment/`, { description: "VeEditDeletedReplyPq35" }));
  assert.equal((await r2Keys(w.host, `support-comment/${gone.uuid}/`)).length, 1);
  assert.equal((await f.provider.delete(`/api/support-comments/${gone.uuid}/`)).status, 403, "only its author or a moderator deletes it");
  assert.equal((await customer.delete(`/api/support-comments/${gone.uuid}/`)).status, 204);
  assert.equal((await customer.get(`/api/support-comments/${gone.uuid}/`)).status, 404);
  assert.deepEqual(await r2Keys(w.host, `support-comment/${gone.uuid}/`), []);

  // Staff moderate: they may edit the metadata of an issue they cannot read.
  const staff = await staffApi(w.host);
  assert.equal((await staff.expect(200, staff.patch(issuePath, { priority: "low" }))).priority, "low");
  assert.equal((await fetchEnvelope(w.host, staff, sealedPath)).status, 404);

  // Delete the issue: its envelope and its replies' go too.
  assert.equal((await f.provider.delete(issuePath)).status, 403);
  assert.equal((await customer.delete(issuePath)).status, 204);
  assert.equal((await customer.get(issuePath)).status, 404);
  assert.equal((await customer.get(replyPath)).status, 404);
  assert.deepEqual(await r2Keys(w.host, `support-issue/${issue.uuid}/`), []);
  assert.deepEqual(await r2Keys(w.host, `support-comment/${reply.uuid}/`), []);
  const d1 = await d1Dump(w.host);
  assert.ok(!(d1.get("sealed_blobs") ?? "").includes(issue.uuid), "no reference left");
  assert.ok(!(d1.get("sealed_blobs") ?? "").includes(reply.uuid));
  assert.deepEqual(findPlaintext({ ...texts, deletedReply: "VeEditDeletedReplyPq35" }, { "D1 table": d1, "R2 object": await r2Dump(w.host) }), []);
});
