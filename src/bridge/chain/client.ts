// cosmjs plumbing for the VirtEngine chain: a Registry with our Msgs, the bridge's wallet, the
// CometBFT client (fetch-based, so it runs in workerd) and ABCI query extensions for x/market.
import { type EncodeObject, type GeneratedType, Registry, DirectSecp256k1HdWallet } from "@cosmjs/proto-signing";
import { createProtobufRpcClient, defaultRegistryTypes, QueryClient, setupAuthExtension, setupBankExtension } from "@cosmjs/stargate";
import { Comet38Client, HttpClient } from "@cosmjs/tendermint-rpc";
import { MsgExec } from "cosmjs-types/cosmos/authz/v1beta1/tx";
import {
  bridgeMsgTypes,
  type Lease,
  type Offering,
  type Order,
  QueryIdRequest,
  QueryLeaseResponse,
  QueryOfferingResponse,
  QueryOrderIdRequest,
  QueryOrderResponse,
  QueryUsageResponse,
  type UsageRecord,
} from "./proto.ts";

/** Account prefix of the chain (chain/app/params): virtengine1…, the same the wallet login checks. */
import { BECH32_PREFIX } from "../../wallet/adr036.ts";
export { BECH32_PREFIX };
export const DENOM = "uve";
export const MSG_EXEC_TYPE_URL = "/cosmos.authz.v1beta1.MsgExec";

export function makeRegistry(): Registry {
  const types: [string, GeneratedType][] = [...defaultRegistryTypes];
  for (const t of bridgeMsgTypes) types.push([t.typeUrl as string, t as unknown as GeneratedType]);
  return new Registry(types);
}

export function walletFromMnemonic(mnemonic: string, prefix = BECH32_PREFIX): Promise<DirectSecp256k1HdWallet> {
  return DirectSecp256k1HdWallet.fromMnemonic(mnemonic.trim(), { prefix });
}

/** A CometBFT 0.38 client over fetch (no status probe, no websockets). */
export function cometClient(rpcUrl: string): Comet38Client {
  return Comet38Client.create(new HttpClient(rpcUrl));
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

export interface MarketQueryExtension {
  readonly market: {
    order(id: bigint): Promise<Order>;
    offering(id: bigint): Promise<Offering>;
    lease(orderId: bigint): Promise<Lease>;
    usage(orderId: bigint): Promise<UsageRecord[]>;
  };
}

export function setupMarketExtension(base: QueryClient): MarketQueryExtension {
  const rpc = createProtobufRpcClient(base);
  const svc = "virtengine.market.v1.Query";
  return {
    market: {
      order: async (id) => QueryOrderResponse.decode(await rpc.request(svc, "Order", QueryIdRequest.encode({ id }).finish())).order,
      offering: async (id) =>
        QueryOfferingResponse.decode(await rpc.request(svc, "Offering", QueryIdRequest.encode({ id }).finish())).offering,
      lease: async (orderId) =>
        QueryLeaseResponse.decode(await rpc.request(svc, "Lease", QueryOrderIdRequest.encode({ orderId }).finish())).lease,
      usage: async (orderId) =>
        QueryUsageResponse.decode(await rpc.request(svc, "Usage", QueryOrderIdRequest.encode({ orderId }).finish())).records,
    },
  };
}

/** ABCI query client with auth, bank and x/market. */
export function queryClient(comet: Comet38Client) {
  return QueryClient.withExtensions(comet, setupAuthExtension, setupBankExtension, setupMarketExtension);
}
export type ChainQueryClient = ReturnType<typeof queryClient>;
