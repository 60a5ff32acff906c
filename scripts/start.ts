// `npm start`: the whole system locally. Builds the Worker, serves it on workerd (Miniflare) at
// 127.0.0.1:8787 (PORT overrides) with D1 and R2 persisted under .wrangler/state/v3, applies the
// migrations, seeds the staff account and demo data, starts the chain localnet when it is built,
// and prints the logins. Ctrl-C stops everything.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../src/db/schema/index.ts";
import "../src/plugins/builtin.ts";
import { checkPluginConfig } from "../src/plugins/registry.ts";
import { ensureStaff, staffCredentials } from "../src/seed/staff.ts";
import type { Db } from "../src/app-env.ts";
import { bridgeAccount, ensureLocalValidatorIdentityKey, fundAndGrant, readAccounts, waitForNode } from "./lib/chain-bridge-setup.ts";
import { DEMO_WALLETS, type DemoWallets, seedDemo } from "./lib/demo-seed.ts";
import { buildPortal } from "./lib/build-worker.ts";
import { ROOT, startWorkerHost } from "./lib/worker-host.ts";

const port = Number(process.env.PORT ?? 8787);
const mode = process.env.VE_MODE ?? "local";
const creds = staffCredentials({ ...process.env, VE_MODE: mode });
if ("error" in creds) {
  console.error(`refusing to start: ${creds.error}`);
  process.exit(2);
}

// Provider plugins: VE_PLUGINS (JSON) or the file VE_PLUGINS_FILE names; see src/plugins/config.ts.
const pluginConfig = process.env.VE_PLUGINS ?? (process.env.VE_PLUGINS_FILE ? readFileSync(process.env.VE_PLUGINS_FILE, "utf8") : undefined);
const pluginProblems = checkPluginConfig(pluginConfig);
if (pluginProblems.length) {
  console.error(`refusing to start: the plugin configuration is wrong:\n  ${pluginProblems.join("\n  ")}`);
  process.exit(2);
}

const children: ChildProcess[] = [];
const chainScript = path.join(ROOT, "chain", "scripts", "localnet.sh");
if (process.env.VE_CHAIN !== "off" && existsSync(chainScript)) {
  console.log("starting the chain localnet (chain/scripts/localnet.sh; logs in .run/chain.log)");
  const child = spawn("bash", ["-c", `mkdir -p .run && exec bash ${chainScript} > .run/chain.log 2>&1`], {
    cwd: ROOT,
    stdio: "ignore",
    detached: true,
  });
  children.push(child);
}

// Miniflare exits the process from its own SIGINT hook, before an async handler of ours could run;
// so the chain's process group is told to stop (SIGTERM: localnet.sh traps it and stops the node)
// synchronously, on any exit.
const stopChildren = () => {
  for (const c of children) if (c.pid && c.exitCode === null) try { process.kill(-c.pid, "SIGTERM"); } catch { /* already gone */ }
};
process.on("exit", stopChildren);
// Until Miniflare installs its SIGINT hook, Node's default handling of Ctrl-C ends the process
// without an "exit" event, which would leave the localnet running: stop it and exit here instead.
const interruptedWhileStarting = (signal: NodeJS.Signals) => {
  stopChildren();
  process.exit(signal === "SIGINT" ? 130 : 143);
};
process.on("SIGINT", interruptedWhileStarting);
process.on("SIGTERM", interruptedWhileStarting);

