// npm run bench:bridge — the Waldur bridge against a second instance of our own API playing the
// provider's Waldur (both on workerd through Miniflare, in-memory D1):
//   1. ceiling: a raw paged GET (page_size 100, Link rel=next) of the remote organization's 2,000
//      offerings and 500 resources, from Node, doing nothing with the items;
//   2. bridge: POST /api/waldur-connections/{uuid}/import_offerings/ with all 2,000 (remote listing,
//      validation, offerings with components, plans and prices written to D1, settings sealed),
//      then POST …/sync/ {"scope": "resources"} mirroring the 500 remote resources onto local ones
//      (state, limits, end date, backend id and metadata). The bridge lists pages 4 at a time
//      once the first page's Link header names the last one; the ceiling follows rel=next.
// items/s = (2,000 offerings + 500 resources) ÷ seconds for both. Last line: key=value; ratio =
// bridge items/s ÷ ceiling items/s. Knobs: BENCH_BRIDGE_OFFERINGS (2000), BENCH_BRIDGE_RESOURCES (500).
import { startWorkerHost } from "../scripts/lib/worker-host.ts";
import { createProvider } from "../test/helpers/catalog.ts";
import { seedOfferings, seedResources } from "../test/bridge/seed.ts";
import { connect, remoteProvider } from "../test/bridge/helpers.ts";
import { nextLink } from "../src/bridge/waldur/client.ts";

const OFFERINGS = Number(process.env.BENCH_BRIDGE_OFFERINGS ?? 2000);
const RESOURCES = Number(process.env.BENCH_BRIDGE_RESOURCES ?? 500);

const secs = (t0: number) => (performance.now() - t0) / 1000;

/** The ceiling: every page of a list, following rel=next, items counted and dropped. */
async function rawList(url: string, token: string): Promise<number> {
  let next: string | null = url;
  let n = 0;
  while (next) {
    const res: Response = await fetch(next, { headers: { Authorization: `Token ${token}` } });
    if (!res.ok) throw new Error(`GET ${next}: ${res.status}`);
    n += ((await res.json()) as unknown[]).length;
    next = nextLink(res.headers.get("link"));
  }
  return n;
}

const remote = await startWorkerHost();
const local = await startWorkerHost();
try {
  const tSetup = performance.now();
  const r = await remoteProvider(remote, 0);
  const offeringUuids = await seedOfferings(remote.db, r.customer.uuid, r.category.uuid, OFFERINGS);
  const remoteProject = await r.provider.expect(201, r.provider.post("/api/projects/", { name: "Bridge bench", customer: r.customer.url }));
  const remoteResources = await seedResources(remote.db, offeringUuids[0]!, remoteProject.uuid, RESOURCES);
  const l = await createProvider(local);
  const conn = await connect(l, remote, r);
  console.log(`set-up: ${OFFERINGS} remote offerings, ${RESOURCES} remote resources in ${secs(tSetup).toFixed(1)} s`);

  const ceilingRun = async () => {
    const t0 = performance.now();
    const token = r.provider.token!;
    const n =
      (await rawList(`${remote.url}/api/marketplace-provider-offerings/?customer_uuid=${r.customer.uuid}&page_size=100`, token)) +
      (await rawList(`${remote.url}/api/marketplace-resources/?customer_uuid=${r.customer.uuid}&page_size=100`, token));
    return { n, seconds: secs(t0) };
  };
  await ceilingRun(); // warm-up
  const tries = [await ceilingRun(), await ceilingRun(), await ceilingRun()].sort((a, b) => a.seconds - b.seconds);
  const ceiling = tries[1]!;
  if (ceiling.n !== OFFERINGS + RESOURCES) throw new Error(`raw listing saw ${ceiling.n} items`);
  const ceilingRate = ceiling.n / ceiling.seconds;
  console.log(`ceiling  raw paged GET of ${ceiling.n} items in ${ceiling.seconds.toFixed(3)} s: ${ceilingRate.toFixed(0)} items/s (median of ${tries.map((t) => t.seconds.toFixed(3)).join(", ")} s)`);

  if (process.env.BENCH_BRIDGE_PROFILE) {
    const tl = performance.now();
    await l.provider.expect(200, l.provider.get(`/api/waldur-connections/${conn.uuid}/remote_offerings/?page_size=10`));
    console.log(`profile: listing ${OFFERINGS} remote offerings through the bridge (no writes) ${secs(tl).toFixed(3)} s`);
  }
  const tImport = performance.now();
  const imp = await l.provider.expect(201, l.provider.post(`/api/waldur-connections/${conn.uuid}/import_offerings/`, { offerings: offeringUuids }));
  const importSeconds = secs(tImport);
  if (imp.created.length !== OFFERINGS) throw new Error(`imported ${imp.created.length}`);
  console.log(`import   ${OFFERINGS} offerings with plans in ${importSeconds.toFixed(3)} s: ${(OFFERINGS / importSeconds).toFixed(0)} offerings/s`);

  // Local resources standing for the remote ones (as the plugin leaves them after provisioning).
  const localOffering = imp.created[0] as string;
  const localProject = await l.provider.expect(201, l.provider.post("/api/projects/", { name: "Bench local", customer: l.customer.url }));
  await seedResources(local.db, localOffering, localProject.uuid, RESOURCES, remoteResources);

  const tSync = performance.now();
  const sync = await l.provider.expect(200, l.provider.post(`/api/waldur-connections/${conn.uuid}/sync/`, { scope: "resources" }));
  const syncSeconds = secs(tSync);
  if (!sync.ok || sync.resources_mirrored !== RESOURCES) throw new Error(`sync: ${JSON.stringify(sync).slice(0, 500)}`);
  const mirrored = await local.db.prepare("SELECT count(*) AS n FROM resources WHERE json_extract(backend_metadata, '$.remote_backend_id') LIKE 'vm-%'").first<{ n: number }>();
  if (mirrored?.n !== RESOURCES) throw new Error(`mirrored ${mirrored?.n}`);
  console.log(`mirror   ${sync.resources_mirrored} resources mirrored in ${syncSeconds.toFixed(3)} s`);

  const bridgeSeconds = importSeconds + syncSeconds;
  const bridgeRate = (OFFERINGS + RESOURCES) / bridgeSeconds;
  console.log(`bridge   ${OFFERINGS + RESOURCES} items in ${bridgeSeconds.toFixed(3)} s: ${bridgeRate.toFixed(0)} items/s`);
  console.log(
    `offerings=${OFFERINGS} resources=${RESOURCES} import_s=${importSeconds.toFixed(3)} mirror_s=${syncSeconds.toFixed(3)} bridge_s=${bridgeSeconds.toFixed(3)} ` +
      `bridge_items_per_s=${bridgeRate.toFixed(0)} raw_s=${ceiling.seconds.toFixed(3)} raw_items_per_s=${ceilingRate.toFixed(0)} ratio=${(bridgeRate / ceilingRate).toFixed(3)}`,
  );
} finally {
  await local.dispose();
  await remote.dispose();
}
