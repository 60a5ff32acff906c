import assert from "node:assert/strict";
import { test } from "node:test";
import { userApi } from "../helpers/api.ts";
import { orderBody, orderFixture, placeOrder } from "../helpers/orders.ts";
import { useWorker } from "../helpers/worker.ts";

const w = useWorker();

test("Basic offering: pending-provider → approve → executing → done; resource Creating → OK", async () => {
  const f = await orderFixture(w.host);
  const o = await placeOrder(f);
  assert.equal(o.state, "pending-provider");
  assert.equal(o.type, "Create");
  assert.equal(o.project_slug, f.project.slug);
  assert.equal(o.customer_slug, f.org.slug);
  assert.equal(o.offering, `${w.host.url}/api/marketplace-public-offerings/${f.offering.uuid}/`);
  let r = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-resources/${o.marketplace_resource_uuid}/`));
  assert.equal(r.state, "Creating");
  assert.equal(r.name, "my-resource");
  assert.equal(r.order_in_progress.uuid, o.uuid);
  // The customer cannot approve as provider; the provider can.
  assert.equal((await f.customerApi.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {})).status, 403);
  assert.deepEqual(await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {})), { detail: "Order has been approved." });
  const wrong = await f.provider.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {});
  assert.equal(wrong.status, 409);
  assert.deepEqual(wrong.body, { detail: "Valid states for operation: pending-provider." });
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/set_state_done/`));
  r = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-resources/${o.marketplace_resource_uuid}/`));
  assert.equal(r.state, "OK");
  assert.ok(!("order_in_progress" in r));
  const done = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-orders/${o.uuid}/?field=state&field=completed_at`));
  assert.equal(done.state, "done");
  assert.ok(done.completed_at);
});

test("auto-approved types go straight to executing; Slurm waits for its agent", async () => {
  const os = await orderFixture(w.host, { type: "OpenStack.Instance" });
  assert.equal((await placeOrder(os)).state, "executing");
  const slurm = await orderFixture(w.host, { type: "Marketplace.Slurm" });
  assert.equal((await placeOrder(slurm)).state, "pending-provider");
});

test("update_limits and terminate create orders that move the resource Updating/Terminating and back", async () => {
  const f = await orderFixture(w.host);
  const o = await placeOrder(f, { limits: { storage: 10 } });
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {}));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/set_state_done/`));
  const rid = o.marketplace_resource_uuid;
  const same = await f.customerApi.post(`/api/marketplace-resources/${rid}/update_limits/`, { limits: { storage: 10 } });
  assert.deepEqual(same.body, ["Impossible to create update orders with limits set to exactly the same."]);
  const tooBig = await f.customerApi.post(`/api/marketplace-resources/${rid}/update_limits/`, { limits: { storage: 100000 } });
  assert.equal(tooBig.status, 400);
  const upd = await f.customerApi.expect(200, f.customerApi.post(`/api/marketplace-resources/${rid}/update_limits/`, { limits: { storage: 20 } }));
  const second = await f.customerApi.post(`/api/marketplace-resources/${rid}/update_limits/`, { limits: { storage: 30 } });
  assert.equal(second.status, 400);
  assert.deepEqual(second.body, ["Pending order for resource already exists."]);
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${upd.order_uuid}/approve_by_provider/`, {}));
  let r = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-resources/${rid}/`));
  assert.equal(r.state, "Updating");
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${upd.order_uuid}/set_state_done/`));
  r = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-resources/${rid}/`));
  assert.equal(r.state, "OK");
  assert.deepEqual(r.limits, { storage: 20 });
  const term = await f.customerApi.expect(200, f.customerApi.post(`/api/marketplace-resources/${rid}/terminate/`, {}));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${term.order_uuid}/approve_by_provider/`, {}));
  r = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-resources/${rid}/`));
  assert.equal(r.state, "Terminating");
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${term.order_uuid}/set_state_erred/`, { error_message: "backend busy" }));
  r = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-resources/${rid}/`));
  assert.equal(r.state, "OK", "a failed termination leaves the resource OK");
  const term2 = await f.customerApi.expect(200, f.customerApi.post(`/api/marketplace-resources/${rid}/terminate/`, {}));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${term2.order_uuid}/approve_by_provider/`, {}));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${term2.order_uuid}/set_state_done/`));
  r = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-resources/${rid}/`));
  assert.equal(r.state, "Terminated");
  const usage = await f.provider.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "cpu", amount: "1" }], resource: rid });
  assert.deepEqual(usage.body, { resource: ["Resource is not in valid state."] });
});

