import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mnemonicToSeed } from "@scure/bip39";
import {
  backupPrivateKey,
  deriveFromMnemonic,
  exportPrivateKey,
  generateKeyPair,
  hex,
  importPrivateKey,
  keyId,
  open,
  restorePrivateKey,
  seal,
} from "../../src/crypto/index.ts";
import { asRecipient, ctxA, text } from "./helpers.ts";

// BIP-39's own test mnemonic (all-zero entropy); only ever used as a fixture.
const MNEMONIC =
  "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";
const OTHER = "legal winner thank year wave sausage worth useful legal winner thank yellow";

describe("keys", () => {
  test("X25519 pairs: public key and key id follow from the private key", async () => {
    const k = await generateKeyPair();
    const again = await importPrivateKey(await exportPrivateKey(k.privateKey));
    assert.deepEqual(again.publicKey, k.publicKey);
    assert.deepEqual(k.keyId, await keyId(k.publicKey));
    assert.equal(k.publicKey.length, 32);
  });

  test("RFC 7748 §6.1: Alice's private key gives Alice's public key", async () => {
    const k = await importPrivateKey(
      Buffer.from("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", "hex"),
    );
    assert.equal(hex(k.publicKey), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  });

  test("mnemonic derivation is deterministic, per index, and per mnemonic", async () => {
    const a = await deriveFromMnemonic(MNEMONIC);
    const b = await deriveFromMnemonic(`  ${MNEMONIC.replace(/ /g, "   ")}\n`);
    const a1 = await deriveFromMnemonic(MNEMONIC, 1);
    const o = await deriveFromMnemonic(OTHER);
    assert.ok(a.ok && b.ok && a1.ok && o.ok);
    assert.deepEqual(a.value.publicKey, b.value.publicKey);
    assert.notDeepEqual(a.value.publicKey, a1.value.publicKey);
    assert.notDeepEqual(a.value.publicKey, o.value.publicKey);
    // Pinned: changing the derivation path would orphan every account's encrypted data.
    assert.equal(hex(a.value.publicKey), await expectedPublicKey(MNEMONIC, 0));
  });

  test("the derived key is not the BIP-39 seed or its first half (separate from the signing path)", async () => {
    const a = await deriveFromMnemonic(MNEMONIC);
    assert.ok(a.ok);
    const seed = await mnemonicToSeed(MNEMONIC);
    const raw = await exportPrivateKey(a.value.privateKey);
    assert.notDeepEqual(raw, seed.subarray(0, 32));
    assert.notDeepEqual(raw, seed.subarray(32));
  });

  test("a mnemonic with a bad checksum or unknown word is refused", async () => {
    assert.equal((await deriveFromMnemonic(MNEMONIC.replace(/about$/, "abandon"))).ok, false);
    assert.equal((await deriveFromMnemonic(MNEMONIC.replace(/about$/, "aboutt"))).ok, false);
    assert.equal((await deriveFromMnemonic(MNEMONIC, -1)).ok, false);
  });

  test("a mnemonic-derived key opens what was sealed to it", async () => {
    const a = await deriveFromMnemonic(MNEMONIC);
    assert.ok(a.ok);
    const env = await seal(text("settings"), { context: ctxA, recipients: [asRecipient(a.value)] });
    const again = await deriveFromMnemonic(MNEMONIC);
    assert.ok(again.ok);
    assert.ok((await open(env, { key: again.value, context: ctxA })).ok);
  });

  test("passphrase backup: round trip at 600k iterations; wrong passphrase and edits refused", async () => {
    const k = await generateKeyPair();
    const backup = await backupPrivateKey(k, "correct horse battery staple");
    assert.equal(backup.iterations, 600_000);
    const back = await restorePrivateKey(backup, "correct horse battery staple");
    assert.ok(back.ok);
    assert.deepEqual(back.value.publicKey, k.publicKey);
    const wrong = await restorePrivateKey(backup, "correct horse battery stapler");
    assert.deepEqual(wrong, { ok: false, error: "wrong passphrase or damaged backup" });
    // Lowered iteration count: refused outright (downgrade), and would fail the AAD anyway.
    assert.equal(
      (await restorePrivateKey({ ...backup, iterations: 1000 }, "correct horse battery staple")).ok,
      false,
    );
    // Another key id: the AAD binds it.
    const other = await restorePrivateKey(
      { ...backup, keyId: "00".repeat(32) },
      "correct horse battery staple",
    );
    assert.equal(other.ok, false);
    // The backup does not carry the key in the clear.
    const raw = await exportPrivateKey(k.privateKey);
    assert.ok(!Buffer.from(JSON.stringify(backup)).includes(Buffer.from(raw).toString("base64")));
  });
});

/** The documented derivation, recomputed independently of keys.ts (node:crypto HKDF over the BIP-39 seed). */
async function expectedPublicKey(mnemonic: string, index: number): Promise<string> {
  const { hkdfSync, createPrivateKey, createPublicKey } = await import("node:crypto");
  const seed = await mnemonicToSeed(mnemonic);
  const raw = Buffer.from(
    hkdfSync("sha256", seed, "virtengine/encryption-key/v1", `x25519/account/${index}`, 32),
  );
  const der = Buffer.concat([Buffer.from("302e020100300506032b656e04220420", "hex"), raw]);
  const pub = createPublicKey(createPrivateKey({ key: der, format: "der", type: "pkcs8" }));
  return Buffer.from(pub.export({ format: "der", type: "spki" }))
    .subarray(-32)
    .toString("hex");
}
