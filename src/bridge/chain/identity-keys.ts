// The identity network's key set, read from chain: the current x/roles encryption key of every
// bonded validator's operator account. ID images and identity scopes are sealed to exactly this
// set, so who can open them follows the staking set rather than a deployment's configuration: a
// validator that unbonds or is jailed stops receiving new captures within one cache period.
//
// Also the one write the identity network needs: a validator registers its key (scorer start,
// local start), signed by its operator account itself, not through the bridge's grants.
import { fromBech32, toBech32 } from "@cosmjs/encoding";
import { QueryClient, setupStakingExtension, SigningStargateClient } from "@cosmjs/stargate";
import { BECH32_PREFIX, cometClient, DENOM, makeRegistry, setupRolesExtension, walletFromMnemonic } from "./client.ts";
import { type EncryptionKey, MsgRegisterEncryptionKey, typeUrlOf } from "./proto.ts";

/** How long a read set is reused: short, so bonding changes reach uploads quickly. */
export const IDENTITY_KEYS_TTL_MS = 30_000;
/** Encryption key queries in flight at once (one per bonded validator). */
const KEY_QUERY_CONCURRENCY = 8;

export interface ChainIdentityKey {
  /** Operator address, <prefix>valoper1…. */
  validator: string;
  /** The operator's account address (same bytes), the owner of the x/roles key. */
  account: string;
  publicKey: Uint8Array<ArrayBuffer>;
  keyVersion: number;
}

/** Something went wrong reading the set: the node is unreachable or answered nonsense. */
export class IdentityKeysError extends Error {}

type StakingQuery = ReturnType<typeof stakingQueryClient>;
const stakingQueryClient = (rpcUrl: string) => QueryClient.withExtensions(cometClient(rpcUrl, { timeoutMs: 10_000, retries: 2 }), setupStakingExtension);

/** Every kept key version of an account (x/roles EncryptionKeys; empty when it registered none). */
export async function encryptionKeysOf(q: QueryClient, address: string): Promise<EncryptionKey[]> {
  return (await setupRolesExtension(q).roles.EncryptionKeys({ address })).keys;
}

/** The newest key version of an account, or null. */
export async function latestEncryptionKey(q: QueryClient, address: string): Promise<EncryptionKey | null> {
  const keys = await encryptionKeysOf(q, address);
  return keys.reduce<EncryptionKey | null>((best, k) => (!best || k.version > best.version ? k : best), null);
}

async function bondedOperators(q: StakingQuery): Promise<string[]> {
  const operators: string[] = [];
  let next: Uint8Array | undefined;
  // A bonded set is bounded by x/staking max_validators; the page cap only guards against a node that never ends.
  for (let page = 0; page < 100; page++) {
    const r = await q.staking.validators("BOND_STATUS_BONDED", next);
    // A jailed validator leaves the bonded set at the end of its block; do not wait for that.
    for (const v of r.validators) if (!v.jailed) operators.push(v.operatorAddress);
    next = r.pagination?.nextKey;
    if (!next?.length) return operators;
  }
  throw new IdentityKeysError("the bonded validator list did not end after 100 pages");
}