test("erred create leaves the resource Erred with the message; reject and cancel end orders", async () => {
  const f = await orderFixture(w.host);
  const o = await placeOrder(f);
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/set_state_erred/`, { error_message: "quota exceeded on cluster" }));
  const r = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-resources/${o.marketplace_resource_uuid}/`));
  assert.equal(r.state, "Erred");
  assert.equal(r.error_message, "quota exceeded on cluster");
  const o2 = await placeOrder(f);
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o2.uuid}/reject_by_provider/`, { provider_rejection_comment: "not today" }));
  const rej = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-orders/${o2.uuid}/`));
  assert.equal(rej.state, "rejected");
  assert.equal(rej.provider_rejection_comment, "not today");
  const o3 = await placeOrder(f);
  assert.equal((await f.customerApi.post(`/api/marketplace-orders/${o3.uuid}/cancel/`)).status, 202);
  const canc = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-resources/${o3.marketplace_resource_uuid}/`));
  assert.equal(canc.state, "Terminated");
  const os = await orderFixture(w.host, { type: "OpenStack.Instance" });
  const oo = await placeOrder(os);
  const notAllowed = await os.customerApi.post(`/api/marketplace-orders/${oo.uuid}/cancel/`);
  assert.equal(notAllowed.status, 405);
  assert.deepEqual(notAllowed.body, { detail: "The order's offering with OpenStack.Instance type does not support this action" });
});

test("concurrent approvals of one order: exactly one wins, the others get 409, the order is consistent", async () => {
  const f = await orderFixture(w.host);
  const o = await placeOrder(f);
  const replies = await Promise.all(Array.from({ length: 6 }, () => f.provider.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {})));
  const codes = replies.map((r) => r.status).sort();
  assert.deepEqual(codes, [200, 409, 409, 409, 409, 409]);
  const after = await f.provider.expect(200, f.provider.get(`/api/marketplace-orders/${o.uuid}/`));
  assert.equal(after.state, "executing");
});

test("bad order input: foreign uuids, wrong hyperlinks, plan of another offering, limits, unknown fields, members", async () => {
  const f = await orderFixture(w.host);
  const other = await orderFixture(w.host);
  const c = f.customerApi;
  const foreignProject = await c.post("/api/marketplace-orders/", orderBody(f, { project: other.project.url }));
  assert.deepEqual(foreignProject.body, { project: ["Invalid hyperlink - Object does not exist."] });
  const wrongView = await c.post("/api/marketplace-orders/", orderBody(f, { offering: `${w.host.url}/api/marketplace-provider-offerings/${f.offering.uuid}/` }));
  assert.deepEqual(wrongView.body, { offering: ["Invalid hyperlink - Incorrect URL match."] });
  const otherPlan = await c.post("/api/marketplace-orders/", orderBody(f, { plan: other.plan.url }));
  assert.deepEqual(otherPlan.body, { plan: ["Plan does not belong to this offering."] });
  const badLimits = await c.post("/api/marketplace-orders/", orderBody(f, { limits: { cpu: 5 } }));
  assert.deepEqual(badLimits.body, { limits: { cpu: ['Component "cpu" is not limit-based.'] } });
  const negative = await c.post("/api/marketplace-orders/", orderBody(f, { limits: { storage: -1 } }));
  assert.equal(negative.status, 400);
  const listAttributes = await c.post("/api/marketplace-orders/", orderBody(f, { attributes: ["a", "b"] }));
  assert.deepEqual(listAttributes.body, { attributes: ["Expected a dictionary of items."] }, "a list is not a dictionary");
  const unknownField = await c.post("/api/marketplace-orders/", orderBody(f, { favourite_colour: "blue" }));
  assert.equal(unknownField.status, 201, "unknown fields are ignored as in Waldur");
  const member = await userApi(w.host);
  await c.expect(201, c.post(`/api/projects/${f.project.uuid}/add_user/`, { role: "PROJECT.MEMBER", user: member.uuid }));
  assert.equal((await member.post("/api/marketplace-orders/", orderBody(f))).status, 403);
  const stranger = await userApi(w.host);
  const o = await placeOrder(f);
  assert.equal((await stranger.get(`/api/marketplace-orders/${o.uuid}/`)).status, 404);
  assert.equal((await stranger.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {})).status, 404);
  const paused = await orderFixture(w.host);
  await paused.provider.expect(200, paused.provider.post(`/api/marketplace-provider-offerings/${paused.offering.uuid}/pause/`, { paused_reason: "maintenance" }));
  const onPaused = await paused.customerApi.post("/api/marketplace-orders/", orderBody(paused));
  assert.equal(onPaused.status, 400);
  const list = await c.expect(200, c.get(`/api/marketplace-orders/?state=pending-provider&state=executing&page_size=1`));
  assert.equal(list.length, 1);
  const badFilter = await c.get("/api/marketplace-orders/?state=bogus");
  assert.equal(badFilter.status, 400);
});

test("set_usage: Waldur's validation, upsert per month, decimals, and the usage listing", async () => {
  const f = await orderFixture(w.host, { type: "Marketplace.Slurm" });
  const o = await placeOrder(f, { limits: { storage: 50 } });
  const rid = o.marketplace_resource_uuid;
  const early = await f.provider.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "cpu", amount: "1" }], resource: rid });
  assert.deepEqual(early.body, { resource: ["Resource is not in valid state."] });
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`, {}));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-orders/${o.uuid}/set_state_done/`));
  const none = await f.provider.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "cpu", amount: "1" }] });
  assert.deepEqual(none.body, { non_field_errors: ["Either plan_period or resource should be provided."] });
  const invalid = await f.provider.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "gpu", amount: "1" }], resource: rid });
  assert.deepEqual(invalid.body, { non_field_errors: ["These components are invalid: gpu."] });
  const places = await f.provider.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "cpu", amount: "1.234" }], resource: rid });
  assert.equal(places.status, 400);
  const over = await f.provider.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "storage", amount: "51" }], resource: rid });
  assert.equal(over.status, 400);
  assert.equal((await f.customerApi.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "cpu", amount: "1" }], resource: rid })).status, 403);
  assert.equal((await f.provider.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "cpu", amount: "2.50" }], resource: rid })).status, 201);
  assert.equal((await f.provider.post("/api/marketplace-component-usages/set_usage/", { usages: [{ type: "cpu", amount: "3.75" }, { type: "storage", amount: "40" }], resource: rid })).status, 201);
  const month = `${new Date().toISOString().slice(0, 7)}-01`;
  const rows = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-component-usages/?resource_uuid=${rid}&billing_period=${month}&o=type`));
  assert.deepEqual(rows.map((u: { type: string; usage: string }) => [u.type, u.usage]), [["cpu", "3.75"], ["storage", "40.00"]]);
  const r = await f.customerApi.expect(200, f.customerApi.get(`/api/marketplace-resources/${rid}/?field=current_usages`));
  assert.deepEqual(r.current_usages, { cpu: "3.75", storage: "40.00" });
  const cu = rows[0].uuid;
  assert.equal((await f.provider.post(`/api/marketplace-component-usages/${cu}/set_user_usages/`, { usages: [{ username: "alice", usage: "1.25" }] })).status, 201);
  const uus = await f.provider.expect(200, f.provider.get(`/api/marketplace-component-user-usages/?resource_uuid=${rid}`));
  assert.deepEqual(uus.map((x: { username: string; usage: string }) => [x.username, x.usage]), [["alice", "1.25"]]);
});

