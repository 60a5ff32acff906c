// A real single-validator localnet per test file (chain/scripts/localnet.sh) in a temporary home on
// free loopback ports (never the default 26657 set, which `npm start` or another engineer may own),
// plus a D1 database in Miniflare with the migrations applied, and a funded bridge account that
// the provider and customer1 granted (x/authz) every Msg the bridge sends for them.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before } from "node:test";
import { promisify } from "node:util";
import type { D1Database } from "@cloudflare/workers-types";
import { Secp256k1HdWallet, type StdSignDoc } from "@cosmjs/amino";
import { fromBech32 } from "@cosmjs/encoding";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { SigningStargateClient } from "@cosmjs/stargate";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { Miniflare } from "miniflare";
import { fundAndGrant } from "../../scripts/lib/chain-bridge-setup.ts";
import { applyMigrations } from "../../scripts/lib/migrations.ts";
import { ROOT } from "../../scripts/lib/build-worker.ts";
import { cometClient, makeRegistry, queryClient, type ChainQueryClient } from "../../src/bridge/chain/index.ts";
import * as schema from "../../src/db/schema/index.ts";
import type { Api } from "./api.ts";

const run = promisify(execFile);
const SCRIPT = path.join(ROOT, "chain/scripts/localnet.sh");

export interface ChainAccount {
  name: string;
  address: string;
  mnemonic: string;
}

export interface Chain {
  home: string;
  rpcUrl: string;
  grpcPort: number;
  restUrl: string;
  accounts: Record<string, ChainAccount>;
  /** Bech32 account prefix, read from the localnet's accounts. */
  prefix: string;
  /** The bridge account: funded, and grantee of provider's and customer1's grants. */
  bridge: ChainAccount;
  query: ChainQueryClient;
  /** Signs and broadcasts with one of the localnet accounts (setup, baselines). */
  clientFor(name: string): Promise<SigningStargateClient>;
  env(): Record<string, string>;
  /** Stops the node (state kept) and starts it again on the same ports: a node outage. */
  stopNode(): Promise<void>;
  startNode(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

export async function startChain(): Promise<{ chain: Chain; stop(): Promise<void> }> {
  const home = mkdtempSync(path.join(tmpdir(), "ve-chain-"));
  const [rpc, grpc, api, p2p] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const env = {
    ...process.env,
    VE_CHAIN_HOME: home,
    VE_CHAIN_RPC_PORT: String(rpc),
    VE_CHAIN_GRPC_PORT: String(grpc),
    VE_CHAIN_API_PORT: String(api),
    VE_CHAIN_P2P_PORT: String(p2p),
  };
  const stop = async () => {
    await run("bash", [SCRIPT, "--stop"], { env, timeout: 30_000 }).catch(() => {});
    rmSync(home, { recursive: true, force: true });
  };
  try {
    // The first run builds the binary (minutes on a cold Go cache); later runs take seconds.
    await run("bash", [SCRIPT, "--detach"], { env, timeout: 15 * 60_000, maxBuffer: 16 << 20 });
    const chain = await setUp(home, rpc, grpc, api);
    chain.stopNode = async () => {
      await run("bash", [SCRIPT, "--stop"], { env, timeout: 30_000 });
    };
    chain.startNode = async () => {
      await run("bash", [SCRIPT, "--detach"], { env, timeout: 5 * 60_000, maxBuffer: 16 << 20 });
    };
    return { chain, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function setUp(home: string, rpc: number, grpc: number, api: number): Promise<Chain> {
  const list = JSON.parse(readFileSync(path.join(home, "accounts.json"), "utf8")) as ChainAccount[];
  const accounts = Object.fromEntries(list.map((a) => [a.name, a]));
  const prefix = fromBech32(list[0]?.address as string, 90).prefix;
  const rpcUrl = `http://127.0.0.1:${rpc}`;
  const registry = makeRegistry();
  const clientFor = async (name: string) => {
    const acct = name === "bridge" ? bridge : accounts[name];
    if (!acct) throw new Error(`no account ${name}`);
    const wallet = await DirectSecp256k1HdWallet.fromMnemonic(acct.mnemonic, { prefix });
    return SigningStargateClient.connectWithSigner(rpcUrl, wallet, { registry });
  };
  const bridgeWallet = await DirectSecp256k1HdWallet.generate(24, { prefix });
  const [bridgeAcct] = await bridgeWallet.getAccounts();
  const bridge: ChainAccount = { name: "bridge", address: bridgeAcct?.address as string, mnemonic: bridgeWallet.mnemonic };
  await fundAndGrant(rpcUrl, accounts, bridge, ["provider", "customer1"], prefix);
  const chain: Chain = {
    home,
    rpcUrl,
    grpcPort: grpc,
    restUrl: `http://127.0.0.1:${api}`,
    accounts,
    prefix,
    bridge,
    query: queryClient(cometClient(rpcUrl)),
    clientFor,
    env: () => ({ VE_CHAIN_RPC: rpcUrl, VE_CHAIN_MNEMONIC: bridge.mnemonic, VE_CHAIN_PREFIX: prefix }),
    stopNode: async () => {},
    startNode: async () => {},
  };
  return chain;
}

/** The localnet for a test file: started in before(), stopped (and its home removed) in after(). */
export function useChain(): { readonly chain: Chain } {
  const holder: { chain?: Chain; stop?: () => Promise<void> } = {};
  before(async () => {
    const started = await startChain();
    holder.chain = started.chain;
    holder.stop = started.stop;
  });
  after(async () => {
    await holder.stop?.();
  });
  return {
    get chain() {
      if (!holder.chain) throw new Error("chain not started yet");
      return holder.chain;
    },
  };
}

export type TestDb = DrizzleD1Database<typeof schema>;

/** An in-memory D1 (Miniflare) with the repo's migrations, driven through drizzle from node. */
export async function startD1(): Promise<{ db: TestDb; d1: D1Database; mf: Miniflare }> {
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response('') } }",
    compatibilityDate: "2025-09-01",
    d1Databases: { DB: "chain-test" },
  });
  await mf.ready;
  const d1 = (await mf.getD1Database("DB")) as unknown as D1Database;
  await applyMigrations(d1);
  return { db: drizzle(d1, { schema }), d1, mf };
}

/** Links a chain account to an API user by signing the wallet-auth challenge (ADR-036). */
export async function linkWallet(api: Api, acct: ChainAccount, prefix: string): Promise<string> {
  const wal = await Secp256k1HdWallet.fromMnemonic(acct.mnemonic, { prefix });
  const ch = await api.expect(201, api.post("/api/wallet-auth/challenge/", { address: acct.address }));
  const signed = await wal.signAmino(acct.address, ch.sign_doc as StdSignDoc);
  const proof = { nonce: ch.nonce, address: acct.address, pub_key: signed.signature.pub_key.value, signature: signed.signature.signature };
  const linked = await api.expect(200, api.post("/api/wallet-auth/link/", proof));
  if (linked.wallet_address !== acct.address) throw new Error(`wallet ${acct.address} not linked`);
  return acct.address;
}

/** Polls `probe` (running `tick` between tries, e.g. the Worker's cron) until it returns something. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, tick: () => Promise<unknown>, timeoutMs = 90_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await tick();
    await new Promise((r) => setTimeout(r, 500));
  }
}
