// npm run bench:api — the edge API on workerd (Miniflare) with 1,000 public offerings: listing
// (page_size 100) and order creation at 64 and 8 connections, beside a trivial route measured in
// the same run as the ceiling.
import { startWorkerHost } from "../scripts/lib/worker-host.ts";
import { dbOf, login } from "../test/helpers/api.ts";
import { callOf, proveDomainOverWellKnown } from "../test/helpers/domain.ts";
import { ensureStaff } from "../src/seed/staff.ts";
import { fmt, runLoad } from "./lib/load.ts";

const OFFERINGS = Number(process.env.BENCH_OFFERINGS ?? 1000);
const host = await startWorkerHost();
try {
  await ensureStaff(dbOf(host), { username: "bench", password: "bench-password-1" });
  const staff = await login(host, "bench", "bench-password-1");
  const cust = await staff.expect(201, staff.post("/api/customers/", { name: "Bench Provider" }));
  await staff.expect(201, staff.post("/api/marketplace-service-providers/", { customer: cust.url }));
  // Offerings go live only for a provider with a verified domain (issue 7).
  await proveDomainOverWellKnown(callOf(staff), cust.url);
  const cat = await staff.expect(201, staff.post("/api/marketplace-categories/", { title: "Bench" }));
  const proj = await staff.expect(201, staff.post("/api/projects/", { name: "Bench project", customer: cust.url }));
  let firstOffering: { url: string; uuid: string } | undefined;
  const seedStart = performance.now();
  await runLoad(8, OFFERINGS, async (i) => {
    const res = await host.fetch("/api/marketplace-provider-offerings/", {
      method: "POST",
      headers: { Authorization: `Token ${staff.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        name: `Offering ${i}`,
        category: cat.url,
        customer: cust.url,
        type: "Marketplace.Basic",
        shared: true,
        components: [{ type: "hours", name: "Hours", measured_unit: "h", billing_type: "fixed" }],
        plans: [{ name: "Basic", unit: "month", prices: { hours: "1.50" }, quotas: { hours: 1 } }],
      }),
    });
    const o = (await res.clone().json()) as { url: string; uuid: string };
    firstOffering ??= o;
    await host.fetch(`/api/marketplace-provider-offerings/${o.uuid}/activate/`, {
      method: "POST",
      headers: { Authorization: `Token ${staff.token}` },
    });
    return res;
  });
  console.log(`seeded ${OFFERINGS} offerings in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
  const plans = await staff.expect(200, staff.get(`/api/marketplace-public-offerings/${firstOffering!.uuid}/plans/`));
  const auth = { Authorization: `Token ${staff.token}` };
  const orderBody = JSON.stringify({ offering: `${host.url}/api/marketplace-public-offerings/${firstOffering!.uuid}/`, project: proj.url, plan: plans[0].url, attributes: { name: "bench" } });

  const results: Record<string, ReturnType<typeof fmt>> = {};
  const figures: Record<string, number> = {};
  for (const conc of [64, 8]) {
    const n = conc === 64 ? 2000 : 800;
    const trivial = await runLoad(conc, n, () => host.fetch("/api/version/"));
    const list = await runLoad(conc, n / 2, (i) =>
      host.fetch(`/api/marketplace-public-offerings/?page_size=100&page=${(i % 10) + 1}`, { headers: auth }),
    );
    const orders = await runLoad(conc, n / 4, () =>
      host.fetch("/api/marketplace-orders/", { method: "POST", headers: { ...auth, "Content-Type": "application/json" }, body: orderBody }),
    );
    results[`trivial@${conc}`] = fmt(trivial);
    results[`list@${conc}`] = fmt(list);
    results[`order@${conc}`] = fmt(orders);
    figures[`trivial_rps_${conc}`] = trivial.rps;
    figures[`list_rps_${conc}`] = list.rps;
    figures[`order_rps_${conc}`] = orders.rps;
    figures[`list_p99_ms_${conc}`] = list.p99;
    figures[`errors_${conc}`] = trivial.errors + list.errors + orders.errors;
  }
  for (const [k, v] of Object.entries(results)) console.log(`${k.padEnd(12)} ${v}`);
  const listRatio = figures.list_rps_64! / figures.trivial_rps_64!;
  const orderRatio = figures.order_rps_64! / figures.trivial_rps_64!;
  console.log(
    `trivial_rps=${figures.trivial_rps_64!.toFixed(0)} list_rps=${figures.list_rps_64!.toFixed(0)} order_rps=${figures.order_rps_64!.toFixed(0)} ` +
      `list_p99_ms_at_8=${figures.list_p99_ms_8!.toFixed(1)} order_ratio=${orderRatio.toFixed(2)} errors=${figures.errors_64! + figures.errors_8!} ratio=${listRatio.toFixed(2)}`,
  );
} finally {
  await host.dispose();
}
