// Executor-key sealed JSON (src/secrets/sealed-json.ts): new values are VEENV envelopes ("v2.")
// bound to their record kind and id; "v1." values written by the old format still open.
import assert from "node:assert/strict";
import test from "node:test";
import { seal } from "../../src/crypto/index.ts";
import { executorKeyPair } from "../../src/marketplace/execution/outcome.ts";
import { openJson, type SealedJsonRef, sealJson } from "../../src/secrets/sealed-json.ts";

const local = { VE_MODE: "local" };
const prod = { VE_MODE: "production", VE_EXECUTOR_KEY: btoa("a-configured-production-executor-key!") };
const offering: SealedJsonRef = { kind: "offering-secret-options", recordId: "0b9e3f4c5d6e4f708192a3b4c5d6e7f8" };

// Written by the pre-envelope sealJson (local dev key / the key above) before the migration.
const V1_OFFERING = "v1.dfa20baebfeac66d.reJMdH4ebemjDVq1.KlebF9I5JMLWndT0fVkQCoNUDDT0RfmFNEqBnwaK/h+lMXphNz+mDLx0LY46SqIEYlx30biDy+8=";
const V1_TOTP =
  "v1.dfa20baebfeac66d.ex+G85Y4UAqmWZsC.8a2Utd0I/fbi+Qk1e7Hzb6q6p/sYijgw9EouJHWtt7ZVj4vHHNKOAu4m/Kv3jmzz/Z7zBb0wTn1tRT8pyw==";
const V1_JOB = "v1.ae96c8667d576959.8Xs/IoxJJLXRuec/.pDcZtgGK3vJuQSCqj6qkuu5k5NjwTjqDfrNv4mqHna2r16rNd0R3xPvCS6yKiJVrYfofR/erjNIZuvhC";

const b64url = (b: Uint8Array) => btoa(String.fromCharCode(...b)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
const unb64url = (s: string) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
const flip = (s: string, at: number) => s.slice(0, at) + (s[at] === "A" ? "B" : "A") + s.slice(at + 1);

test("a v1 value written by the old code still opens, for its own record only", async () => {
  assert.deepEqual(await openJson(local, offering, V1_OFFERING), { api_password: "legacy-pass", port: 22 });
  assert.deepEqual(await openJson(local, { kind: "identity-totp", recordId: "1c2d3e4f5a6b4c7d8e9f0a1b2c3d4e5f" }, V1_TOTP), {
    secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
  });
  assert.deepEqual(await openJson(prod, { kind: "job-output", recordId: "2a3b4c5d6e7f4a8b9c0d1e2f3a4b5c6d:0" }, V1_JOB), {
    output: "legacy job output",
    exit_code: 0,
  });
  await assert.rejects(openJson(local, { ...offering, recordId: "ffffffffffffffffffffffffffffffff" }, V1_OFFERING), /does not open/);
  await assert.rejects(openJson(local, { kind: "identity-totp", recordId: offering.recordId }, V1_OFFERING), /does not open/);
  await assert.rejects(openJson(local, offering, V1_JOB), /different executor key/);
});

test("a v2 value is a VEENV envelope to the executor key and opens for its record", async () => {
  const sealed = await sealJson(prod, offering, { api_password: "s3cr3t", nested: { n: 1 } });
  assert.match(sealed, /^v2\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  assert.ok(!sealed.includes("s3cr3t"));
  const bytes = unb64url(sealed.split(".")[1]!);
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 5)), "VEENV");
  assert.deepEqual(await openJson(prod, offering, sealed), { api_password: "s3cr3t", nested: { n: 1 } });
  assert.notEqual(await sealJson(prod, offering, { api_password: "s3cr3t", nested: { n: 1 } }), sealed, "fresh randomness per seal");
  assert.deepEqual(await openJson(prod, offering, null), {});
  // Another executor key (another deployment, or local dev) is not a recipient.
  await assert.rejects(openJson(local, offering, sealed), /not sealed by this executor key/);
});

test("a v2 value moved to another record or kind is rejected", async () => {
  const sealed = await sealJson(local, offering, { token: "t" });
  await assert.rejects(openJson(local, { ...offering, recordId: "ffffffffffffffffffffffffffffffff" }, sealed), /context_mismatch/);
  await assert.rejects(openJson(local, { kind: "waldur-token", recordId: offering.recordId }, sealed), /context_mismatch/);
  const part0 = await sealJson(local, { kind: "job-output", recordId: "2a3b4c5d6e7f4a8b9c0d1e2f3a4b5c6d:0" }, { output: "a" });
  await assert.rejects(openJson(local, { kind: "job-output", recordId: "2a3b4c5d6e7f4a8b9c0d1e2f3a4b5c6d:1" }, part0), /context_mismatch/);
});

test("a tampered value is rejected, v2 and v1 alike", async () => {
  const sealed = await sealJson(local, offering, { api_password: "s3cr3t" });
  const [, body, mac] = sealed.split(".") as [string, string, string];
  // The payload's tag, the header's recipient entry, a truncated envelope, the HMAC itself.
  const damaged = [flip(body, body.length - 2), flip(body, 200), body.slice(0, -8)].map((b) => `v2.${b}.${mac}`);
  for (const bad of [...damaged, flip(sealed, sealed.length - 2), `v2.${body}`]) {
    await assert.rejects(openJson(local, offering, bad), (e: Error) => /does not open|format/.test(e.message) && !e.message.includes("s3cr3t"));
  }
  await assert.rejects(openJson(local, offering, "v2.not base64!"), /format/);
  await assert.rejects(openJson(local, offering, "v3.abc"), /format/);
  await assert.rejects(openJson(local, offering, flip(V1_OFFERING, V1_OFFERING.length - 6)), /does not open/);
});

test("an envelope sealed to the executor's public key by anyone else is refused (the public key is public)", async () => {
  // A D1 writer could otherwise plant a value of their choosing, e.g. a TOTP secret they know.
  const pair = await executorKeyPair(local);
  const context = { kind: "identity-totp", recordId: "1c2d3e4f5a6b4c7d8e9f0a1b2c3d4e5f", version: 1 };
  const forged = await seal(new TextEncoder().encode(JSON.stringify({ secret: "AAAA" })), { context, recipients: [{ publicKey: pair.publicKey, keyVersion: 1 }] });
  const ref: SealedJsonRef = { kind: "identity-totp", recordId: context.recordId };
  await assert.rejects(openJson(local, ref, `v2.${b64url(forged)}.${b64url(new Uint8Array(32))}`), /not sealed by this executor key/);
  await assert.rejects(openJson(local, ref, `v2.${b64url(forged)}`), /format/);
});
