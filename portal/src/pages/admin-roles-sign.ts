// Signing x/roles administration in the browser (loaded only when an administrator signs): the key
// comes from the recovery phrase typed on the page and is wiped after the one signature; the Msg is
// encoded with the codecs generated from chain/proto; the API relays the signed bytes unchanged.
import { toBase64 } from "@cosmjs/encoding";
import { DirectSecp256k1Wallet, type GeneratedType, Registry } from "@cosmjs/proto-signing";
import { SigningStargateClient } from "@cosmjs/stargate";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { AccountState, MsgNominateRole, MsgRevokeRole, MsgSetAccountState, Role } from "../../../src/bridge/chain/proto.ts";
import { signingKeyFromMnemonic } from "../../../src/wallet/mnemonic.ts";
import { ApiFailure, get, post } from "../api/client.ts";
import { s } from "../i18n/en.ts";

export interface ChainInfo {
  chain_id: string;
  prefix: string;
  height: number;
  roles: string[];
}

export type AdminAction =
  | { kind: "nominate" | "revoke"; address: string; role: string }
  | { kind: "state"; address: string; state: "ACTIVE" | "SUSPENDED"; reason: string };

export interface BroadcastResult {
  txhash: string;
  height: number | null;
  code: number;
  raw_log: string;
}

const CODECS = [MsgNominateRole, MsgRevokeRole, MsgSetAccountState];
/** Admin Msgs are small and the chain's own fees are what the deployment sets; gas is a fixed bound. */
const FEE = { amount: [], gas: "300000" };

function msgFor(authority: string, a: AdminAction) {
  if (a.kind === "state") {
    return {
      typeUrl: `/${MsgSetAccountState.$type}`,
      value: MsgSetAccountState.fromPartial({ authority, address: a.address, state: AccountState[a.state], reason: a.reason }),
    };
  }
  const role = Role[a.role as keyof typeof Role];
  if (typeof role !== "number") throw new ApiFailure(400, { role: [s.adminRoles.roleInvalid] }, []);
  const codec = a.kind === "nominate" ? MsgNominateRole : MsgRevokeRole;
  return { typeUrl: `/${codec.$type}`, value: codec.fromPartial({ authority, address: a.address, role }) };
}

export async function signAndBroadcast(chain: ChainInfo, mnemonic: string, action: AdminAction): Promise<BroadcastResult> {
  const key = await signingKeyFromMnemonic(mnemonic, chain.prefix);
  if (!key.ok) throw new ApiFailure(400, { mnemonic: [key.error] }, []);
  const { address: signer, privkey } = key.value;
  try {
    const acct = await get<{ exists: boolean; account_number: string | null; sequence: string | null }>(
      "/api/chain/accounts/{address}/",
      { address: signer },
    );
    if (!acct.exists || acct.account_number === null || acct.sequence === null)
      throw new ApiFailure(400, { mnemonic: [s.adminRoles.noAccount(signer)] }, []);
    const wallet = await DirectSecp256k1Wallet.fromKey(privkey, chain.prefix);
    const registry = new Registry(CODECS.map((c) => [`/${c.$type}`, c as unknown as GeneratedType]));
    const client = await SigningStargateClient.offline(wallet, { registry });
    const raw = await client.sign(signer, [msgFor(signer, action)], FEE, "", {
      accountNumber: BigInt(acct.account_number),
      sequence: Number(acct.sequence),
      chainId: chain.chain_id,
    });
    return await post<BroadcastResult>("/api/chain/broadcast/", undefined, { tx_bytes: toBase64(TxRaw.encode(raw).finish()) });
  } finally {
    privkey.fill(0);
  }
}
