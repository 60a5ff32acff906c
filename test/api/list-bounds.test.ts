// Page numbers far past any data: a list answers DRF's 404 "Invalid page." however large the
// number, never a 500 (found by the README start QA: ?page=999999999999999999999 made an offset
// that SQLite refused as a non-integer).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Api, staffApi } from "../helpers/api.ts";
import { useWorker } from "../helpers/worker.ts";

const w = useWorker();

const HUGE_PAGES = ["999999999999999999999", "9007199254740993", "100000000000000000", String(Number.MAX_SAFE_INTEGER)];

test("lists answer 404 Invalid page for page numbers beyond any offset, and still serve real pages", async () => {
  const staff = await staffApi(w.host);
  const anon = new Api(w.host);
  const lists: [Api, string][] = [
    [anon, "/api/marketplace-public-offerings/"],
    [staff, "/api/users/"],
    [staff, "/api/customers/"],
    [staff, "/api/marketplace-orders/"],
    [staff, "/api/events/"],
  ];
  for (const [api, path] of lists) {
    for (const page of HUGE_PAGES) {
      for (const size of ["", "&page_size=300"]) {
        const r = await api.get(`${path}?page=${page}${size}`);
        assert.equal(r.status, 404, `${path}?page=${page}${size}: ${r.status} ${JSON.stringify(r.body)}`);
        assert.deepEqual(r.body, { detail: "Invalid page." });
      }
    }
    const first = await api.get(`${path}?page=1`);
    assert.equal(first.status, 200, `${path}?page=1: ${first.status}`);
    assert.ok(Array.isArray(first.body));
  }
  // The staff user exists, so the users list has a real first page whose row count matches the header.
  const users = await staff.get("/api/users/?page=1&page_size=300");
  assert.equal(users.body.length, Number(users.headers.get("x-result-count")));
  assert.ok(users.body.length >= 1);
});
