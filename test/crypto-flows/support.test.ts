// Support requests and replies sealed to the addressed provider or the moderators: a customer seals
// an issue on the client to the provider's owners (the recipients the API lists), the provider
// replies with a sealed comment, both read each other's texts with their own keys; the JSON carries
// no text; someone outside gets 404; a Waldur-style plaintext issue to the moderators is sealed on
// arrival to staff and support users; bad envelopes are 400s naming the field.
import assert from "node:assert/strict";
import { test } from "node:test";
import { newUuid } from "../../src/http/ids.ts";
import { type Json, staffApi, userApi } from "../helpers/api.ts";
import { createProvider } from "../helpers/catalog.ts";
import { useWorker } from "../helpers/worker.ts";
import { b64url, d1Dump, fetchEnvelope, findPlaintext, type ListedRecipient, openAs, r2Dump, sealJson, withKey } from "./helpers.ts";

const w = useWorker();

test("support: sealed issue to a provider, sealed reply, each side opens the other's text, others get 404", async () => {
  const f = await createProvider(w.host);
  const providerKey = await withKey(f.provider);
  const customer = await userApi(w.host);
  const customerKey = await withKey(customer);
  const outsider = await userApi(w.host);
  await withKey(outsider);

  const dir = await customer.expect(200, customer.get(`/api/support-issues/sealing_recipients/?customer_uuid=${f.customer.uuid}`));
  assert.deepEqual(dir.recipients.map((r: ListedRecipient) => r.holder).sort(), [customer.uuid, f.provider.uuid].sort());
  const SUMMARY = "VeSupportSummaryVm3Kq";
  const DESCRIPTION = "VeSupportDescriptionPz8Wn: my VM at 10.0.0.7 leaks";
  const issueUuid = newUuid();
  const envelope = await sealJson({ summary: SUMMARY, description: DESCRIPTION }, { kind: "support-issue", recordId: issueUuid, version: 1 }, dir.recipients);
  const issue = await customer.expect(201, customer.post("/api/support-issues/", { type: "INCIDENT", customer: f.customer.url, envelope: b64url(envelope) }));
  assert.equal(issue.uuid, issueUuid);
  assert.equal(issue.summary, "");
  assert.equal(issue.customer_uuid, f.customer.uuid);
  assert.equal(issue.sealed.size, envelope.length);
  const sealedPath = `/api/support-issues/${issueUuid}/sealed/`;
  // The provider reads it with its own key; so does the caller.
  assert.deepEqual(await openAs(w.host, f.provider, providerKey, sealedPath), { summary: SUMMARY, description: DESCRIPTION });
  assert.deepEqual(await openAs(w.host, customer, customerKey, sealedPath), { summary: SUMMARY, description: DESCRIPTION });
  // Visible to the provider's owner, hidden from an outsider.
  assert.equal((await f.provider.expect(200, f.provider.get("/api/support-issues/"))).length, 1);
  assert.equal((await outsider.expect(200, outsider.get("/api/support-issues/"))).length, 0);
  assert.equal((await outsider.get(`/api/support-issues/${issueUuid}/`)).status, 404);
  assert.equal((await fetchEnvelope(w.host, outsider, sealedPath)).status, 404);
  // Staff see the metadata (moderation) but are no recipient of a provider-addressed issue: 404 on the text.
  const staff = await staffApi(w.host);
  await staff.expect(200, staff.get(`/api/support-issues/${issueUuid}/`));
  assert.equal((await fetchEnvelope(w.host, staff, sealedPath)).status, 404);

  // The provider replies, sealed on its client to the issue's readers.
  const cdir = await f.provider.expect(200, f.provider.get(`/api/support-issues/${issueUuid}/sealing_recipients/`));
  assert.equal(cdir.kind, "support-comment");
  const REPLY = "VeSupportReplyQx5Tb: reboot it with the rescue image";
  const commentUuid = newUuid();
  const comment = await f.provider.expect(
    201,
    f.provider.post(`/api/support-issues/${issueUuid}/comment/`, { envelope: b64url(await sealJson({ description: REPLY }, { kind: "support-comment", recordId: commentUuid, version: 1 }, cdir.recipients)) }),
  );
  assert.equal(comment.uuid, commentUuid);
  assert.equal(comment.description, "");
  const listed = await customer.expect(200, customer.get(`/api/support-comments/?issue_uuid=${issueUuid}`));
  assert.deepEqual(listed.map((x: Json) => x.uuid), [commentUuid]);
  assert.deepEqual(await openAs(w.host, customer, customerKey, `/api/support-comments/${commentUuid}/sealed/`), { description: REPLY });
  assert.equal((await outsider.get(`/api/support-comments/${commentUuid}/`)).status, 404);
  assert.equal((await outsider.post(`/api/support-issues/${issueUuid}/comment/`, { description: "hi" })).status, 404);

  // A plaintext reply from a Waldur client is sealed on arrival to the same readers.
  const PLAIN_REPLY = "VeSupportPlainReplyHn4Ls";
  const plain = await customer.expect(201, customer.post(`/api/support-issues/${issueUuid}/comment/`, { description: PLAIN_REPLY }));
  assert.deepEqual(await openAs(w.host, f.provider, providerKey, `/api/support-comments/${plain.uuid}/sealed/`), { description: PLAIN_REPLY });

  assert.deepEqual(findPlaintext({ SUMMARY, DESCRIPTION, REPLY, PLAIN_REPLY }, { "D1 table": await d1Dump(w.host), "R2 object": await r2Dump(w.host) }), []);
});

