// The chain as the portal's administrator screens need it, when the browser cannot reach the
// node's RPC itself (CometBFT serves no CORS headers, and the RPC is often private):
//   GET  /api/chain/info/                 chain id and address prefix to sign for
//   GET  /api/chain/accounts/{address}/   account number and sequence (to sign), roles and state (x/roles)
//   GET  /api/chain/role-members/?role=   who holds a role, paged by the chain's own offset pagination
//   POST /api/chain/broadcast/            a transaction the caller signed in the browser, relayed unchanged
// The API holds no user's key here: it relays signed bytes and reads public chain state. It relays
// only x/roles administration (nominate, revoke, account state), so it is not an open relay, and a
// caller who is not staff may relay only what their own linked wallet signed as authority.
import { fromBase64, fromBech32, toHex } from "@cosmjs/encoding";
import { accountFromAny } from "@cosmjs/stargate";
import { TxBody, TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import type { Context, Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireUser, type User } from "../auth/session.ts";
import { BECH32_PREFIX, cometClient, queryClient } from "../bridge/chain/client.ts";
import { AccountState, MsgNominateRole, MsgRevokeRole, MsgSetAccountState, Role, typeUrlOf } from "../bridge/chain/proto.ts";
import { ApiError, fieldError, permissionDenied } from "../http/errors.ts";
import { pageOf } from "../http/list.ts";
import { body, v } from "../http/validate.ts";

const RELAYED = new Map<string, { decode(b: Uint8Array): { authority: string } }>([
  [typeUrlOf(MsgNominateRole), MsgNominateRole],
  [typeUrlOf(MsgRevokeRole), MsgRevokeRole],
  [typeUrlOf(MsgSetAccountState), MsgSetAccountState],
]);
/** A signed admin tx is a few hundred bytes; this bounds what a caller can make the node decode. */
const MAX_TX_BYTES = 16 * 1024;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const ROLE_NAMES = Object.keys(Role).filter((k) => Number.isNaN(Number(k)) && k !== "UNSPECIFIED" && k !== "UNRECOGNIZED");
const roleName = (r: number) => Role[r] ?? String(r);
const stateName = (s: number) => (s === AccountState.UNSPECIFIED ? "ACTIVE" : (AccountState[s] ?? String(s)));

const unavailable = () => new ApiError(503, { detail: "No chain is configured for this deployment (VE_CHAIN_RPC)." });

function rpcOf(c: Context<AppEnv>): string {
  const rpc = typeof c.env.VE_CHAIN_RPC === "string" ? c.env.VE_CHAIN_RPC.trim() : "";
  if (!rpc) throw unavailable();
  return rpc;
}
const prefixOf = (c: Context<AppEnv>) =>
  typeof c.env.VE_CHAIN_PREFIX === "string" && c.env.VE_CHAIN_PREFIX ? c.env.VE_CHAIN_PREFIX : BECH32_PREFIX;

/** Staff, or a user who signed in with (or linked) a wallet: the only callers these routes serve. */
function chainCaller(c: Context<AppEnv>): User {
  const me = requireUser(c.var.user);
  if (!me.isStaff && !me.walletAddress) throw permissionDenied();
  return me;
}

function checkAddress(c: Context<AppEnv>, field: string, value: string): string {
  try {
    const { prefix } = fromBech32(value, 90);
    if (prefix === prefixOf(c)) return value;
  } catch {
    // reported below
  }
  throw fieldError(field, `Enter a valid ${prefixOf(c)}1… address.`);
}

const client = (c: Context<AppEnv>) => cometClient(rpcOf(c), { timeoutMs: 10_000, retries: 1 });
const isNotFound = (e: unknown) => /not found|NotFound|code = 5\b/i.test((e as Error).message ?? "");

const broadcastSchema = v.object({
  tx_bytes: v.pipe(
    v.string("This field is required."),
    v.nonEmpty("This field may not be blank."),
    v.maxLength(Math.ceil((MAX_TX_BYTES * 4) / 3) + 4, `Ensure the transaction is at most ${MAX_TX_BYTES} bytes.`),
    v.regex(BASE64, "Enter the signed TxRaw as standard base64."),
  ),
});

/** Decodes and checks a signed TxRaw: well-formed, signed, and made only of relayed Msgs. */
function checkTx(bytes: Uint8Array, me: User): { authorities: string[] } {
  let body: TxBody;
  let raw: TxRaw;
  try {
    raw = TxRaw.decode(bytes);
    body = TxBody.decode(raw.bodyBytes);
  } catch {
    throw fieldError("tx_bytes", "Not a protobuf-encoded TxRaw.");
  }
  if (!raw.signatures.length || raw.signatures.some((s) => s.length === 0)) throw fieldError("tx_bytes", "The transaction is not signed.");
  if (!raw.authInfoBytes.length) throw fieldError("tx_bytes", "The transaction has no auth info.");
  if (!body.messages.length) throw fieldError("tx_bytes", "The transaction has no messages.");
  const authorities: string[] = [];
  for (const m of body.messages) {
    const codec = RELAYED.get(m.typeUrl);
    if (!codec) throw fieldError("tx_bytes", `${m.typeUrl} is not relayed here: only x/roles nominations, revocations and account states.`);
    try {
      authorities.push(codec.decode(m.value).authority);
    } catch {
      throw fieldError("tx_bytes", `${m.typeUrl} does not decode.`);
    }
  }
  if (!me.isStaff && authorities.some((a) => a !== me.walletAddress))
    throw fieldError("tx_bytes", "Only transactions whose authority is your linked wallet are relayed for you.");
  return { authorities };
}

export function mountChainBroadcast(app: Hono<AppEnv>) {
  app.get("/api/chain/info/", async (c) => {
    chainCaller(c);
    const comet = await client(c);
    try {
      const st = await comet.status();
      return c.json({ chain_id: st.nodeInfo.network, prefix: prefixOf(c), height: st.syncInfo.latestBlockHeight, roles: ROLE_NAMES });
    } finally {
      comet.disconnect();
    }
  });

  app.get("/api/chain/accounts/:address/", async (c) => {
    chainCaller(c);
    const address = checkAddress(c, "address", c.req.param("address"));
    const comet = await client(c);
    try {
      const q = queryClient(comet);
      const [acct, roles, state] = await Promise.all([
        q.auth.account(address).catch((e) => {
          if (isNotFound(e)) return null; // an address the chain has never seen
          throw e;
        }),
        q.roles.AccountRoles({ address }),
        q.roles.AccountState({ address }).catch((e) => {
          if (isNotFound(e)) return null; // plainly active accounts keep no status record
          throw e;
        }),
      ]);
      const parsed = acct ? accountFromAny(acct) : null;
      const status = state?.status;
      return c.json({
        address,
        exists: !!parsed,
        account_number: parsed ? String(parsed.accountNumber) : null,
        sequence: parsed ? String(parsed.sequence) : null,
        roles: roles.roles.map((r) => ({ role: roleName(r.role), granted_by: r.grantedBy, granted_at_height: Number(r.grantedAtHeight) })),
        state: stateName(status?.state ?? roles.state),
        reason: status?.reason ?? "",
        updated_by: status?.updatedBy ?? "",
        updated_at_height: status ? Number(status.updatedAtHeight) : null,
      });
    } finally {
      comet.disconnect();
    }
  });

  app.get("/api/chain/role-members/", async (c) => {
    chainCaller(c);
    const name = c.req.query("role") ?? "";
    if (!ROLE_NAMES.includes(name)) throw fieldError("role", `Select a valid choice. ${name || "(empty)"} is not one of the available choices.`);
    const p = pageOf(c);
    const comet = await client(c);
    try {
      const q = queryClient(comet);
      const r = await q.roles.RoleMembers({
        role: Role[name as keyof typeof Role] as Role,
        pagination: { key: new Uint8Array(), offset: BigInt(p.offset), limit: BigInt(p.size), countTotal: true, reverse: false },
      });
      c.header("X-Result-Count", String(r.pagination?.total ?? r.members.length));
      c.header("Access-Control-Expose-Headers", "X-Result-Count");
      return c.json(
        r.members.map((m) => ({ uuid: m.address, address: m.address, role: roleName(m.role), granted_by: m.grantedBy, granted_at_height: Number(m.grantedAtHeight) })),
      );
    } finally {
      comet.disconnect();
    }
  });

  app.post("/api/chain/broadcast/", async (c) => {
    const me = chainCaller(c);
    const b = await body(c, broadcastSchema);
    let bytes: Uint8Array;
    try {
      bytes = fromBase64(b.tx_bytes);
    } catch {
      throw fieldError("tx_bytes", "Enter the signed TxRaw as standard base64.");
    }
    if (bytes.length > MAX_TX_BYTES) throw fieldError("tx_bytes", `Ensure the transaction is at most ${MAX_TX_BYTES} bytes.`);
    checkTx(bytes, me);
    const comet = await client(c);
    try {
      const sent = await comet.broadcastTxSync({ tx: bytes });
      const txhash = toHex(sent.hash).toUpperCase();
      if (sent.code !== 0) {
        // Refused at CheckTx (bad signature, wrong sequence, suspended signer…): the chain's words.
        return c.json({ detail: sent.log || `Refused by the chain (code ${sent.code}).`, txhash, height: null, code: sent.code, codespace: sent.codespace ?? "", raw_log: sent.log ?? "" }, 400);
      }
      // Wait (briefly) for the block, so the caller learns whether the Msgs ran, not only that they queued.
      for (let i = 0; i < 40; i++) {
        await new Promise((r) => setTimeout(r, 500));
        const found = await comet.tx({ hash: sent.hash }).catch(() => null);
        if (found) {
          const status = found.result.code === 0 ? 200 : 400;
          const detail = found.result.code === 0 ? "Included in a block." : found.result.log || `Failed on chain (code ${found.result.code}).`;
          return c.json(
            { detail, txhash, height: found.height, code: found.result.code, codespace: found.result.codespace ?? "", raw_log: found.result.log ?? "" },
            status,
          );
        }
      }
      return c.json({ txhash, height: null, code: 0, codespace: "", raw_log: "Accepted into the mempool; not yet in a block." }, 202);
    } finally {
      comet.disconnect();
    }
  });
}