// The chain bridge: once the localnet answers, the Worker gets its RPC and the bridge account's
// mnemonic, and the demo users' localnet accounts grant the bridge their Msgs (x/authz).
const chainVars: Record<string, string> = {};
let wallets: DemoWallets | undefined;
if (process.env.VE_CHAIN !== "off" && existsSync(chainScript)) {
  const chainHome = path.resolve(ROOT, process.env.VE_CHAIN_HOME ?? path.join(".wrangler", "chain"));
  const rpcUrl = `http://127.0.0.1:${process.env.VE_CHAIN_RPC_PORT ?? "26657"}`;
  console.log(`waiting for the chain on ${rpcUrl} (the first start builds virtengined, minutes on a cold Go cache)`);
  try {
    if (!(await waitForNode(rpcUrl, 15 * 60_000))) throw new Error("the node did not answer within 15 minutes (see .run/chain.log)");
    const accounts = readAccounts(chainHome);
    const prefix = accounts.provider!.address.split("1")[0]!;
    const bridge = await bridgeAccount(chainHome, prefix);
    await fundAndGrant(rpcUrl, accounts, bridge, Object.values(DEMO_WALLETS), prefix);
    Object.assign(chainVars, { VE_CHAIN_RPC: rpcUrl, VE_CHAIN_MNEMONIC: bridge.mnemonic, VE_CHAIN_PREFIX: prefix });
    wallets = { prefix, accounts };
    console.log(`chain bridge: account ${bridge.address}; orders, offerings and usage go on chain through x/authz grants`);
    // Identity captures are sealed to the bonded validators' x/roles keys: give the localnet's validator one.
    await ensureLocalValidatorIdentityKey(rpcUrl, chainHome, accounts, prefix).then(
      (k) => {
        console.log(`identity network: the localnet validator's key (version ${k.version}) is on chain; its scorer key is ${k.file} (VE_SCORER_KEY_FILE)`);
        // Without a scorer no validator attests, and score rounds expire with no result.
        console.log("identity scores: run `npm run scorer` in another terminal so score rounds are attested");
      },
      (e) => console.error(`identity network: registering the validator's key failed, captures will answer 503: ${(e as Error).message}`),
    );
  } catch (e) {
    console.error(`chain bridge off: ${(e as Error).message}`);
  }
}

await buildPortal();
const host = await startWorkerHost({
  portal: true,
  port,
  persistDir: process.env.VE_STATE_DIR ?? path.join(ROOT, ".wrangler", "state", "v3"),
  vars: { VE_MODE: mode, ...(pluginConfig ? { VE_PLUGINS: pluginConfig } : {}), ...chainVars },
  https: process.env.VE_HTTPS === "1",
});
const db = drizzle(host.db as never, { schema }) as unknown as Db;
await ensureStaff(db, creds);
const logins = await seedDemo(host.url, creds, wallets);
// Miniflare does not fire cron triggers by itself: run the Worker's scheduled handler as
// wrangler.toml's "*/5 * * * *" would (order sweeps, usage collection, chain outbox and indexer).
setInterval(() => {
  host.mf
    .getWorker()
    .then((w) => w.scheduled({ cron: "*/5 * * * *" }))
    .catch((e) => console.error(`cron: ${(e as Error).message}`));
}, 5 * 60_000).unref();

console.log(`\nVirtEngine API on ${host.url}/api/  (Waldur-compatible; try ${host.url}/api/marketplace-public-offerings/)`);
console.log(`portal on ${host.url}/  (built from portal/ into dist/portal)`);
console.log(`staff: ${creds.username} / ${creds.usedDefaults ? creds.password + "   (local default; set VE_ADMIN_USERNAME/VE_ADMIN_PASSWORD to change)" : "(from VE_ADMIN_PASSWORD)"}`);
for (const u of logins.users) {
  const wallet = wallets?.accounts[DEMO_WALLETS[u.username] ?? ""]?.address;
  console.log(`user:  ${u.username} / ${u.password}   ${u.role}   token ${logins.tokens[u.username]}${wallet ? `   wallet ${wallet}` : ""}`);
}
console.log("Ctrl-C to stop.");

async function shutdown() {
  stopChildren();
  await host.dispose();
  process.exit(0);
}
process.off("SIGINT", interruptedWhileStarting);
process.off("SIGTERM", interruptedWhileStarting);
process.prependListener("SIGINT", shutdown);
process.prependListener("SIGTERM", shutdown);
