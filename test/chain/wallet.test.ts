// Client-side account mnemonics: 24 fresh words, checksum and word-count checks, and the signing
// key on m/44'/118'/0'/0/0 agreeing with two independent implementations (cosmjs's HD wallet and
// the chain binary's own `keys add --recover`); the encryption key is the one src/crypto/keys.ts
// derives; `npm run wallet:new` prints a usable account.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { Secp256k1HdWallet } from "@cosmjs/amino";
import { toBase64 } from "@cosmjs/encoding";
import { ROOT } from "../../scripts/lib/build-worker.ts";
import { deriveFromMnemonic } from "../../src/crypto/keys.ts";
import { checkMnemonic, newAccount, newMnemonic, signingKeyFromMnemonic } from "../../src/wallet/mnemonic.ts";

const run = promisify(execFile);
const BIN = path.join(ROOT, "chain/build/virtengined");

test("new mnemonics have 24 valid words and differ every time", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 20; i++) {
    const m = newMnemonic();
    assert.equal(m.split(" ").length, 24);
    assert.deepEqual(checkMnemonic(m), { ok: true, value: m });
    seen.add(m);
  }
  assert.equal(seen.size, 20);
});

test("the address matches cosmjs's HD wallet and the chain binary's key recovery", async () => {
  const m = newMnemonic();
  const key = await signingKeyFromMnemonic(m);
  assert.ok(key.ok);
  assert.match(key.value.address, /^virtengine1[02-9ac-hj-np-z]{38}$/);
  assert.equal(key.value.pubkey.length, 33);
  const [hd] = await (await Secp256k1HdWallet.fromMnemonic(m, { prefix: "virtengine" })).getAccounts();
  assert.equal(key.value.address, hd?.address);
  assert.equal(toBase64(key.value.pubkey), toBase64(hd?.pubkey as Uint8Array));

  const home = mkdtempSync(path.join(tmpdir(), "ve-wallet-"));
  try {
    const child = run(BIN, ["keys", "add", "w", "--recover", "--keyring-backend", "test", "--home", home, "--output", "json"]);
    child.child.stdin?.end(`${m}\n`);
    const { stdout, stderr } = await child;
    const out = JSON.parse((stdout.trim() || stderr.trim()).split("\n").pop() as string);
    assert.equal(out.address, key.value.address);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test("extra whitespace is tolerated; typos, bad checksums and wrong lengths are refused", async () => {
  const m = newMnemonic();
  const spaced = `  ${m.split(" ").join("   ")}\n`;
  const a = await signingKeyFromMnemonic(m);
  const b = await signingKeyFromMnemonic(spaced);
  assert.ok(a.ok && b.ok);
  assert.equal(a.value.address, b.value.address);

  const words = m.split(" ");
  // Only 8 of the 2048 words complete a 24-word phrase's checksum, so among five last words at
  // least four are refused, and with the checksum named.
  const verdicts = ["abandon", "ability", "able", "about", "above"].map((w) => checkMnemonic([...words.slice(0, 23), w].join(" ")));
  const refused = verdicts.filter((r) => !r.ok);
  assert.ok(refused.length >= 4);
  for (const r of refused) assert.match(r.ok ? "" : r.error, /checksum/);
  const typo = [...words.slice(0, 23), "notaword"].join(" ");
  assert.deepEqual(await signingKeyFromMnemonic(typo), { ok: false, error: "not a valid English BIP-39 mnemonic (unknown word or bad checksum)" });
  assert.deepEqual(checkMnemonic(words.slice(0, 23).join(" ")), { ok: false, error: "a mnemonic has 12 to 24 words (got 23)" });
  assert.deepEqual(checkMnemonic(""), { ok: false, error: "a mnemonic has 12 to 24 words (got 0)" });
  // A valid 12-word phrase (BIP-39 test vector) is accepted for existing wallets.
  assert.ok(checkMnemonic("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about").ok);
});

test("newAccount's encryption key is the keys.ts derivation from the same words, not the signing key", async () => {
  const acct = await newAccount();
  const enc = await deriveFromMnemonic(acct.mnemonic);
  assert.ok(enc.ok);
  assert.equal(toBase64(acct.encryptionPublicKey), toBase64(enc.value.publicKey));
  const signing = await signingKeyFromMnemonic(acct.mnemonic);
  assert.ok(signing.ok);
  assert.equal(signing.value.address, acct.address);
  assert.notEqual(toBase64(signing.value.privkey), toBase64(acct.encryptionPublicKey));
});

test("npm run wallet:new prints an address that belongs to the printed mnemonic", async () => {
  const { stdout } = await run(process.execPath, ["--import", "tsx", path.join(ROOT, "src/wallet/new-cli.ts"), "--json"], { cwd: ROOT });
  const out = JSON.parse(stdout);
  assert.equal(out.mnemonic.split(" ").length, 24);
  const key = await signingKeyFromMnemonic(out.mnemonic);
  assert.ok(key.ok);
  assert.equal(out.address, key.value.address);
  const enc = await deriveFromMnemonic(out.mnemonic);
  assert.ok(enc.ok);
  assert.equal(out.encryption_public_key, toBase64(enc.value.publicKey));
  const human = await run(process.execPath, ["--import", "tsx", path.join(ROOT, "src/wallet/new-cli.ts")], { cwd: ROOT });
  assert.match(human.stdout, /^address {16}virtengine1/m);
  assert.equal(human.stdout.match(/^ {2}(\S+( \S+){23})$/m)?.[1]?.split(" ").length, 24);
});
