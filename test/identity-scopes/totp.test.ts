import assert from "node:assert/strict";
import { test } from "node:test";
import { identityRecoveryCodes, identityTotp } from "../../src/db/schema/index.ts";
import { base32Decode, base32Encode, hotp, totp, type TotpHash, timeStep } from "../../src/identity/scopes/totp.ts";
import { Api, dbOf, userApi } from "../helpers/api.ts";
import { useWorker } from "../helpers/worker.ts";

const w = useWorker();
const enc = new TextEncoder();

test("TOTP generator: RFC 6238 Appendix B test vectors (SHA-1, SHA-256, SHA-512, 8 digits)", async () => {
  const seeds: Record<TotpHash, Uint8Array<ArrayBuffer>> = {
    "SHA-1": enc.encode("12345678901234567890"),
    "SHA-256": enc.encode("12345678901234567890123456789012"),
    "SHA-512": enc.encode("1234567890123456789012345678901234567890123456789012345678901234"),
  };
  const vectors: [number, string, string, string][] = [
    [59, "94287082", "46119246", "90693936"],
    [1111111109, "07081804", "68084774", "25091201"],
    [1111111111, "14050471", "67062674", "99943326"],
    [1234567890, "89005924", "91819424", "93441116"],
    [2000000000, "69279037", "90698825", "38618901"],
    [20000000000, "65353130", "77737706", "47863826"],
  ];
  for (const [t, s1, s256, s512] of vectors) {
    assert.equal(await totp(seeds["SHA-1"], t, { digits: 8, hash: "SHA-1" }), s1, `SHA-1 at ${t}`);
    assert.equal(await totp(seeds["SHA-256"], t, { digits: 8, hash: "SHA-256" }), s256, `SHA-256 at ${t}`);
    assert.equal(await totp(seeds["SHA-512"], t, { digits: 8, hash: "SHA-512" }), s512, `SHA-512 at ${t}`);
  }
  // RFC 4226 Appendix D (HOTP, 6 digits) for the same SHA-1 seed.
  const hotpD = ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
  for (let i = 0; i < hotpD.length; i++) assert.equal(await hotp(seeds["SHA-1"], i), hotpD[i]);
  assert.equal(base32Encode(enc.encode("foobar")), "MZXW6YTBOI");
  assert.deepEqual(base32Decode("MZXW6YTBOI======"), enc.encode("foobar"));
});

const codeAt = (secret: string, stepOffset = 0) => hotp(base32Decode(secret), timeStep(Date.now() / 1000) + stepOffset);

