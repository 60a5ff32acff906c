// Bulk rows for the remote instance (thousands of offerings, hundreds of resources), written
// straight into its D1: creating them one API call at a time would make the setup, not the
// bridge, the slow part. The rows match what the API itself writes (same columns and defaults).
import { randomUUID } from "node:crypto";
import type { D1Database, D1PreparedStatement } from "@cloudflare/workers-types";

const hex = () => randomUUID().replaceAll("-", "");

async function batched(db: D1Database, stmts: D1PreparedStatement[], size = 1000) {
  for (let i = 0; i < stmts.length; i += size) await db.batch(stmts.slice(i, i + size));
}

/** n Active offerings of the organization, each with cpu (usage) and storage (limit) components and one priced plan. */
export async function seedOfferings(db: D1Database, customerUuid: string, categoryUuid: string, n: number, prefix = "Bulk"): Promise<string[]> {
  const uuids: string[] = [];
  const stmts: D1PreparedStatement[] = [];
  const now = new Date().toISOString();
  for (let i = 0; i < n; i++) {
    const uuid = hex();
    uuids.push(uuid);
    const plan = hex();
    stmts.push(
      db
        .prepare(
          `INSERT INTO offerings (uuid, customer_id, category_id, name, slug, type, state, description, attributes, created, modified)
           VALUES (?, (SELECT id FROM customers WHERE uuid = ?), (SELECT id FROM categories WHERE uuid = ?), ?, ?, 'Marketplace.Basic', 'Active', ?, ?, ?, ?)`,
        )
        .bind(uuid, customerUuid, categoryUuid, `${prefix} offering ${i}`, `${prefix.toLowerCase()}-${uuid.slice(0, 12)}`, `Offering number ${i}`, JSON.stringify({ tier: i % 3 }), now, now),
      db
        .prepare(
          `INSERT INTO offering_components (uuid, offering_id, type, name, measured_unit, billing_type, limit_period, max_value)
           VALUES (?, (SELECT id FROM offerings WHERE uuid = ?), 'cpu', 'CPU', 'hours', 'usage', NULL, NULL),
                  (?, (SELECT id FROM offerings WHERE uuid = ?), 'storage', 'Storage', 'GB', 'limit', 'month', 1000)`,
        )
        .bind(hex(), uuid, hex(), uuid),
      db
        .prepare(`INSERT INTO plans (uuid, offering_id, name, unit, unit_price, created, modified) VALUES (?, (SELECT id FROM offerings WHERE uuid = ?), 'Standard', 'month', '0', ?, ?)`)
        .bind(plan, uuid, now, now),
      db
        .prepare(
          `INSERT INTO plan_components (plan_id, component_id, price, amount)
           SELECT p.id, c.id, CASE c.type WHEN 'cpu' THEN ? ELSE '0.10' END, 0
           FROM plans p JOIN offering_components c ON c.offering_id = p.offering_id WHERE p.uuid = ?`,
        )
        .bind(`0.${String(10 + (i % 90))}`, plan),
    );
  }
  await batched(db, stmts);
  return uuids;
}

/** n OK resources of one offering in one project (the project's organization is the bridge's remote organization). */
export async function seedResources(db: D1Database, offeringUuid: string, projectUuid: string, n: number): Promise<string[]> {
  const uuids: string[] = [];
  const stmts: D1PreparedStatement[] = [];
  const now = new Date().toISOString();
  for (let i = 0; i < n; i++) {
    const uuid = hex();
    uuids.push(uuid);
    stmts.push(
      db
        .prepare(
          `INSERT INTO resources (uuid, offering_id, project_id, name, slug, state, backend_id, limits, backend_metadata, created, modified)
           VALUES (?, (SELECT id FROM offerings WHERE uuid = ?), (SELECT id FROM projects WHERE uuid = ?), ?, ?, 'OK', ?, ?, ?, ?, ?)`,
        )
        .bind(uuid, offeringUuid, projectUuid, `res-${i}`, `res-${i}`, `vm-${i}`, JSON.stringify({ storage: 10 + (i % 50) }), JSON.stringify({ host: `node-${i % 7}` }), now, now),
    );
  }
  await batched(db, stmts);
  return uuids;
}
