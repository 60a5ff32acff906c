// A required text field given a value of the wrong type says so: "Not a valid string." (or DRF's
// null message), not "This field is required." which sent a client looking for a missing key
// (found by the README start QA: {"username": 5} at /api-auth/password/).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Api, staffApi } from "../helpers/api.ts";
import { useWorker } from "../helpers/worker.ts";

const w = useWorker();

test("required text fields: missing, null and wrong types each get their own message", async () => {
  const staff = await staffApi(w.host);
  const anon = new Api(w.host);

  const login = async (b: unknown) => anon.post("/api-auth/password/", b);
  assert.deepEqual((await login({ password: "x" })).body, { username: ["This field is required."] });
  for (const wrong of [5, true, ["alice"], { u: 1 }]) {
    const r = await login({ username: wrong, password: "staff-password-1" });
    assert.equal(r.status, 401);
    assert.deepEqual(r.body, { username: ["Not a valid string."] }, JSON.stringify(wrong));
  }
  assert.deepEqual((await login({ username: null, password: "x" })).body, { username: ["This field may not be null."] });
  assert.deepEqual((await login({ username: " ", password: "x" })).body, { username: ["This field may not be blank."] });
  assert.equal((await login({ username: "staff", password: "staff-password-1" })).status, 200);

  const create = async (b: unknown) => staff.post("/api/customers/", b);
  assert.deepEqual((await staff.expect(400, create({}))), { name: ["This field is required."] });
  assert.deepEqual((await staff.expect(400, create({ name: 42 }))), { name: ["Not a valid string."] });
  assert.deepEqual((await staff.expect(400, create({ name: null }))), { name: ["This field may not be null."] });
  const made = await staff.expect(201, create({ name: "Typed Org" }));
  assert.equal(made.name, "Typed Org");
  // Nothing half-written by the refused bodies: the one organization is the valid one.
  const all = await staff.expect(200, staff.get("/api/customers/?page_size=300"));
  assert.deepEqual(all.map((x: { name: string }) => x.name), ["Typed Org"]);
});