test("support: plaintext issue to the moderators is sealed to staff and support users; bad input is a 400 naming the field", async () => {
  const staff = await staffApi(w.host);
  const staffMe = await staff.expect(200, staff.get("/api/users/me/"));
  const staffKey = await withKey(staff);
  const customer = await userApi(w.host);
  const SECRET = "VeModeratorIssueKw2Zd";
  const issue = await customer.expect(201, customer.post("/api/support-issues/", { type: "SERVICE_REQUEST", summary: "help", description: SECRET }));
  assert.equal(issue.customer, null);
  assert.ok(issue.sealed.recipients.some((r: Json) => r.holder === staffMe.uuid));
  const opened = await openAs(w.host, staff, staffKey, `/api/support-issues/${issue.uuid}/sealed/`);
  assert.deepEqual(opened, { summary: "help", description: SECRET });
  // The caller has no key: not a recipient of its own text (it can register one before asking).
  assert.equal((await fetchEnvelope(w.host, customer, `/api/support-issues/${issue.uuid}/sealed/`)).status, 404);

  const bad = async (payload: Json, field: string, pattern: RegExp) => {
    const r = await customer.post("/api/support-issues/", payload);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(String((r.body as Json)[field]?.[0]), pattern, JSON.stringify(r.body));
  };
  await bad({ summary: "x" }, "type", /required/i);
  await bad({ type: "NOPE", summary: "x" }, "type", /valid choice/);
  await bad({ type: "INCIDENT" }, "summary", /required/);
  await bad({ type: "INCIDENT", summary: "x", customer: "http://x/api/projects/00000000000000000000000000000000/" }, "customer", /hyperlink/i);
  await bad({ type: "INCIDENT", envelope: "%%%" }, "envelope", /base64url/);
  await bad({ type: "INCIDENT", envelope: b64url(new Uint8Array(40)) }, "envelope", /VEENV/);
  await withKey(customer);
  const dir = await customer.expect(200, customer.get("/api/support-issues/sealing_recipients/"));
  assert.deepEqual(dir.recipients.map((r: ListedRecipient) => r.holder).sort(), [customer.uuid, staffMe.uuid].sort());
  const sealed = await sealJson({ summary: "s" }, { kind: "support-issue", recordId: newUuid(), version: 1 }, dir.recipients);
  await bad({ type: "INCIDENT", summary: "plain too", envelope: b64url(sealed) }, "summary", /not both/);
  const notToStaff = dir.recipients.filter((r: ListedRecipient) => r.holder !== staffMe.uuid);
  await bad({ type: "INCIDENT", envelope: b64url(await sealJson({ summary: "s" }, { kind: "support-issue", recordId: newUuid(), version: 1 }, notToStaff)) }, "envelope", /every reader/);
  await bad({ type: "INCIDENT", envelope: b64url(await sealJson({}, { kind: "support-comment", recordId: newUuid(), version: 1 }, dir.recipients)) }, "envelope", /kind/);
  assert.equal((await customer.get("/api/support-issues/sealing_recipients/?customer_uuid=00000000000000000000000000000000")).status, 400);
  assert.equal((await customer.post(`/api/support-issues/${issue.uuid}/comment/`, {})).status, 400);
  assert.equal((await customer.get("/api/support-issues/nope/")).status, 404);
});
