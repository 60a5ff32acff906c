// Local-mode wiring of the chain bridge against a localnet (chain/scripts/localnet.sh): the bridge
// account (a mnemonic kept in the chain home, funded by genesis-admin) and the x/authz grants
// through which it sends Msgs for the localnet's provider and customers. Test keys of a local
// chain only; a deployment gets VE_CHAIN_MNEMONIC as a Worker secret and users grant themselves.
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { SigningStargateClient } from "@cosmjs/stargate";
import { GenericAuthorization } from "cosmjs-types/cosmos/authz/v1beta1/authz";
import { bridgeMsgTypes, makeRegistry, MsgNominateRole, Role, typeUrlOf } from "../../src/bridge/chain/index.ts";
import { ensureEncryptionKeyRegistered, type RegisteredKey } from "../../src/bridge/chain/identity-keys.ts";
import { exportPrivateKey, generateKeyPair, importPrivateKey } from "../../src/crypto/keys.ts";

export interface LocalAccount {
  name: string;
  address: string;
  mnemonic: string;
}

const FEE = { amount: [{ denom: "uve", amount: "0" }], gas: "2000000" };

export function readAccounts(home: string): Record<string, LocalAccount> {
  const list = JSON.parse(readFileSync(path.join(home, "accounts.json"), "utf8")) as LocalAccount[];
  return Object.fromEntries(list.map((a) => [a.name, a]));
}

/** Waits until the node's RPC reports a committed block; false on timeout. */
export async function waitForNode(rpcUrl: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const r = await fetch(`${rpcUrl}/status`);
      const body = (await r.json()) as { result?: { sync_info?: { latest_block_height?: string } } };
      if (Number(body.result?.sync_info?.latest_block_height ?? 0) >= 1) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  return false;
}

async function clientFor(rpcUrl: string, mnemonic: string, prefix: string) {
  const wallet = await DirectSecp256k1HdWallet.fromMnemonic(mnemonic, { prefix });
  const [acct] = await wallet.getAccounts();
  return { client: await SigningStargateClient.connectWithSigner(rpcUrl, wallet, { registry: makeRegistry() }), address: acct!.address };
}