test("TOTP: setup shows the secret once (sealed in D1), confirm enables it with 10 recovery codes, verify refuses replays", async () => {
  const a = await userApi(w.host, "totpuser1");
  assert.equal((await a.post("/api/identity/totp/verify/", { code: "123456" })).status, 409);
  assert.equal((await a.post("/api/identity/totp/confirm/", { code: "123456" })).status, 409);
  const s = await a.expect(200, a.post("/api/identity/totp/setup/"));
  assert.match(s.secret, /^[A-Z2-7]{32}$/);
  assert.ok(s.otpauth_uri.startsWith("otpauth://totp/VirtEngine:totpuser1?"));
  const uri = new URL(s.otpauth_uri);
  assert.equal(uri.searchParams.get("secret"), s.secret);
  assert.equal(uri.searchParams.get("issuer"), "VirtEngine");
  assert.equal(uri.searchParams.get("digits"), "6");
  assert.equal(uri.searchParams.get("period"), "30");
  const db = dbOf(w.host);
  const row = (await db.select().from(identityTotp).all()).find((r) => r.sealedSecret.startsWith("v1."));
  assert.ok(row && !row.sealedSecret.includes(s.secret));

  const wrong = await a.post("/api/identity/totp/confirm/", { code: (await codeAt(s.secret)) === "000000" ? "111111" : "000000" });
  assert.deepEqual(wrong.body, { code: ["The code is not valid."] });
  const pending = await a.expect(200, a.get("/api/identity/scopes/"));
  assert.deepEqual(pending.map((x: { scope: string; status: string }) => [x.scope, x.status]), [["totp", "pending"]]);

  const now = await codeAt(s.secret);
  const conf = await a.expect(200, a.post("/api/identity/totp/confirm/", { code: now }));
  assert.equal(conf.status, "verified");
  assert.equal(conf.recovery_codes.length, 10);
  for (const rc of conf.recovery_codes) assert.match(rc, /^[a-z2-7]{5}-[a-z2-7]{5}$/);
  assert.equal(new Set(conf.recovery_codes).size, 10);
  // Hashes only in D1.
  const dump = JSON.stringify([await db.select().from(identityRecoveryCodes).all(), await db.select().from(identityTotp).all()]);
  for (const rc of conf.recovery_codes) {
    assert.ok(!dump.includes(rc) && !dump.includes(rc.replace("-", "")));
  }
  assert.ok(!dump.includes(s.secret));
  assert.equal((await a.post("/api/identity/totp/setup/")).status, 409);
  assert.equal((await a.post("/api/identity/totp/confirm/", { code: now })).status, 409);

  // The step confirm used cannot be replayed; the next step (within the ±1 window) works once.
  const replay = await a.post("/api/identity/totp/verify/", { code: now });
  assert.equal(replay.status, 400);
  assert.match(replay.body.code[0], /already used/);
  const next = await codeAt(s.secret, 1);
  const ok = await a.expect(200, a.post("/api/identity/totp/verify/", { code: next }));
  assert.deepEqual(ok, { verified: true, method: "totp", recovery_codes_left: 10 });
  assert.equal((await a.post("/api/identity/totp/verify/", { code: next })).status, 400);
  // Outside the window.
  const far = await a.post("/api/identity/totp/verify/", { code: await codeAt(s.secret, 5) });
  assert.equal(far.status, 400);

  // Recovery codes: single use, dash and case optional.
  const rc = conf.recovery_codes[0];
  const r1 = await a.expect(200, a.post("/api/identity/totp/verify/", { recovery_code: rc.toUpperCase().replace("-", "") }));
  assert.deepEqual(r1, { verified: true, method: "recovery_code", recovery_codes_left: 9 });
  const r2 = await a.post("/api/identity/totp/verify/", { recovery_code: rc });
  assert.deepEqual(r2.body, { recovery_code: ["The recovery code is not valid or was already used."] });
  assert.equal((await a.post("/api/identity/totp/verify/", { recovery_code: "aaaaa-aaaaa" })).status, 400);

  // Another user cannot use them.
  const b = await userApi(w.host, "totpuser2");
  assert.equal((await b.post("/api/identity/totp/verify/", { recovery_code: conf.recovery_codes[1] })).status, 409);
  assert.equal((await b.post("/api/identity/totp/verify/", { code: next })).status, 409);

  const list = await a.expect(200, a.get("/api/identity/scopes/"));
  assert.equal(list[0].scope, "totp");
  assert.equal(list[0].status, "verified");
  assert.ok(list[0].verified_at);
  assert.ok(!JSON.stringify(list).includes(s.secret));
});

test("TOTP: malformed input names the field; both or neither of code/recovery_code refused", async () => {
  const a = await userApi(w.host, "totpuser3");
  await a.expect(200, a.post("/api/identity/totp/setup/"));
  assert.deepEqual((await a.post("/api/identity/totp/confirm/", {})).body, { code: ["This field is required."] });
  assert.deepEqual((await a.post("/api/identity/totp/confirm/", { code: "12345" })).body, { code: ["Enter the 6-digit code."] });
  assert.ok((await a.post("/api/identity/totp/confirm/", { code: 123456 })).body.code);
  const both = await a.post("/api/identity/totp/verify/", { code: "123456", recovery_code: "aaaaa-aaaaa" });
  assert.deepEqual(both.body, { non_field_errors: ["Give either code or recovery_code."] });
  assert.deepEqual((await a.post("/api/identity/totp/verify/", {})).body, { non_field_errors: ["Give either code or recovery_code."] });
  assert.deepEqual((await a.post("/api/identity/totp/verify/", { recovery_code: "!!" })).body, { recovery_code: ["Enter a recovery code (xxxxx-xxxxx)."] });
  assert.equal((await new Api(w.host).post("/api/identity/totp/setup/")).status, 401);
});

test("email without a configured mail transport is a 503, not a 500", async () => {
  const a = await userApi(w.host, "totpuser4");
  const r = await a.post("/api/identity/email/start/", { email: "nomail@example.org" });
  assert.equal(r.status, 503);
});
