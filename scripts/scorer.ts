// npm run scorer [-- --once]: the identity scorer beside a validator (src/identity/scoring/scorer.ts).
//   VE_API_URL          the edge API (default http://127.0.0.1:8787)
//   VE_SCORER_TOKEN     API token of the account that registered the validator's identity key
//   VE_SCORER_KEY       the validator's X25519 private key, raw 32 bytes base64url
//                       (or VE_SCORER_KEY_FILE: a file holding that text)
//   VE_SCORER_INTERVAL  seconds between rounds (default 30)
import { readFileSync } from "node:fs";
import { importPrivateKey } from "../src/crypto/keys.ts";
import { scoreOnce } from "../src/identity/scoring/scorer.ts";

function fail(message: string): never {
  console.error(`scorer: ${message}`);
  process.exit(2);
}

const token = process.env.VE_SCORER_TOKEN || fail("VE_SCORER_TOKEN is not set");
const keyText = process.env.VE_SCORER_KEY || (process.env.VE_SCORER_KEY_FILE ? readFileSync(process.env.VE_SCORER_KEY_FILE, "utf8") : fail("VE_SCORER_KEY (or VE_SCORER_KEY_FILE) is not set"));
const raw = Buffer.from(keyText.trim(), "base64url");
if (raw.length !== 32) fail("VE_SCORER_KEY must be 32 bytes, base64url");
const key = await importPrivateKey(new Uint8Array(raw));
const cfg = { apiUrl: process.env.VE_API_URL ?? "http://127.0.0.1:8787", token, key, log: (l: string) => console.log(l) };
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
  } catch (e) {
    const cause = (e as Error & { cause?: Error }).cause;
    console.error(`scorer: round failed: ${(e as Error).message}${cause ? ` (${cause.message})` : ""}`);
    if (process.argv.includes("--once")) process.exit(1);
  }
  if (process.argv.includes("--once")) break;
  for (let waited = 0; waited < interval && !stop; waited++) await new Promise((r) => setTimeout(r, 1000));
} while (!stop);
process.exit(0);
