import assert from "node:assert/strict";
import { test } from "node:test";
import { eq } from "drizzle-orm";
import { authTokens, users } from "../src/db/schema/index.ts";
import { Api, dbOf, login, staffApi, userApi } from "./helpers/api.ts";
import { useWorker } from "./helpers/worker.ts";

const w = useWorker();
const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl alice@laptop";

test("self-registration creates an account with a token; duplicates and weak passwords are refused", async () => {
  const anon = new Api(w.host);
  const r = await anon.expect(201, anon.post("/api-auth/registration/", { username: "newbie", email: "newbie@example.org", password: "long-enough-pw" }));
  assert.equal(r.username, "newbie");
  const me = await new Api(w.host, r.token).expect(200, new Api(w.host, r.token).get("/api/users/me/"));
  assert.equal(me.email, "newbie@example.org");
  const dup = await anon.post("/api-auth/registration/", { username: "newbie", email: "x@example.org", password: "long-enough-pw" });
  assert.deepEqual(dup.body, { username: ["A user with that username already exists."] });
  const weak = await anon.post("/api-auth/registration/", { username: "weak", email: "w@example.org", password: "short" });
  assert.deepEqual(weak.body, { password: ["This password is too short. It must contain at least 8 characters."] });
  const badEmail = await anon.post("/api-auth/registration/", { username: "bad", email: "not-an-email", password: "long-enough-pw" });
  assert.deepEqual(badEmail.body, { email: ["Enter a valid email address."] });
});

test("users edit themselves; privileges only by staff; others are 404", async () => {
  const a = await userApi(w.host);
  const b = await userApi(w.host);
  const upd = await a.expect(200, a.patch(`/api/users/${a.uuid}/`, { first_name: "Ada", last_name: "Lovelace" }));
  assert.equal(upd.full_name, "Ada Lovelace");
  assert.equal((await a.patch(`/api/users/${a.uuid}/`, { is_staff: true })).status, 403);
  assert.equal((await a.get(`/api/users/${b.uuid}/`)).status, 404);
  assert.equal((await a.patch(`/api/users/${b.uuid}/`, { first_name: "x" })).status, 404);
  const staff = await staffApi(w.host);
  const all = await staff.expect(200, staff.get(`/api/users/?username=${b.username}`));
  assert.equal(all.length, 1);
  assert.equal((await a.post("/api/users/", { username: "made", email: "m@example.org" })).status, 403);
});

test("password change, deactivation and token expiry", async () => {
  const u = await userApi(w.host);
  await u.expect(200, u.post(`/api/users/${u.uuid}/change_password/`, { new_password: "another-password-2" }));
  await login(w.host, u.username, "another-password-2");
  // Token lifetime is sliding: a token unused for longer than the lifetime has expired.
  const db = dbOf(w.host);
  const row = await db.select().from(users).where(eq(users.uuid, u.uuid)).get();
  await db.update(users).set({ tokenLifetime: 60 }).where(eq(users.id, row!.id));
  await db.update(authTokens).set({ lastUsed: new Date(Date.now() - 3600_000).toISOString() }).where(eq(authTokens.userId, row!.id));
  const expired = await u.get("/api/users/me/");
  assert.equal(expired.status, 401);
  assert.deepEqual(expired.body, { detail: "Token has expired." });
  const fresh = await login(w.host, u.username, "another-password-2");
  const staff = await staffApi(w.host);
  await staff.expect(200, staff.patch(`/api/users/${u.uuid}/`, { is_active: false }));
  assert.equal((await fresh.get("/api/users/me/")).status, 401);
  const denied = await new Api(w.host).post("/api-auth/password/", { username: u.username, password: "another-password-2" });
  assert.equal(denied.status, 401);
});

test("SSH keys: fingerprints, duplicates and invalid keys refused, others' keys invisible", async () => {
  const a = await userApi(w.host);
  const b = await userApi(w.host);
  const k = await a.expect(201, a.post("/api/keys/", { name: "laptop", public_key: ED25519 }));
  assert.equal(k.type, "ssh-ed25519");
  assert.match(k.fingerprint_sha256, /^SHA256:[A-Za-z0-9+/]{43}$/);
  assert.match(k.fingerprint_md5, /^([0-9a-f]{2}:){15}[0-9a-f]{2}$/);
  assert.equal(k.user_uuid, a.uuid);
  const dup = await a.post("/api/keys/", { name: "again", public_key: ED25519 });
  assert.deepEqual(dup.body, { public_key: ["Duplicate public key value."] });
  const bad = await a.post("/api/keys/", { name: "bad", public_key: "ssh-ed25519 bm90LWEta2V5" });
  assert.deepEqual(bad.body, { public_key: ["Key is not valid."] });
  const garbage = await a.post("/api/keys/", { public_key: "hello" });
  assert.equal(garbage.status, 400);
  assert.equal((await b.get(`/api/keys/${k.uuid}/`)).status, 404);
  assert.equal((await b.delete(`/api/keys/${k.uuid}/`)).status, 404);
  assert.equal((await b.expect(200, b.get("/api/keys/"))).length, 0);
  await a.expect(204, a.delete(`/api/keys/${k.uuid}/`));
  assert.equal((await a.expect(200, a.get("/api/keys/"))).length, 0);
});
