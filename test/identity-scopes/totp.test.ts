import assert from "node:assert/strict";
import { test } from "node:test";
import { eq } from "drizzle-orm";
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
  const row = (await db.select().from(identityTotp).all()).find((r) => r.sealedSecret.startsWith("v2."));
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

/** A 6-digit code matching none of the steps the server accepts now. */
async function wrongCode(secret: string): Promise<string> {
  const live = new Set(await Promise.all([-2, -1, 0, 1, 2].map((d) => codeAt(secret, d))));
  for (let n = 0; ; n++) {
    const c = String((123457 + n * 7919) % 1_000_000).padStart(6, "0");
    if (!live.has(c)) return c;
  }
}

async function enabledTotp(name: string) {
  const a = await userApi(w.host, name);
  const s = await a.expect(200, a.post("/api/identity/totp/setup/"));
  const conf = await a.expect(200, a.post("/api/identity/totp/confirm/", { code: await codeAt(s.secret) }));
  const row = await totpRowOf(a);
  assert.ok(row.enabledAt && row.failures === 0 && row.lockedUntil === null);
  return { a, secret: s.secret as string, recovery: conf.recovery_codes as string[] };
}

const totpRowOf = async (a: { uuid: string }) => {
  const { users } = await import("../../src/db/schema/index.ts");
  const u = await dbOf(w.host).select().from(users).where(eq(users.uuid, a.uuid)).get();
  return (await dbOf(w.host).select().from(identityTotp).where(eq(identityTotp.userId, u!.id)).get())!;
};
/** Moves the lock into the past, as if its time had passed (no sleeping in tests). */
const expireLock = async (a: { uuid: string }) => {
  const row = await totpRowOf(a);
  await dbOf(w.host).update(identityTotp).set({ lockedUntil: new Date(Date.now() - 1000).toISOString() }).where(eq(identityTotp.id, row.id));
};

test("TOTP lockout: five wrong guesses lock the factor (even the right code is refused), backoff doubles, a right code resets it", async () => {
  const { a, secret, recovery } = await enabledTotp("totplock1");
  const bad = await wrongCode(secret);
  for (let i = 1; i <= 5; i++) {
    const r = await a.post("/api/identity/totp/verify/", { code: bad });
    assert.equal(r.status, 400, `guess ${i}`);
    assert.deepEqual(r.body, { code: ["The code is not valid."] });
  }
  // Locked: the right code and a valid recovery code are not even checked.
  const locked = await a.post("/api/identity/totp/verify/", { code: await codeAt(secret, 1) });
  assert.equal(locked.status, 429);
  const retry = Number(locked.headers.get("retry-after"));
  assert.ok(retry > 0 && retry <= 30, `Retry-After ${retry}`);
  assert.match(locked.body.code[0], /Too many wrong codes/);
  const lockedRc = await a.post("/api/identity/totp/verify/", { recovery_code: recovery[0] });
  assert.equal(lockedRc.status, 429);
  assert.ok(lockedRc.body.recovery_code);
  assert.equal((await totpRowOf(a)).failures, 5, "refusals while locked are not counted as guesses");

  // After the lock: one more wrong guess locks again for twice as long.
  await expireLock(a);
  assert.equal((await a.post("/api/identity/totp/verify/", { code: bad })).status, 400);
  const row = await totpRowOf(a);
  assert.equal(row.failures, 6);
  const secs = (Date.parse(row.lockedUntil!) - Date.now()) / 1000;
  assert.ok(secs > 50 && secs <= 60, `second lock ${secs}s`);
  const again = await a.post("/api/identity/totp/verify/", { code: bad });
  assert.equal(again.status, 429);
  assert.ok(Number(again.headers.get("retry-after")) > 30);

  // A wrong recovery code counts like a wrong TOTP code.
  await expireLock(a);
  assert.equal((await a.post("/api/identity/totp/verify/", { recovery_code: "aaaaa-aaaaa" })).status, 400);
  assert.equal((await totpRowOf(a)).failures, 7);
  assert.equal((await a.post("/api/identity/totp/verify/", { code: await codeAt(secret, 1) })).status, 429);

  // The right code after the lock is accepted and clears the counter.
  await expireLock(a);
  await a.expect(200, a.post("/api/identity/totp/verify/", { code: await codeAt(secret, 1) }));
  const cleared = await totpRowOf(a);
  assert.equal(cleared.failures, 0);
  assert.equal(cleared.lockedUntil, null);
  for (let i = 1; i <= 4; i++) assert.equal((await a.post("/api/identity/totp/verify/", { code: bad })).status, 400);
  // The fifth try is still checked: a right code on it succeeds and lifts the lock it carried.
  await a.expect(200, a.post("/api/identity/totp/verify/", { recovery_code: recovery[1] }));
  assert.equal((await totpRowOf(a)).lockedUntil, null);
  assert.equal((await a.post("/api/identity/totp/verify/", { code: bad })).status, 400);
});

test("TOTP lockout: parallel guesses cannot exceed the limit; another account is unaffected", async () => {
  const { a, secret } = await enabledTotp("totplock2");
  const { a: b, secret: secretB } = await enabledTotp("totplock3");
  const bad = await wrongCode(secret);
  const replies = await Promise.all(Array.from({ length: 20 }, () => a.post("/api/identity/totp/verify/", { code: bad })));
  const checked = replies.filter((r) => r.status === 400).length;
  assert.ok(replies.every((r) => r.status === 400 || r.status === 429), JSON.stringify(replies.map((r) => r.status)));
  assert.ok(checked <= 5, `${checked} guesses were checked`);
  assert.equal((await totpRowOf(a)).failures, checked);
  assert.equal((await a.post("/api/identity/totp/verify/", { code: await codeAt(secret, 1) })).status, checked === 5 ? 429 : 200);
  await b.expect(200, b.post("/api/identity/totp/verify/", { code: await codeAt(secretB, 1) }));
});

test("TOTP recovery codes: a current code replaces the whole set (shown once); old codes stop working; guesses count", async () => {
  const { a, secret, recovery } = await enabledTotp("totprc1");
  assert.equal((await a.post("/api/identity/totp/recovery_codes/", {})).status, 400);
  const wrong = await a.post("/api/identity/totp/recovery_codes/", { code: await wrongCode(secret) });
  assert.deepEqual(wrong.body, { code: ["The code is not valid."] });
  assert.equal((await totpRowOf(a)).failures, 1, "a wrong code here counts toward the lockout");
  const fresh = await a.expect(200, a.post("/api/identity/totp/recovery_codes/", { code: await codeAt(secret, 1) }));
  assert.equal(fresh.recovery_codes.length, 10);
  assert.equal(new Set([...fresh.recovery_codes, ...recovery]).size, 20);
  assert.equal((await a.post("/api/identity/totp/verify/", { recovery_code: recovery[0] })).status, 400, "old codes are void");
  assert.deepEqual(await a.expect(200, a.post("/api/identity/totp/verify/", { recovery_code: fresh.recovery_codes[0] })), { verified: true, method: "recovery_code", recovery_codes_left: 9 });
  const dump = JSON.stringify(await dbOf(w.host).select().from(identityRecoveryCodes).all());
  for (const rc of fresh.recovery_codes) assert.ok(!dump.includes(rc.replace("-", "")));
  const b = await userApi(w.host, "totprc2");
  assert.equal((await b.post("/api/identity/totp/recovery_codes/", { code: "123456" })).status, 409);
});
