// Imported offerings are public state like any other: an offering imported from a remote Waldur
// reaches x/market (the cron's recordImportedOfferings, once the import has written its plans),
// a remote pause and archive carried by a sync move it on chain in the sync's own batch, and a
// second cron run records nothing twice. The remote is a second instance of our own API.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { OfferingState } from "../../src/bridge/chain/index.ts";
import { chainOutbox } from "../../src/db/schema/index.ts";
import { dbOf } from "../helpers/api.ts";
import { createProvider } from "../helpers/catalog.ts";
import { type Chain, linkWallet, startChain, waitFor } from "../helpers/chain.ts";
import { connect, remoteProvider } from "../bridge/helpers.ts";

const ctx = {} as { chain: Chain; stop?: () => Promise<void> };
let local: WorkerHost;
let remote: WorkerHost;
before(async () => {
  const started = await startChain();
  ctx.chain = started.chain;
  ctx.stop = started.stop;
  local = await startWorkerHost({ vars: ctx.chain.env() });
  remote = await startWorkerHost();
});
after(async () => {
  await local?.dispose();
  await remote?.dispose();
  await ctx.stop?.();
});

const cron = async () => (await local.mf.getWorker()).scheduled({ cron: "*/5 * * * *" });
const rowsFor = (ref: string) => dbOf(local).select().from(chainOutbox).where(eq(chainOutbox.ref, ref)).orderBy(chainOutbox.id);

test("an imported offering goes on chain, and remote pause and archive follow it there, each once", { timeout: 300_000 }, async () => {
  const r = await remoteProvider(remote, 2);
  const l = await createProvider(local);
  await linkWallet(l.provider, ctx.chain.accounts.provider!, ctx.chain.prefix);
  const conn = await connect(l, remote, r);
  const [active, paused] = r.offerings;
  await r.provider.expect(200, r.provider.post(`/api/marketplace-provider-offerings/${paused.uuid}/pause/`, { paused_reason: "not yet" }));
  const imp = await l.provider.expect(201, l.provider.post(`/api/waldur-connections/${conn.uuid}/import_offerings/`, { offerings: [active.uuid, paused.uuid] }));
  assert.equal(imp.created.length, 2);
  const view = (uuid: string) => l.provider.expect(200, l.provider.get(`/api/marketplace-provider-offerings/${uuid}/`));
  const byName = new Map<string, string>();
  for (const uuid of imp.created) byName.set((await view(uuid)).name, uuid);
  const localActive = byName.get(active.name)!;
  const localPaused = byName.get(paused.name)!;

  const onChain = async (uuid: string, want: string) => {
    const v = await waitFor(`imported offering ${want} on chain and indexed`, async () => {
      const got = await view(uuid);
      return got.chain_state === want ? got : undefined;
    }, cron);
    return ctx.chain.query.market.offering(BigInt(v.chain_id));
  };
  const first = await onChain(localActive, "active");
  assert.equal(first.state, OfferingState.ACTIVE);
  assert.equal(first.provider, ctx.chain.accounts.provider!.address);
  // Imported Paused: no activation yet, so nothing of it is on chain.
  assert.deepEqual(await rowsFor(localPaused), []);

  // The remote pauses, then archives, the active one; each sync carries the move to the chain.
  await r.provider.expect(200, r.provider.post(`/api/marketplace-provider-offerings/${active.uuid}/pause/`, { paused_reason: "maintenance" }));
  assert.equal((await l.provider.expect(200, l.provider.post(`/api/waldur-connections/${conn.uuid}/sync/`, {}))).ok, true);
  assert.equal((await onChain(localActive, "paused")).state, OfferingState.PAUSED);
  await r.provider.expect(200, r.provider.post(`/api/marketplace-provider-offerings/${active.uuid}/archive/`));
  assert.equal((await l.provider.expect(200, l.provider.post(`/api/waldur-connections/${conn.uuid}/sync/`, {}))).ok, true);
  assert.equal((await onChain(localActive, "archived")).state, OfferingState.ARCHIVED);

  // More cron runs record nothing again.
  await cron();
  await cron();
  assert.deepEqual(
    (await rowsFor(localActive)).filter((row) => row.kind.startsWith("offering.")).map((row) => [row.kind, row.state]),
    [
      ["offering.created", "committed"],
      ["offering.state", "committed"],
      ["offering.state", "committed"],
    ],
  );
  assert.deepEqual(await rowsFor(localPaused), []);
});
