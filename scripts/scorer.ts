// npm run scorer [-- --once]: the identity scorer beside a validator (src/identity/scoring/scorer.ts).
//   VE_API_URL          the edge API (default http://127.0.0.1:8787)
//   VE_SCORER_TOKEN     API token of the validator's account; optional with the operator mnemonic
//                       below, which signs in by wallet (the account linked to the operator address)
//   VE_SCORER_KEY       the validator's X25519 private key, raw 32 bytes base64url
//                       (or VE_SCORER_KEY_FILE: a file holding that text)
//   VE_SCORER_INTERVAL  seconds between rounds (default 30)
//   VE_CHAIN_RPC        the chain node (CometBFT RPC); with VE_SCORER_OPERATOR_MNEMONIC (or
//                       VE_SCORER_OPERATOR_MNEMONIC_FILE), the validator operator account's
//                       mnemonic, the scorer makes its key the operator's current x/roles
//                       encryption key at start if it is not: the identity network is the bonded
//                       validators' registered keys, so an unregistered key receives no captures.
//                       The API rereads that set every 30 s: a round right after a new
//                       registration may still be refused (403), the next one is not.
//                       With both set, each round also attests the open x/veid score rounds
//                       (src/identity/scoring/chain-attest.ts) signed by the operator account.
//   VE_CHAIN_PREFIX, VE_CHAIN_GAS_PRICE  account prefix (default virtengine), uve per gas (default 0)
import { readFileSync } from "node:fs";
import { ensureEncryptionKeyRegistered } from "../src/bridge/chain/identity-keys.ts";
import { importPrivateKey } from "../src/crypto/keys.ts";
import { walletLogin } from "../src/wallet/login-client.ts";
import { resealOnce } from "../src/identity/lifecycle/reseal-client.ts";
import { attestOpenRounds } from "../src/identity/scoring/chain-attest.ts";
import { scoreOnce } from "../src/identity/scoring/scorer.ts";

function fail(message: string): never {
  console.error(`scorer: ${message}`);
  process.exit(2);
}

const keyText = process.env.VE_SCORER_KEY || (process.env.VE_SCORER_KEY_FILE ? readFileSync(process.env.VE_SCORER_KEY_FILE, "utf8") : fail("VE_SCORER_KEY (or VE_SCORER_KEY_FILE) is not set"));
const raw = Buffer.from(keyText.trim(), "base64url");
if (raw.length !== 32) fail("VE_SCORER_KEY must be 32 bytes, base64url");
const key = await importPrivateKey(new Uint8Array(raw));
raw.fill(0);

const rpcUrl = process.env.VE_CHAIN_RPC;
const operatorMnemonic =
  process.env.VE_SCORER_OPERATOR_MNEMONIC ||
  (process.env.VE_SCORER_OPERATOR_MNEMONIC_FILE ? readFileSync(process.env.VE_SCORER_OPERATOR_MNEMONIC_FILE, "utf8").trim() : undefined);
if (rpcUrl && operatorMnemonic) {
  const gasPriceUve = Number(process.env.VE_CHAIN_GAS_PRICE ?? "0");
  if (!Number.isFinite(gasPriceUve) || gasPriceUve < 0) fail("VE_CHAIN_GAS_PRICE must be a number ≥ 0");
  try {
    const r = await ensureEncryptionKeyRegistered({ rpcUrl, mnemonic: operatorMnemonic, publicKey: key.publicKey, prefix: process.env.VE_CHAIN_PREFIX || undefined, gasPriceUve });
    console.log(`scorer: identity key ${r.registered ? "registered" : "already registered"} on chain for ${r.account} (version ${r.version})`);
  } catch (e) {
    fail(`registering the identity key on chain failed: ${(e as Error).message}`);
  }
} else if (rpcUrl) {
  console.log("scorer: VE_SCORER_OPERATOR_MNEMONIC is not set; not checking that the key is registered on chain");
}
const apiUrl = process.env.VE_API_URL ?? "http://127.0.0.1:8787";
// With a chain the API knows a validator by its signature-linked operator wallet: sign in with it.
const token =
  process.env.VE_SCORER_TOKEN ||
  (operatorMnemonic
    ? await walletLogin(apiUrl, operatorMnemonic, process.env.VE_CHAIN_PREFIX || undefined).then(
        (r) => {
          console.log(`scorer: signed in to the API as ${r.address}`);
          return r.token;
        },
        (e) => fail(`signing in with the operator wallet failed: ${(e as Error).message}`),
      )
    : fail("VE_SCORER_TOKEN is not set (or set VE_SCORER_OPERATOR_MNEMONIC to sign in with the operator wallet)"));
const cfg = { apiUrl, token, key, log: (l: string) => console.log(l) };
const interval = Number(process.env.VE_SCORER_INTERVAL ?? "30");
if (!Number.isFinite(interval) || interval < 1) fail("VE_SCORER_INTERVAL must be a number of seconds ≥ 1");

let stop = false;
process.on("SIGINT", () => {
  stop = true;
});
process.on("SIGTERM", () => {
  stop = true;
});
do {
  try {
    const r = await scoreOnce(cfg);
    console.log(`scorer: posted=${r.posted.length} skipped=${r.skipped.length} waiting=${r.waiting} scored=${r.scores.length} unscored=${r.unscored.length}`);
    // Evidence under manual review: re-wrap it for the claiming moderator's key alone.
    const rs = await resealOnce(cfg).catch((e) => {
      console.error(`scorer: re-sealing review evidence failed: ${(e as Error).message}`);
      return null;
    });
    if (rs) {
      console.log(`scorer: review evidence resealed=${rs.resealed.length} failed=${rs.failed.length}`);
      for (const f of rs.failed) console.error(`scorer: review ${f.review} capture ${f.capture}: ${f.reason}`);
    }
    // With the operator account: attest the open x/veid rounds with this validator's scores.
    if (rpcUrl && operatorMnemonic) {
      const a = await attestOpenRounds({ ...cfg, rpcUrl, mnemonic: operatorMnemonic, prefix: process.env.VE_CHAIN_PREFIX || undefined, gasPriceUve: Number(process.env.VE_CHAIN_GAS_PRICE ?? "0") }).catch((e) => {
        console.error(`scorer: chain attestations failed: ${(e as Error).message}`);
        return null;
      });
      if (a) console.log(`scorer: chain attested=${a.attested.length} skipped=${a.skipped.length} refused=${a.refused.length}`);
    }
  } catch (e) {
    const cause = (e as Error & { cause?: Error }).cause;
    console.error(`scorer: round failed: ${(e as Error).message}${cause ? ` (${cause.message})` : ""}`);
    if (process.argv.includes("--once")) process.exit(1);
  }
  if (process.argv.includes("--once")) break;
  for (let waited = 0; waited < interval && !stop; waited++) await new Promise((r) => setTimeout(r, 1000));
} while (!stop);
process.exit(0);
