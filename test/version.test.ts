import assert from "node:assert/strict";
import { test } from "node:test";
import { useWorker } from "./helpers/worker.ts";

const w = useWorker();

test("GET /api/version/ answers with the version", async () => {
  const res = await w.host.fetch("/api/version/");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { version: "0.1.0", latest_version: "0.1.0" });
});
