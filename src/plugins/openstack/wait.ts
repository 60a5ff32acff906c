// Waiting for asynchronous backend states inside one plugin call (bounded by wait_timeout_ms;
// past it the call fails transiently and the consumer retries the idempotent call later).
import type { OsClient } from "./client.ts";
import type { ServiceKind } from "./keystone.ts";

/** Until GET path answers 404. */
export async function ensureGone(c: OsClient, kind: ServiceKind, path: string, what: string): Promise<void> {
  await c.waitFor(what, async () => {
    const { status } = await c.request(kind, "GET", path, { accept: [404] });
    return status === 404 ? true : undefined;
  });
}
