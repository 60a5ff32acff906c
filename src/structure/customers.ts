// Customers (organizations) and projects: lookups visible to a caller, and serializers.
import { and, count, eq, type SQL } from "drizzle-orm";
import { inArray } from "../db/in-list.ts";
import type { Db } from "../app-env.ts";
import { customerConnected, projectVisible, seesEverything } from "../auth/access.ts";
import type { User } from "../auth/session.ts";
import { customers, projects, resources, roleGrants, serviceProviders } from "../db/schema/index.ts";
import { notFound } from "../http/errors.ts";
import type { Links } from "../http/links.ts";

export type Customer = typeof customers.$inferSelect;
export type Project = typeof projects.$inferSelect;

export function customerVisible(db: Db, user: User | null): SQL | undefined {
  if (!user) return eq(customers.id, -1);
  if (seesEverything(user)) return undefined;
  return customerConnected(db, user.id, customers.id);
}

export async function findCustomer(db: Db, user: User, uuid: string): Promise<Customer> {
  const row = await db.select().from(customers).where(and(eq(customers.uuid, uuid), customerVisible(db, user))).get();
  if (!row) throw notFound();
  return row;
}

export async function findProject(db: Db, user: User, uuid: string): Promise<Project> {
  const row = await db
    .select()
    .from(projects)
    .where(and(eq(projects.uuid, uuid), eq(projects.isRemoved, false), projectVisible(db, user, projects.id, projects.customerId)))
    .get();
  if (!row) throw notFound();
  return row;
}

export async function serializeCustomers(db: Db, links: Links, rows: Customer[]) {
  const ids = rows.map((r) => r.id);
  const sp = ids.length ? await db.select().from(serviceProviders).where(inArray(serviceProviders.customerId, ids)).all() : [];
  const projCounts = ids.length
    ? await db
        .select({ id: projects.customerId, n: count() })
        .from(projects)
        .where(and(inArray(projects.customerId, ids), eq(projects.isRemoved, false)))
        .groupBy(projects.customerId)
        .all()
    : [];
  const userCounts = ids.length
    ? await db
        .select({ id: roleGrants.scopeId, n: count() })
        .from(roleGrants)
        .where(and(eq(roleGrants.scopeType, "customer"), inArray(roleGrants.scopeId, ids)))
        .groupBy(roleGrants.scopeId)
        .all()
    : [];
  return rows.map((r) => {
    const provider = sp.find((s) => s.customerId === r.id);
    return {
      url: links.to("customers", r.uuid),
      uuid: r.uuid,
      created: r.created,
      name: r.name,
      display_name: r.abbreviation || r.name,
      slug: r.slug,
      native_name: r.nativeName,
      abbreviation: r.abbreviation,
      description: r.description,
      contact_details: r.contactDetails,
      email: r.email,
      phone_number: r.phoneNumber,
      registration_code: r.registrationCode,
      agreement_number: r.agreementNumber,
      vat_code: r.vatCode,
      address: r.address,
      postal: r.postal,
      homepage: r.homepage,
      domain: r.domain,
      country: r.country,
      backend_id: r.backendId,
      blocked: r.blocked,
      archived: r.archived,
      image: null,
      projects_count: projCounts.find((x) => x.id === r.id)?.n ?? 0,
      users_count: userCounts.find((x) => x.id === r.id)?.n ?? 0,
      is_service_provider: !!provider,
      service_provider: provider ? links.to("marketplace-service-providers", provider.uuid) : null,
      service_provider_uuid: provider?.uuid ?? null,
      customer_credit: null,
      billing_price_estimate: { total: "0.00", current: "0.00", tax: "0.00", tax_current: "0.00" },
    };
  });
}

export async function serializeProjects(db: Db, links: Links, rows: Project[]) {
  const custIds = [...new Set(rows.map((r) => r.customerId))];
  const custs = custIds.length ? await db.select().from(customers).where(inArray(customers.id, custIds)).all() : [];
  const ids = rows.map((r) => r.id);
  const resCounts = ids.length
    ? await db
        .select({ id: resources.projectId, n: count() })
        .from(resources)
        .where(inArray(resources.projectId, ids))
        .groupBy(resources.projectId)
        .all()
    : [];
  return rows.map((r) => {
    const cu = custs.find((x) => x.id === r.customerId)!;
    return {
      url: links.to("projects", r.uuid),
      uuid: r.uuid,
      name: r.name,
      slug: r.slug,
      description: r.description,
      customer: links.to("customers", cu.uuid),
      customer_uuid: cu.uuid,
      customer_name: cu.name,
      customer_slug: cu.slug,
      customer_native_name: cu.nativeName,
      customer_abbreviation: cu.abbreviation,
      created: r.created,
      type: null,
      type_name: null,
      type_uuid: null,
      backend_id: r.backendId,
      start_date: r.startDate,
      end_date: r.endDate,
      end_date_requested_by: null,
      kind: r.kind,
      is_removed: r.isRemoved,
      is_industry: false,
      image: null,
      oecd_fos_2007_code: null,
      resources_count: resCounts.find((x) => x.id === r.id)?.n ?? 0,
      marketplace_resource_count: {},
      billing_price_estimate: { total: "0.00", current: "0.00", tax: "0.00", tax_current: "0.00" },
    };
  });
}
