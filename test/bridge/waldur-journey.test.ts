// Bridge to bridge: a second instance of our own API plays the provider's Waldur. Import an
// offering, order it here, approve on the remote side, resource OK, usage, update, terminate — each
// step mirrored into the local order and resource through the real queue and cron. Plus a remote
// order rejected by the remote provider.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Api, type Json, userApi } from "../helpers/api.ts";
import { createProvider, type ProviderFixture } from "../helpers/catalog.ts";
import { useWorker } from "../helpers/worker.ts";
import { connect, type RemoteSide, remoteProvider, WALDUR_PLUGIN_CONFIG } from "./helpers.ts";

const local = useWorker({ vars: { VE_PLUGINS: WALDUR_PLUGIN_CONFIG, VE_PLUGIN_MAX_ATTEMPTS: "30" } });
const remote = useWorker();

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 30_000, last?: () => string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${last()}` : ""}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const cron = async () => (await local.host.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });

interface World {
  l: ProviderFixture;
  r: RemoteSide;
  conn: Json;
  offering: Json;
  customer: Api & { uuid: string; username: string };
  project: Json;
}

async function world(autoApprove = true): Promise<World> {
  const r = await remoteProvider(remote.host);
  const l = await createProvider(local.host);
  const conn = await connect(l, remote.host, r);
  const listed = await l.provider.expect(200, l.provider.get(`/api/waldur-connections/${conn.uuid}/remote_offerings/`));
  assert.equal(listed.length, 1);
  assert.equal(listed[0].uuid, r.offerings[0].uuid);
  assert.equal(listed[0].imported, false);
  const imported = await l.provider.expect(201, l.provider.post(`/api/waldur-connections/${conn.uuid}/import_offerings/`, { offerings: [r.offerings[0].uuid], auto_approve_remote_orders: autoApprove }));
  assert.equal(imported.created.length, 1);
  const customer = await userApi(local.host);
  const org = await customer.expect(201, customer.post("/api/customers/", { name: `Org ${customer.username}` }));
  const project = await customer.expect(201, customer.post("/api/projects/", { name: "Bridge project", customer: org.url }));
  const offering = await customer.expect(200, customer.get(`/api/marketplace-public-offerings/${imported.created[0]}/`));
  return { l, r, conn, offering, customer, project };
}

async function remoteOrders(w: World, state?: string): Promise<Json[]> {
  const q = `/api/marketplace-orders/?offering_uuid=${w.r.offerings[0].uuid}${state ? `&state=${state}` : ""}`;
  return w.r.provider.expect(200, w.r.provider.get(q));
}

async function localResource(w: World, uuid: string): Promise<Json> {
  return w.customer.expect(200, w.customer.get(`/api/marketplace-resources/${uuid}/`));
}

/**
 * The remote provider finishes the order as a person would in Waldur (approve when it waits for
 * review, then done). The bridge's remote user owns the remote organization, so its orders skip
 * the remote review and start executing, as Waldur does for an offering's own managers.
 */
async function remoteFulfils(w: World, type: string): Promise<Json> {
  const [o] = await waitFor(`a ${type} order on the remote`, async () => {
    const list = (await remoteOrders(w)).filter((x: Json) => x.type === type && ["pending-provider", "executing"].includes(x.state));
    return list.length ? list : null;
  });
  if (o.state === "pending-provider") await w.r.provider.expect(200, w.r.provider.post(`/api/marketplace-orders/${o.uuid}/approve_by_provider/`));
  await w.r.provider.expect(200, w.r.provider.post(`/api/marketplace-orders/${o.uuid}/set_state_done/`));
  return o;
}

test("import → order → remote approval → OK → usage → update → terminate, all mirrored", async () => {
  const w = await world();
  // The imported offering: type, link, plans with prices, components.
  assert.equal(w.offering.type, "Waldur.RemoteOffering");
  assert.equal(w.offering.remote_uuid, w.r.offerings[0].uuid);
  assert.equal(w.offering.state, "Active");
  assert.equal(w.offering.name, w.r.offerings[0].name);
  assert.deepEqual(w.offering.components.map((c: Json) => c.type).sort(), ["cpu", "storage"]);
  assert.equal(w.offering.plans.length, 1);
  assert.deepEqual(w.offering.plans[0].prices, { cpu: "0.50", storage: "0.10" });

  const order = await w.customer.expect(
    201,
    w.customer.post("/api/marketplace-orders/", {
      offering: w.offering.url,
      project: w.project.url,
      plan: w.offering.plans[0].url,
      attributes: { name: "bridged" },
      limits: { storage: 10 },
    }),
  );
  // The order waits for the remote provider; the local resource shows the remote order's state.
  let seen = "";
  await waitFor(
    "the remote order state on the local resource",
    async () => {
      const res = await localResource(w, order.marketplace_resource_uuid);
      const o = await w.customer.expect(200, w.customer.get(`/api/marketplace-orders/${order.uuid}/`));
      seen = JSON.stringify({ order: [o.state, o.error_message], res: [res.state, res.backend_metadata] });
      return res.backend_metadata?.remote_order_state === "executing" ? res : null;
    },
    30_000,
    () => seen,
  );
  const localOrder = await w.customer.expect(200, w.customer.get(`/api/marketplace-orders/${order.uuid}/`));
  assert.equal(localOrder.state, "executing");
  // The remote project stands for the local one.
  const projects = await w.r.provider.expect(200, w.r.provider.get(`/api/projects/?customer=${w.r.customer.uuid}`));
  const rp = projects.find((p: Json) => p.backend_id === w.project.uuid);
  assert.ok(rp, "remote project with backend_id = local project uuid");

  const remoteCreate = await remoteFulfils(w, "Create");
  assert.equal(remoteCreate.project_uuid, rp.uuid);
  assert.equal(remoteCreate.limits.storage, 10);
  const done = await waitFor("the local order done", async () => {
    const o = await w.customer.expect(200, w.customer.get(`/api/marketplace-orders/${order.uuid}/`));
    return o.state === "done" ? o : o.state === "erred" ? assert.fail(o.error_message) : null;
  });
  assert.equal(done.state, "done");
  const res = await localResource(w, order.marketplace_resource_uuid);
  assert.equal(res.state, "OK");
  assert.equal(res.backend_id, remoteCreate.marketplace_resource_uuid);
  assert.equal(res.backend_metadata.remote_resource_uuid, remoteCreate.marketplace_resource_uuid);
  assert.equal(res.backend_metadata.remote_state, "OK");

  // Remote changes to the resource come back with the cron: end date and backend id.
  const rres = remoteCreate.marketplace_resource_uuid;
  await w.r.provider.expect(200, w.r.provider.post(`/api/marketplace-provider-resources/${rres}/set_backend_id/`, { backend_id: "remote-vm-42" }));
  await w.r.provider.expect(200, w.r.provider.post(`/api/marketplace-provider-resources/${rres}/set_end_date_by_provider/`, { end_date: "2027-01-31" }));
  // Usage reported on the remote side.
  await w.r.provider.expect(201, w.r.provider.post("/api/marketplace-component-usages/set_usage/", { resource: rres, usages: [{ type: "cpu", amount: "12.50" }] }));
  await cron();
  const mirrored = await waitFor("backend id mirrored", async () => {
    const x = await localResource(w, order.marketplace_resource_uuid);
    return x.backend_metadata.remote_backend_id === "remote-vm-42" ? x : null;
  });
  assert.equal(mirrored.state, "OK");
  assert.equal(mirrored.end_date, "2027-01-31");
  assert.equal(mirrored.limits.storage, 10);
  const usages = await waitFor("usage mirrored", async () => {
    const u = await w.customer.expect(200, w.customer.get(`/api/marketplace-component-usages/?resource_uuid=${order.marketplace_resource_uuid}`));
    return u.length ? u : null;
  });
  assert.equal(usages.length, 1);
  assert.equal(usages[0].type, "cpu");
  assert.equal(Number(usages[0].usage), 12.5);

  // The remote resource breaks and recovers: both mirrored by the cron, with the remote's message.
  await w.r.provider.expect(200, w.r.provider.post(`/api/marketplace-provider-resources/${rres}/set_as_erred/`, { error_message: "disk failure on node 7" }));
  await cron();
  const broken = await waitFor("the remote error mirrored", async () => {
    const x = await localResource(w, order.marketplace_resource_uuid);
    return x.state === "Erred" ? x : null;
  });
  assert.match(broken.error_message, /disk failure on node 7/);
  await w.r.provider.expect(200, w.r.provider.post(`/api/marketplace-provider-resources/${rres}/set_as_ok/`, {}));
  await cron();
  await waitFor("the recovery mirrored", async () => {
    const x = await localResource(w, order.marketplace_resource_uuid);
    return x.state === "OK" && x.error_message === "" ? x : null;
  });

  // Update: new limits go across as a remote update order.
  const upd = await w.customer.expect(200, w.customer.post(`/api/marketplace-resources/${order.marketplace_resource_uuid}/update_limits/`, { limits: { storage: 20 } }));
  const remoteUpdate = await remoteFulfils(w, "Update");
  assert.equal(remoteUpdate.limits.storage, 20);
  await waitFor("the local update order done", async () => {
    const o = await w.customer.expect(200, w.customer.get(`/api/marketplace-orders/${upd.order_uuid}/`));
    return o.state === "done" ? o : o.state === "erred" ? assert.fail(o.error_message) : null;
  });
  const afterUpdate = await localResource(w, order.marketplace_resource_uuid);
  assert.equal(afterUpdate.limits.storage, 20);
  assert.equal(afterUpdate.backend_metadata.pending_update, undefined);

  // Terminate.
  const term = await w.customer.expect(200, w.customer.post(`/api/marketplace-resources/${order.marketplace_resource_uuid}/terminate/`, {}));
  await remoteFulfils(w, "Terminate");
  await waitFor("the local termination done", async () => {
    const o = await w.customer.expect(200, w.customer.get(`/api/marketplace-orders/${term.order_uuid}/`));
    return o.state === "done" ? o : o.state === "erred" ? assert.fail(o.error_message) : null;
  }, 60_000);
  const gone = await localResource(w, order.marketplace_resource_uuid);
  assert.equal(gone.state, "Terminated");
  const remoteRes = await w.r.provider.expect(200, w.r.provider.get(`/api/marketplace-resources/${rres}/`));
  assert.equal(remoteRes.state, "Terminated");
});

test("a remote order rejected by the remote provider errs the local order with the remote's comment", async () => {
  const w = await world(false);
  const order = await w.customer.expect(
    201,
    w.customer.post("/api/marketplace-orders/", { offering: w.offering.url, project: w.project.url, plan: w.offering.plans[0].url, attributes: { name: "refused" } }),
  );
  // Without auto-approval the local provider reviews first (Waldur's default for remote offerings).
  assert.equal(order.state, "pending-provider");
  await w.l.provider.expect(200, w.l.provider.post(`/api/marketplace-orders/${order.uuid}/approve_by_provider/`));
  const [o] = await waitFor("the remote order", async () => {
    const list = await remoteOrders(w);
    return list.length ? list : null;
  });
  // This remote reviews its organization's own orders (a policy our API has no switch for: set in its D1).
  await remote.host.db.prepare("UPDATE orders SET state = 'pending-provider' WHERE uuid = ?").bind(o.uuid).run();
  await w.r.provider.expect(200, w.r.provider.post(`/api/marketplace-orders/${o.uuid}/reject_by_provider/`, { provider_rejection_comment: "No capacity this month" }));
  const erred = await waitFor("the local order erred", async () => {
    const x = await w.customer.expect(200, w.customer.get(`/api/marketplace-orders/${order.uuid}/`));
    return x.state === "erred" ? x : null;
  });
  assert.match(erred.error_message, /rejected by the remote provider/);
  assert.match(erred.error_message, /No capacity this month/);
});

test("a termination the remote refuses ends the local Terminate order with the remote's reason, asked once", async () => {
  const w = await world();
  const order = await w.customer.expect(
    201,
    w.customer.post("/api/marketplace-orders/", { offering: w.offering.url, project: w.project.url, plan: w.offering.plans[0].url, attributes: { name: "kept" } }),
  );
  await remoteFulfils(w, "Create");
  await waitFor("the local order done", async () => {
    const o = await w.customer.expect(200, w.customer.get(`/api/marketplace-orders/${order.uuid}/`));
    return o.state === "done" ? o : null;
  });
  const term = await w.customer.expect(200, w.customer.post(`/api/marketplace-resources/${order.marketplace_resource_uuid}/terminate/`, {}));
  const [remoteTerm] = await waitFor("the remote Terminate order", async () => {
    const list = (await remoteOrders(w)).filter((x: Json) => x.type === "Terminate");
    return list.length ? list : null;
  });
  assert.equal(remoteTerm.attributes.virtengine_order_uuid, term.order_uuid);
  await w.r.provider.expect(200, w.r.provider.post(`/api/marketplace-orders/${remoteTerm.uuid}/set_state_erred/`, { error_message: "resource is under legal hold" }));
  const erred = await waitFor("the local Terminate order erred", async () => {
    const o = await w.customer.expect(200, w.customer.get(`/api/marketplace-orders/${term.order_uuid}/`));
    return o.state === "erred" ? o : null;
  }, 60_000);
  assert.match(erred.error_message, /legal hold/);
  // Exactly one remote Terminate order: retries followed it instead of asking again.
  assert.equal((await remoteOrders(w)).filter((x: Json) => x.type === "Terminate").length, 1);
});

test("a consumer that lost its write after placing the remote order finds that order again instead of ordering twice", async () => {
  const w = await world();
  const order = await w.customer.expect(
    201,
    w.customer.post("/api/marketplace-orders/", { offering: w.offering.url, project: w.project.url, plan: w.offering.plans[0].url, attributes: { name: "once" } }),
  );
  const first = await waitFor("the remote order on the local resource", async () => {
    const res = await localResource(w, order.marketplace_resource_uuid);
    return typeof res.backend_metadata?.remote_order_uuid === "string" ? res.backend_metadata.remote_order_uuid : null;
  });
  // As if the consumer died between the remote call and the D1 write: the link is gone and the
  // order looks stuck, so the cron's sweep sends it again.
  await local.host.db.prepare("UPDATE resources SET backend_id = '', backend_metadata = '{}' WHERE uuid = ?").bind(order.marketplace_resource_uuid).run();
  await local.host.db.prepare("UPDATE orders SET modified = '2000-01-01T00:00:00.000Z' WHERE uuid = ?").bind(order.uuid).run();
  await cron();
  const again = await waitFor("the remote order found again", async () => {
    const res = await localResource(w, order.marketplace_resource_uuid);
    return typeof res.backend_metadata?.remote_order_uuid === "string" ? res.backend_metadata.remote_order_uuid : null;
  });
  assert.equal(again, first);
  assert.equal((await remoteOrders(w)).filter((x: Json) => x.type === "Create").length, 1);
  await remoteFulfils(w, "Create");
  await waitFor("the local order done", async () => {
    const o = await w.customer.expect(200, w.customer.get(`/api/marketplace-orders/${order.uuid}/`));
    return o.state === "done" ? o : null;
  });
});
