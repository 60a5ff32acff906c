import assert from "node:assert/strict";
import { test } from "node:test";
import { Secp256k1HdWallet, Secp256k1Wallet, type StdSignDoc } from "@cosmjs/amino";
import { newAccount, signingKeyFromMnemonic } from "../src/wallet/mnemonic.ts";
import { Api, userApi } from "./helpers/api.ts";
import { useWorker } from "./helpers/worker.ts";

const w = useWorker();

async function wallet() {
  const wal = await Secp256k1HdWallet.generate(12, { prefix: "virtengine" });
  const [acct] = await wal.getAccounts();
  return { wal, address: acct!.address };
}

async function signChallenge(api: Api, wal: Secp256k1HdWallet, address: string) {
  const ch = await api.expect(201, api.post("/api/wallet-auth/challenge/", { address }));
  const signed = await wal.signAmino(address, ch.sign_doc as StdSignDoc);
  return { nonce: ch.nonce, address, pub_key: signed.signature.pub_key.value, signature: signed.signature.signature };
}

test("a new wallet signs a challenge and gets an account and token; the nonce cannot be replayed", async () => {
  const anon = new Api(w.host);
  const { wal, address } = await wallet();
  const proof = await signChallenge(anon, wal, address);
  const r = await anon.expect(200, anon.post("/api/wallet-auth/login/", proof));
  assert.equal(r.created, true);
  assert.equal(r.user.wallet_address, address);
  const me = await new Api(w.host, r.token).expect(200, new Api(w.host, r.token).get("/api/users/me/"));
  assert.equal(me.username, address);
  const replay = await anon.post("/api/wallet-auth/login/", proof);
  assert.equal(replay.status, 400);
  assert.deepEqual(replay.body, { nonce: ["Challenge expired or already used."] });
  const again = await anon.expect(200, anon.post("/api/wallet-auth/login/", await signChallenge(anon, wal, address)));
  assert.equal(again.created, false);
  assert.equal(again.user.uuid, r.user.uuid);
});

test("wrong signer, foreign nonce, bad address and bad encodings are refused with the field named", async () => {
  const anon = new Api(w.host);
  const a = await wallet();
  const b = await wallet();
  const proofA = await signChallenge(anon, a.wal, a.address);
  // b's key on a's challenge: the public key does not hash to a's address.
  const proofB = await signChallenge(anon, b.wal, b.address);
  const wrongKey = await anon.post("/api/wallet-auth/login/", { ...proofA, pub_key: proofB.pub_key, signature: proofB.signature });
  assert.deepEqual(wrongKey.body, { pub_key: ["Public key does not belong to the address."] });
  const foreign = await anon.post("/api/wallet-auth/login/", { ...proofB, nonce: proofA.nonce });
  assert.deepEqual(foreign.body, { nonce: ["Unknown challenge for this address."] });
  const sig = Buffer.from(proofA.signature, "base64");
  sig[10] = (sig[10]! + 1) % 256;
  const tampered = await anon.post("/api/wallet-auth/login/", { ...proofA, signature: sig.toString("base64") });
  assert.deepEqual(tampered.body, { signature: ["Signature does not match."] });
  const badAddr = await anon.post("/api/wallet-auth/challenge/", { address: "cosmos1notanaddress" });
  assert.equal(badAddr.status, 400);
  assert.ok(badAddr.body.address);
  const wrongPrefix = await anon.post("/api/wallet-auth/challenge/", { address: "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu" });
  const proofWrong = await anon.post("/api/wallet-auth/login/", { address: "cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5lzv7xu", nonce: wrongPrefix.body.nonce, pub_key: proofA.pub_key, signature: proofA.signature });
  assert.equal(proofWrong.status, 400);
  const garbage = await anon.post("/api/wallet-auth/login/", { ...proofA, pub_key: "!!!", signature: "%%%" });
  assert.equal(garbage.status, 400);
  // The untouched proof still works once: nothing above consumed it.
  await anon.expect(200, anon.post("/api/wallet-auth/login/", proofA));
});

test("a signed-in user links a wallet; the same wallet cannot be linked to a second account", async () => {
  const u1 = await userApi(w.host);
  const u2 = await userApi(w.host);
  const { wal, address } = await wallet();
  const linked = await u1.expect(200, u1.post("/api/wallet-auth/link/", await signChallenge(u1, wal, address)));
  assert.equal(linked.wallet_address, address);
  const second = await u2.post("/api/wallet-auth/link/", await signChallenge(u2, wal, address));
  assert.equal(second.status, 409);
  const login = await new Api(w.host).expect(200, new Api(w.host).post("/api/wallet-auth/login/", await signChallenge(u1, wal, address)));
  assert.equal(login.user.uuid, u1.uuid);
});

test("an account made from a new client-side mnemonic signs in through the API", async () => {
  const acct = await newAccount();
  const key = await signingKeyFromMnemonic(acct.mnemonic);
  assert.ok(key.ok);
  // The browser holds only the derived key; it signs the server's ADR-036 challenge with it.
  const signer = await Secp256k1Wallet.fromKey(key.value.privkey, "virtengine");
  const anon = new Api(w.host);
  const ch = await anon.expect(201, anon.post("/api/wallet-auth/challenge/", { address: acct.address }));
  const signed = await signer.signAmino(acct.address, ch.sign_doc as StdSignDoc);
  const r = await anon.expect(200, anon.post("/api/wallet-auth/login/", { nonce: ch.nonce, address: acct.address, pub_key: signed.signature.pub_key.value, signature: signed.signature.signature }));
  assert.equal(r.created, true);
  assert.equal(r.user.wallet_address, acct.address);
  const me = await new Api(w.host, r.token).expect(200, new Api(w.host, r.token).get("/api/users/me/"));
  assert.equal(me.username, acct.address);
  // A key from a different mnemonic cannot sign for this address.
  const other = await signingKeyFromMnemonic((await newAccount()).mnemonic);
  assert.ok(other.ok);
  const ch2 = await anon.expect(201, anon.post("/api/wallet-auth/challenge/", { address: acct.address }));
  const forged = await (await Secp256k1Wallet.fromKey(other.value.privkey, "virtengine")).signAmino(other.value.address, ch2.sign_doc as StdSignDoc);
  const refused = await anon.post("/api/wallet-auth/login/", { nonce: ch2.nonce, address: acct.address, pub_key: forged.signature.pub_key.value, signature: forged.signature.signature });
  assert.equal(refused.status, 400);
  assert.deepEqual(refused.body, { pub_key: ["Public key does not belong to the address."] });
});
