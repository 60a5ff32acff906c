import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { mountAccessDetails } from "./access-details.ts";
import { mountAuth } from "./auth.ts";
import { mountCategories } from "./categories.ts";
import { mountChainStatus } from "./chain-status.ts";
import { mountCustomers } from "./customers.ts";
import { mountEncryptionKeys } from "./encryption-keys.ts";
import { mountEvents } from "./events.ts";
import { mountIdentity } from "./identity.ts";
import { mountIdentityLifecycle } from "./identity-lifecycle.ts";
import { mountKeys } from "./keys.ts";
import { mountOfferings } from "./offerings.ts";
import { mountOrgContent } from "./org-content.ts";
import { mountOfferingUsers } from "./offering-users.ts";
import { mountOrders } from "./orders.ts";
import { mountResources } from "./resources.ts";
import { mountSealedOrders } from "./sealed-orders.ts";
import { mountSealedSettings } from "./sealed-settings.ts";
import { mountUsages } from "./usages.ts";
import { mountPlans } from "./plans.ts";
import { mountServiceProviders } from "./service-providers.ts";
import { mountSiteAgent } from "./site-agent.ts";
import { mountSlurmJobs } from "./slurm-jobs.ts";
import { mountSupport } from "./support.ts";
import { mountUsers } from "./users.ts";
import { mountWalletAuth } from "./wallet-auth.ts";
import { mountWaldurConnections } from "./waldur-connections.ts";

/** Every route module registers itself here; order matters only for literal-vs-param paths. */
export function mountRoutes(app: Hono<AppEnv>) {
  app.get("/api/version/", (c) => c.json({ version: c.env.VE_VERSION, latest_version: c.env.VE_VERSION }));
  mountAuth(app);
  mountUsers(app);
  mountSealedSettings(app);
  mountCustomers(app);
  mountOrgContent(app);
  mountKeys(app);
  mountEncryptionKeys(app);
  mountWalletAuth(app);
  mountEvents(app);
  mountCategories(app);
  mountServiceProviders(app);
  mountOfferings(app);
  mountPlans(app);
  mountSiteAgent(app);
  mountSealedOrders(app); // before mountOrders: its literal path would match /:uuid/
  mountOrders(app);
  mountAccessDetails(app);
  mountResources(app);
  mountUsages(app);
  mountOfferingUsers(app);
  mountSlurmJobs(app);
  mountSupport(app);
  mountIdentity(app);
  mountIdentityLifecycle(app);
  mountWaldurConnections(app);
  mountChainStatus(app);
}