/** The bridge account of this chain home: made once, kept beside the localnet's own test keys. */
export async function bridgeAccount(home: string, prefix: string): Promise<LocalAccount> {
  const file = path.join(home, "bridge-account.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as LocalAccount;
  const wallet = await DirectSecp256k1HdWallet.generate(24, { prefix });
  const [acct] = await wallet.getAccounts();
  const bridge = { name: "bridge", address: acct!.address, mnemonic: wallet.mnemonic };
  writeFileSync(file, JSON.stringify(bridge), { mode: 0o600 });
  chmodSync(file, 0o600);
  return bridge;
}

/**
 * Funds the bridge from genesis-admin when it has nothing, and has each of `granters` grant it
 * every Msg the bridge sends (GenericAuthorization per type URL; granting again is harmless).
 */
export async function fundAndGrant(rpcUrl: string, accounts: Record<string, LocalAccount>, bridge: LocalAccount, granters: string[], prefix: string): Promise<void> {
  const admin = await clientFor(rpcUrl, accounts["genesis-admin"]!.mnemonic, prefix);
  try {
    const balance = await admin.client.getBalance(bridge.address, "uve");
    if (BigInt(balance.amount) < 100_000_000n) {
      const r = await admin.client.sendTokens(admin.address, bridge.address, [{ denom: "uve", amount: "1000000000" }], FEE);
      if (r.code !== 0) throw new Error(`funding the bridge account failed: ${r.rawLog ?? r.code}`);
    }
  } finally {
    admin.client.disconnect();
  }
  for (const name of granters) {
    const acct = accounts[name];
    if (!acct) throw new Error(`no localnet account ${name}`);
    await grantBridge(rpcUrl, acct, bridge, prefix);
  }
}

/** `acct` grants the bridge every Msg it sends (GenericAuthorization per type URL). */
async function grantBridge(rpcUrl: string, acct: LocalAccount, bridge: LocalAccount, prefix: string): Promise<void> {
  const c = await clientFor(rpcUrl, acct.mnemonic, prefix);
  try {
    const msgs = bridgeMsgTypes.map((t) => ({
      typeUrl: "/cosmos.authz.v1beta1.MsgGrant",
      value: {
        granter: c.address,
        grantee: bridge.address,
        grant: { authorization: { typeUrl: "/cosmos.authz.v1beta1.GenericAuthorization", value: GenericAuthorization.encode({ msg: typeUrlOf(t) }).finish() } },
      },
    }));
    const r = await c.client.signAndBroadcast(c.address, msgs, FEE);
    if (r.code !== 0) throw new Error(`authz grants from ${acct.name} failed: ${r.rawLog ?? r.code}`);
  } finally {
    c.client.disconnect();
  }
}

/**
 * What a new provider wallet needs before the bridge can write its provider record and offerings:
 * VE for its own transactions (10 VE from genesis-admin here), the ServiceProvider role (x/roles:
 * only a GenesisAccount or Administrator nominates it; genesis-admin does on a localnet) and its
 * x/authz grants to the bridge. Makes a fresh wallet when `acct` is not given.
 */
export async function enrollProvider(rpcUrl: string, accounts: Record<string, LocalAccount>, bridge: LocalAccount, prefix: string, acct?: LocalAccount): Promise<LocalAccount> {
  let provider = acct;
  if (!provider) {
    const wallet = await DirectSecp256k1HdWallet.generate(24, { prefix });
    const [a] = await wallet.getAccounts();
    provider = { name: `provider-${a!.address.slice(-6)}`, address: a!.address, mnemonic: wallet.mnemonic };
  }
  const admin = await clientFor(rpcUrl, accounts["genesis-admin"]!.mnemonic, prefix);
  try {
    const msgs = [
      { typeUrl: "/cosmos.bank.v1beta1.MsgSend", value: { fromAddress: admin.address, toAddress: provider.address, amount: [{ denom: "uve", amount: "10000000" }] } },
      { typeUrl: typeUrlOf(MsgNominateRole), value: { authority: admin.address, address: provider.address, role: Role.SERVICE_PROVIDER } },
    ];
    const r = await admin.client.signAndBroadcast(admin.address, msgs, FEE);
    if (r.code !== 0) throw new Error(`enrolling provider ${provider.address} failed: ${r.rawLog ?? r.code}`);
  } finally {
    admin.client.disconnect();
  }
  await grantBridge(rpcUrl, provider, bridge, prefix);
  return provider;
}

/** Where the localnet validator's identity key lives: the X25519 private key, base64url (VE_SCORER_KEY_FILE). */
export const identityKeyFile = (home: string) => path.join(home, "identity-key");

/**
 * The localnet validator's identity key: made once and kept in the chain home (0600, beside the
 * localnet's test mnemonics), and registered on chain in x/roles for the validator's operator
 * account, signed by it. Captures are sealed to bonded validators' registered keys, so without
 * this a local upload would have no identity network to seal to.
 */
export async function ensureLocalValidatorIdentityKey(rpcUrl: string, home: string, accounts: Record<string, LocalAccount>, prefix: string): Promise<RegisteredKey & { file: string }> {
  const validator = accounts.validator;
  if (!validator) throw new Error("the localnet has no validator account");
  const file = identityKeyFile(home);
  let raw: Uint8Array;
  if (existsSync(file)) {
    raw = new Uint8Array(Buffer.from(readFileSync(file, "utf8").trim(), "base64url"));
    if (raw.length !== 32) throw new Error(`${file} does not hold a 32-byte X25519 private key`);
  } else {
    raw = await exportPrivateKey((await generateKeyPair()).privateKey);
    writeFileSync(file, Buffer.from(raw).toString("base64url"), { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  const pair = await importPrivateKey(raw);
  raw.fill(0);
  const r = await ensureEncryptionKeyRegistered({ rpcUrl, mnemonic: validator.mnemonic, publicKey: pair.publicKey, prefix });
  return { ...r, file };
}
