// cosmjs plumbing for the VirtEngine chain: a Registry with our Msgs, the bridge's wallet, the
// CometBFT client (fetch-based, so it runs in workerd) and ABCI query extensions for x/market.
import { isJsonRpcErrorResponse, type JsonRpcRequest, type JsonRpcSuccessResponse, parseJsonRpcResponse } from "@cosmjs/json-rpc";
import { DirectSecp256k1Wallet, type EncodeObject, type GeneratedType, Registry } from "@cosmjs/proto-signing";
import { createProtobufRpcClient, defaultRegistryTypes, QueryClient, setupAuthExtension, setupBankExtension } from "@cosmjs/stargate";
import { Comet38Client, type RpcClient } from "@cosmjs/tendermint-rpc";
import { MsgExec } from "cosmjs-types/cosmos/authz/v1beta1/tx";
import { type Bid, chainMsgTypes, type Lease, MarketQueryClient, type Offering, type Order, RolesQueryClient, typeUrlOf, type UsageRecord } from "./proto.ts";

/** Account prefix of the chain (chain/app/params): virtengine1…, the same the wallet login checks. */
import { BECH32_PREFIX } from "../../wallet/adr036.ts";
import { signingKeyFromMnemonic } from "../../wallet/mnemonic.ts";
export { BECH32_PREFIX };
export const DENOM = "uve";
export const MSG_EXEC_TYPE_URL = "/cosmos.authz.v1beta1.MsgExec";

export function makeRegistry(): Registry {
  const types: [string, GeneratedType][] = [...defaultRegistryTypes];
  for (const t of chainMsgTypes) types.push([typeUrlOf(t), t as GeneratedType]);
  return new Registry(types);
}

/**
 * The signer for a mnemonic, with its key derived once. (cosmjs's HD wallet derives the key again
 * on every signature: ~13 ms a tx against ~1.4 ms for this one, which caps a sender at ~70 tx/s.)
 */
export async function walletFromMnemonic(mnemonic: string, prefix = BECH32_PREFIX): Promise<DirectSecp256k1Wallet> {
  const key = await signingKeyFromMnemonic(mnemonic, prefix);
  if (!key.ok) throw new Error(`bridge mnemonic: ${key.error}`);
  return DirectSecp256k1Wallet.fromKey(key.value.privkey, prefix);
}

/** Errors that mean the request never got an answer (the connection failed or was closed under it). */
function isConnectionError(e: unknown): boolean {
  if (!(e instanceof Error) || e.name === "AbortError" || e.name === "TimeoutError") return false;
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const text = `${e.message} ${cause?.code ?? ""} ${cause?.message ?? ""}`;
  return e instanceof TypeError || /other side closed|ECONNRESET|EPIPE|UND_ERR_SOCKET|socket hang up|connection (lost|reset)/i.test(text);
}

export interface CometHttpOptions {
  /** Requests in flight at once (default 8); more wait their turn. */
  maxInFlight?: number;
  /** Attempts after a connection error (default 3). */
  retries?: number;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

/**
 * JSON-RPC over fetch to CometBFT with a bounded number of requests in flight, retrying requests
 * whose connection failed. The retry matters: the node closes idle keep-alive connections, and a
 * client whose event loop was busy (signing a batch) only learns of it when it reuses one — fetch
 * then fails with "other side closed" although the node never saw the request. Every call the
 * bridge makes is safe to repeat (queries; a repeated broadcast of the same bytes is refused as
 * "already in cache", which the sender counts as accepted).
 */
export class CometHttpClient implements RpcClient {
  private inFlight = 0;
  private readonly queue: (() => void)[] = [];
  private readonly opts: Required<CometHttpOptions>;

