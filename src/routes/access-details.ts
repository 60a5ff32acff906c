// GET /api/marketplace-resources/{uuid}/access_details/: a resource's access details (IPs,
// credentials, kubeconfig) as the VEENV envelope the Worker sealed to the project's readers (project
// members and organization owners) and the executor key, straight from R2. The server cannot open
// it for the caller: the client opens it with its own private key and the context named in the
// X-Envelope-* headers (openapi/envelope-format.md). Anyone else, staff included, gets 404.
import { eq } from "drizzle-orm";
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireUser } from "../auth/session.ts";
import { projects, resources } from "../db/schema/index.ts";
import { notFound } from "../http/errors.ts";
import { pathUuid } from "../http/ids.ts";
import { currentAccessBlob } from "../marketplace/execution/outcome.ts";
import { envelopeResponse } from "../secrets/sealed-records.ts";
import { projectReaderIds } from "./encryption-keys.ts";

export function mountAccessDetails(app: Hono<AppEnv>) {
  app.get("/api/marketplace-resources/:uuid/access_details/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const r = await db.select().from(resources).where(eq(resources.uuid, pathUuid(c.req.param("uuid")))).get();
    if (!r) throw notFound();
    const project = await db.select().from(projects).where(eq(projects.id, r.projectId)).get();
    if (!project || !(await projectReaderIds(db, project)).includes(me.id)) throw notFound();
    const ref = await currentAccessBlob(db, r.uuid);
    const res = ref ? await envelopeResponse(c.env, ref) : null;
    if (!res) throw notFound();
    return res;
  });
}
