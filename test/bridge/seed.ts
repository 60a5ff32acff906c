// Bulk rows for the remote instance (thousands of offerings, hundreds of resources), written
// straight into its D1: creating them one API call at a time would make the setup, not the
// bridge, the slow part. Each table gets one statement whose rows arrive as a single JSON
// parameter (json_each), since every statement is a round trip through Miniflare's proxy. The
// rows match what the API itself writes (same columns, defaults for the rest).
import { randomUUID } from "node:crypto";
import type { D1Database } from "@cloudflare/workers-types";

const hex = () => randomUUID().replaceAll("-", "");
const CHUNK = 1000;

/** n Active offerings of the organization, each with cpu (usage) and storage (limit) components and one priced plan. */
export async function seedOfferings(db: D1Database, customerUuid: string, categoryUuid: string, n: number, prefix = "Bulk"): Promise<string[]> {
  const uuids: string[] = [];
  const now = new Date().toISOString();
  for (let start = 0; start < n; start += CHUNK) {
    const rows = [];
    for (let i = start; i < Math.min(n, start + CHUNK); i++) {
      const u = hex();
      uuids.push(u);
      rows.push({ u, plan: hex(), c1: hex(), c2: hex(), name: `${prefix} offering ${i}`, slug: `${prefix.toLowerCase()}-${u.slice(0, 12)}`, d: `Offering number ${i}`, a: JSON.stringify({ tier: i % 3 }), p: `0.${String(10 + (i % 90))}` });
    }
    const j = JSON.stringify(rows);
    const x = (k: string) => `json_extract(value, '$.${k}')`;
    await db.batch([
      db
        .prepare(
          `INSERT INTO offerings (uuid, customer_id, category_id, name, slug, type, state, description, attributes, created, modified)
           SELECT ${x("u")}, (SELECT id FROM customers WHERE uuid = ?1), (SELECT id FROM categories WHERE uuid = ?2), ${x("name")}, ${x("slug")},
                  'Marketplace.Basic', 'Active', ${x("d")}, ${x("a")}, ?3, ?3 FROM json_each(?4)`,
        )
        .bind(customerUuid, categoryUuid, now, j),
      db
        .prepare(
          `INSERT INTO offering_components (uuid, offering_id, type, name, measured_unit, billing_type, limit_period, max_value)
           SELECT ${x("c1")}, o.id, 'cpu', 'CPU', 'hours', 'usage', NULL, NULL FROM json_each(?1) JOIN offerings o ON o.uuid = ${x("u")}
           UNION ALL
           SELECT ${x("c2")}, o.id, 'storage', 'Storage', 'GB', 'limit', 'month', 1000 FROM json_each(?1) JOIN offerings o ON o.uuid = ${x("u")}`,
        )
        .bind(j),
      db
        .prepare(
          `INSERT INTO plans (uuid, offering_id, name, unit, unit_price, created, modified)
           SELECT ${x("plan")}, o.id, 'Standard', 'month', '0', ?2, ?2 FROM json_each(?1) JOIN offerings o ON o.uuid = ${x("u")}`,
        )
        .bind(j, now),
      db
        .prepare(
          `INSERT INTO plan_components (plan_id, component_id, price, amount)
           SELECT p.id, c.id, CASE c.type WHEN 'cpu' THEN ${x("p")} ELSE '0.10' END, 0
           FROM json_each(?1) JOIN plans p ON p.uuid = ${x("plan")} JOIN offering_components c ON c.offering_id = p.offering_id`,
        )
        .bind(j),
    ]);
  }
  return uuids;
}

/** n OK resources of one offering in one project (the project's organization is the bridge's remote organization). */
export async function seedResources(db: D1Database, offeringUuid: string, projectUuid: string, n: number, localBackendIds?: string[]): Promise<string[]> {
  const now = new Date().toISOString();
  const rows = Array.from({ length: n }, (_, i) => ({
    u: hex(),
    name: `res-${i}`,
    b: localBackendIds?.[i] ?? `vm-${i}`,
    l: JSON.stringify({ storage: 10 + (i % 50) }),
    m: JSON.stringify(localBackendIds ? { remote_resource_uuid: localBackendIds[i] } : { host: `node-${i % 7}` }),
  }));
  const x = (k: string) => `json_extract(value, '$.${k}')`;
  await db
    .prepare(
      `INSERT INTO resources (uuid, offering_id, project_id, name, slug, state, backend_id, limits, backend_metadata, created, modified)
       SELECT ${x("u")}, (SELECT id FROM offerings WHERE uuid = ?1), (SELECT id FROM projects WHERE uuid = ?2), ${x("name")}, ${x("name")}, 'OK',
              ${x("b")}, ${x("l")}, ${x("m")}, ?3, ?3 FROM json_each(?4)`,
    )
    .bind(offeringUuid, projectUuid, now, JSON.stringify(rows))
    .run();
  return rows.map((r) => r.u);
}