  constructor(
    readonly url: string,
    opts: CometHttpOptions = {},
  ) {
    if (!/^https?:\/\//.test(url)) throw new Error(`CometBFT RPC URL must be http(s)://… (got ${url})`);
    this.opts = { maxInFlight: 8, retries: 3, timeoutMs: 30_000, ...opts };
  }

  disconnect(): void {}

  async execute(request: JsonRpcRequest): Promise<JsonRpcSuccessResponse> {
    await this.acquire();
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.once(request);
        } catch (e) {
          if (attempt >= this.opts.retries || !isConnectionError(e)) throw e;
          await new Promise((r) => setTimeout(r, 25 * 4 ** attempt));
        }
      }
    } finally {
      this.release();
    }
  }

  private async once(request: JsonRpcRequest): Promise<JsonRpcSuccessResponse> {
    const res = await fetch(this.url, {
      method: "POST",
      body: JSON.stringify(request),
      headers: { "Content-Type": "application/json" },
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`CometBFT RPC ${request.method}: HTTP ${res.status}: ${text.slice(0, 300)}`);
    }
    // Errors come as JSON-RPC errors (with HTTP 500 for some); their data says what went wrong.
    const response = parseJsonRpcResponse(body);
    if (isJsonRpcErrorResponse(response)) throw new Error(JSON.stringify(response.error));
    return response;
  }

  private acquire(): Promise<void> {
    if (this.inFlight < this.opts.maxInFlight) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.inFlight--;
  }
}

/** A CometBFT 0.38 client over fetch (no status probe, no websockets; see subscribe.ts for events). */
export function cometClient(rpcUrl: string, opts?: CometHttpOptions): Comet38Client {
  return Comet38Client.create(new CometHttpClient(rpcUrl, opts));
}

/**
 * Wraps a Msg for `grantee` when it is signed for someone else: the edge API acts through x/authz
 * grants (GenericAuthorization for the Msg's type URL, granted by `signer` to the bridge account).
 */
export function asGrantee(msg: EncodeObject, signer: string, grantee: string, registry: Registry): EncodeObject {
  if (signer === grantee) return msg;
  return {
    typeUrl: MSG_EXEC_TYPE_URL,
    value: MsgExec.fromPartial({ grantee, msgs: [{ typeUrl: msg.typeUrl, value: registry.encode(msg) }] }),
  };
}

/** A non-nullable (gogoproto) field of a query response: the chain always sets it, so absence is a broken node. */
function present<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`chain query returned no ${what}`);
  return value;
}

export interface MarketQueryExtension {
  readonly market: {
    order(id: bigint): Promise<Order>;
    offering(id: bigint): Promise<Offering>;
    lease(orderId: bigint): Promise<Lease>;
    usage(orderId: bigint): Promise<UsageRecord[]>;
    bids(orderId: bigint): Promise<Bid[]>;
  };
}

/** x/market over ABCI through the ts-proto query client generated from query.proto. */
export function setupMarketExtension(base: QueryClient): MarketQueryExtension {
  const q = new MarketQueryClient(createProtobufRpcClient(base));
  return {
    market: {
      order: async (id) => present((await q.Order({ id })).order, "order"),
      offering: async (id) => present((await q.Offering({ id })).offering, "offering"),
      lease: async (orderId) => present((await q.Lease({ orderId })).lease, "lease"),
      usage: async (orderId) => (await q.Usage({ orderId })).records,
      bids: async (orderId) => (await q.Bids({ orderId })).bids,
    },
  };
}

export interface RolesQueryExtension {
  readonly roles: RolesQueryClient;
}

/** x/roles over ABCI: encryption keys, account states and roles, as generated from query.proto. */
export function setupRolesExtension(base: QueryClient): RolesQueryExtension {
  return { roles: new RolesQueryClient(createProtobufRpcClient(base)) };
}

/** ABCI query client with auth, bank, x/market and x/roles. */
export function queryClient(comet: Comet38Client) {
  return QueryClient.withExtensions(comet, setupAuthExtension, setupBankExtension, setupMarketExtension, setupRolesExtension);
}
export type ChainQueryClient = ReturnType<typeof queryClient>;
