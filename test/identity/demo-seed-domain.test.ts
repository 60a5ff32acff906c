// The `npm start` demo seed proves the demo provider's domain through the real flow (a well-known
// file on a loopback server that lives only while seeding) before its offerings go live (issue 7);
// a second run changes nothing; a Worker that refuses loopback domains leaves the offerings Draft.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { eq } from "drizzle-orm";
import { seedDemo } from "../../scripts/lib/demo-seed.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { customers, identityScopes, offerings } from "../../src/db/schema/index.ts";
import { ensureStaff } from "../../src/seed/staff.ts";
import { dbOf } from "../helpers/api.ts";

const STAFF = { username: "admin", password: "seed-staff-pass-1" };
const hosts: WorkerHost[] = [];
after(async () => {
  for (const h of hosts) await h.dispose();
});

async function seeded(vars: Record<string, string> = {}) {
  const host = await startWorkerHost({ vars });
  hosts.push(host);
  await ensureStaff(dbOf(host), STAFF);
  const logins = await seedDemo(host.url, STAFF);
  const db = dbOf(host);
  const nimbus = (await db.select().from(customers).where(eq(customers.name, "Nimbus Compute")).get())!;
  const state = async () => ({
    offerings: (await db.select({ state: offerings.state }).from(offerings).where(eq(offerings.customerId, nimbus.id)).all()).map((o) => o.state),
    domains: (await db.select().from(identityScopes).where(eq(identityScopes.customerId, nimbus.id)).all()).map((s) => [s.kind, s.status, s.method]),
  });
  return { host, logins, nimbus, state };
}

test("the demo provider's domain is verified over the well-known file before its offerings go Active; a rerun changes nothing", async () => {
  const { host, state } = await seeded();
  const first = await state();
  assert.ok(first.offerings.length >= 4, JSON.stringify(first));
  assert.ok(first.offerings.every((s) => s === "Active"), JSON.stringify(first));
  assert.deepEqual(first.domains, [["domain", "verified", "http"]]);
  // The seeding server is gone once seeding ends: its port refuses connections.
  const subject = (await dbOf(host).select({ s: identityScopes.subject }).from(identityScopes).get())!.s;
  assert.match(subject, /^127\.0\.0\.1:\d+$/);
  await assert.rejects(fetch(`http://${subject}/.well-known/virtengine-challenge`));

  await seedDemo(host.url, STAFF);
  assert.deepEqual(await state(), first);
});

test("a Worker that refuses loopback domains: the seed completes, the demo offerings stay Draft", async () => {
  const { logins, state } = await seeded({ VE_DOMAIN_CHECK_INSECURE: "" });
  const s = await state();
  assert.ok(s.offerings.length >= 4);
  assert.ok(s.offerings.every((x) => x === "Draft"), JSON.stringify(s));
  assert.deepEqual(s.domains, [], "the loopback domain was refused at start");
  assert.ok(logins.tokens.provider);
});