test("offering users: created for project members with server-side usernames; transitions checked", async () => {
  const f = await orderFixture(w.host, {
    type: "Marketplace.Slurm",
    plugin_options: { service_provider_can_create_offering_user: true, username_generation_policy: "waldur_username" },
  });
  const member = await userApi(w.host);
  await f.customerApi.expect(201, f.customerApi.post(`/api/projects/${f.project.uuid}/add_user/`, { role: "PROJECT.ADMIN", user: member.uuid }));
  const o = await placeOrder(f);
  const ous = await f.provider.expect(200, f.provider.get(`/api/marketplace-offering-users/?offering_uuid=${f.offering.uuid}`));
  assert.deepEqual(ous.map((u: { username: string; state: string }) => [u.username, u.state]), [[member.username, "OK"]]);
  const team = await f.provider.expect(200, f.provider.get(`/api/marketplace-provider-resources/${o.marketplace_resource_uuid}/team/`));
  assert.deepEqual(team.map((t: { username: string; role: string; offering_user_username: string }) => [t.username, t.role, t.offering_user_username]), [[member.username, "admin", member.username]]);
  const late = await userApi(w.host);
  await f.customerApi.expect(201, f.customerApi.post(`/api/projects/${f.project.uuid}/add_user/`, { role: "PROJECT.MEMBER", user: late.uuid }));
  const after = await f.provider.expect(200, f.provider.get(`/api/marketplace-offering-users/?offering_uuid=${f.offering.uuid}&user_uuid=${late.uuid}`));
  assert.equal(after.length, 1, "a member added later gets an offering user too");
  const ou = after[0].uuid;
  const bad = await f.provider.post(`/api/marketplace-offering-users/${ou}/set_validation_complete/`);
  assert.equal(bad.status, 409);
  await f.provider.expect(200, f.provider.post(`/api/marketplace-offering-users/${ou}/request_deletion/`));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-offering-users/${ou}/set_deleting/`));
  await f.provider.expect(200, f.provider.post(`/api/marketplace-offering-users/${ou}/set_deleted/`));
  const gone = await f.provider.expect(200, f.provider.get(`/api/marketplace-offering-users/${ou}/`));
  assert.equal(gone.state, "Deleted");
  assert.equal((await late.post(`/api/marketplace-offering-users/${ou}/set_ok/`)).status, 404);
});