async function mapLimited<T, R>(items: T[], limit: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let i = 0;
  const worker = async () => {
    while (i < items.length) {
      const at = i++;
      out[at] = await f(items[at]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Reads the set now (no cache): bonded, unjailed validators whose operator account has a
 * registered X25519 key, each with its newest version. Validators without a key are left out
 * (they cannot open anything); sorted by operator address so the recipients' order is stable.
 */
export async function readIdentityNetworkKeys(rpcUrl: string, prefix = BECH32_PREFIX): Promise<ChainIdentityKey[]> {
  const q = stakingQueryClient(rpcUrl);
  let operators: string[];
  try {
    operators = await bondedOperators(q);
  } catch (e) {
    if (e instanceof IdentityKeysError) throw e;
    throw new IdentityKeysError(`reading the bonded validators from ${rpcUrl} failed: ${(e as Error).message}`);
  }
  const found = await mapLimited(operators, KEY_QUERY_CONCURRENCY, async (validator) => {
    let decoded: ReturnType<typeof fromBech32>;
    try {
      decoded = fromBech32(validator, 90);
    } catch {
      throw new IdentityKeysError(`the chain lists a validator with a malformed operator address (${validator.slice(0, 80)})`);
    }
    if (decoded.prefix !== `${prefix}valoper`) throw new IdentityKeysError(`validator ${validator} is not a ${prefix}valoper1… address`);
    const account = toBech32(prefix, decoded.data);
    let key: EncryptionKey | null;
    try {
      key = await latestEncryptionKey(q, account);
    } catch (e) {
      throw new IdentityKeysError(`reading the encryption key of ${account} failed: ${(e as Error).message}`);
    }
    // The chain checks the length on registration; a short key here would mean a broken node.
    if (key?.publicKey.length !== 32) return null;
    return { validator, account, publicKey: new Uint8Array(key.publicKey), keyVersion: key.version } satisfies ChainIdentityKey;
  });
  return found.filter((k): k is ChainIdentityKey => k !== null).sort((a, b) => (a.validator < b.validator ? -1 : a.validator > b.validator ? 1 : 0));
}

interface Cached {
  at: number;
  value: Promise<ChainIdentityKey[]>;
}
const cache = new Map<string, Cached>();

/**
 * The set, reused for IDENTITY_KEYS_TTL_MS per node and prefix (one isolate serves many uploads;
 * a read costs one staking query plus one x/roles query per validator). A failed read is not
 * kept: the next call asks the node again.
 */
export function identityNetworkKeys(rpcUrl: string, prefix = BECH32_PREFIX, ttlMs = IDENTITY_KEYS_TTL_MS): Promise<ChainIdentityKey[]> {
  const id = `${prefix} ${rpcUrl}`;
  const now = Date.now();
  const hit = cache.get(id);
  if (hit && now - hit.at < ttlMs) return hit.value;
  const value = readIdentityNetworkKeys(rpcUrl, prefix);
  const entry = { at: now, value };
  cache.set(id, entry);
  value.catch(() => {
    if (cache.get(id) === entry) cache.delete(id);
  });
  return value;
}

export interface RegisteredKey {
  /** False when the key was already the account's newest version. */
  registered: boolean;
  version: number;
  account: string;
}

/**
 * Makes `publicKey` the newest x/roles encryption key of the mnemonic's account, unless it already
 * is: registers version (newest + 1), or 1 for an account with none. Signed by the account itself.
 */
export async function ensureEncryptionKeyRegistered(opts: {
  rpcUrl: string;
  mnemonic: string;
  publicKey: Uint8Array;
  prefix?: string;
  /** uve per gas unit (default 0, as on a localnet). */
  gasPriceUve?: number;
}): Promise<RegisteredKey> {
  if (opts.publicKey.length !== 32) throw new RangeError("an X25519 public key is 32 bytes");
  const prefix = opts.prefix ?? BECH32_PREFIX;
  const wallet = await walletFromMnemonic(opts.mnemonic, prefix);
  const [acct] = await wallet.getAccounts();
  const account = acct!.address;
  const comet = cometClient(opts.rpcUrl);
  const latest = await latestEncryptionKey(QueryClient.withExtensions(comet), account);
  if (latest && equalBytes(latest.publicKey, opts.publicKey)) return { registered: false, version: latest.version, account };
  const version = (latest?.version ?? 0) + 1;
  const client = await SigningStargateClient.createWithSigner(comet, wallet, { registry: makeRegistry() });
  const gas = 200_000;
  const fee = { amount: [{ denom: DENOM, amount: String(Math.ceil(gas * (opts.gasPriceUve ?? 0))) }], gas: String(gas) };
  // The Registry (every x/roles Msg is in it) turns the plain value into the Msg.
  const msg = { typeUrl: typeUrlOf(MsgRegisterEncryptionKey), value: { owner: account, publicKey: opts.publicKey, version } };
  const r = await client.signAndBroadcast(account, [msg], fee);
  if (r.code !== 0) throw new Error(`registering the encryption key of ${account} failed: ${r.rawLog ?? `code ${r.code}`}`);
  return { registered: true, version, account };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
