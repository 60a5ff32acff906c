// An account asks for a new score round (MsgRequestScore through its x/authz grant). Rounds open
// by themselves when a scope changes; this is the way out when the last round expired without
// attestations or finished and the account wants to be scored again without changing a scope.
// Refused, with the reason, when the chain would refuse it anyway: no wallet, no scope on chain, a
// round already open, or a request still on its way. The chain's one-open-round rule bounds how
// often an account can make the validators score it (at most once per attestation window).
import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import type { User } from "../../auth/session.ts";
import { VEID_KINDS, veidRecords, walletOf } from "../../bridge/chain/veid.ts";
import { outboxInsertWhen } from "../../bridge/chain/outbox.ts";
import { chainOutbox, chainVeidRounds } from "../../db/schema/index.ts";
import { ApiError, conflict, fieldError } from "../../http/errors.ts";

const openRound = (wallet: string) => and(eq(chainVeidRounds.account, wallet), eq(chainVeidRounds.state, "open"));

const waitingRequest = (wallet: string) =>
  and(eq(chainOutbox.signer, wallet), eq(chainOutbox.kind, VEID_KINDS.requested), inArray(chainOutbox.state, ["pending", "signed"]));

/** A scope committed (or on its way) for the wallet and not withdrawn since. */
const liveScope = (wallet: string) => sql`exists (
  select 1 from ${chainOutbox} s where s.signer = ${wallet} and s.kind = ${VEID_KINDS.submitted} and s.state != 'failed'
    and not exists (select 1 from ${chainOutbox} r where r.ref = s.ref and r.kind = ${VEID_KINDS.revoked} and r.state != 'failed'))`;

export interface ScoreRequest {
  wallet_address: string;
  ref: string;
  state: string;
  created: string;
}

export async function requestScore(db: Db, env: { VE_CHAIN_RPC?: string }, me: User): Promise<ScoreRequest> {
  if (!env.VE_CHAIN_RPC) throw new ApiError(503, { detail: "No chain is connected: score rounds cannot be requested." });
  const wallet = await walletOf(db, me.id);
  if (!wallet) throw fieldError("wallet_address", "Link a wallet (POST /api/wallet-auth/link/) before requesting a score: the score is kept on chain for the wallet.");
  const round = await db.select({ id: chainVeidRounds.roundId, deadline: chainVeidRounds.deadline }).from(chainVeidRounds).where(openRound(wallet)).get();
  if (round) throw conflict(`Score round ${round.id} is still open (deadline at height ${round.deadline}); request again once it is decided or expired.`);
  if (await db.select({ id: chainOutbox.id }).from(chainOutbox).where(waitingRequest(wallet)).get()) {
    throw conflict("A score request for this account is already on its way to the chain.");
  }
  const scoped = await db.get<{ ok: number }>(sql`select ${liveScope(wallet)} as ok`);
  if (!scoped?.ok) throw conflict("No identity scope of this account is on chain: verify a scope (email, phone, TOTP, SSO, domain or a capture) first.");
  // The checks again inside the insert: two concurrent requests write one row.
  const uuid = crypto.randomUUID();
  const ref = crypto.randomUUID();
  const guard = sql`not exists (select 1 from ${chainOutbox} where ${waitingRequest(wallet)}) and not exists (select 1 from ${chainVeidRounds} where ${openRound(wallet)})` as SQL;
  await db.batch([outboxInsertWhen(db, veidRecords.scoreRequested({ owner: wallet, ref }), guard, { uuid })]);
  const row = await db.select().from(chainOutbox).where(eq(chainOutbox.uuid, uuid)).get();
  if (!row) throw conflict("A score request for this account is already on its way to the chain.");
  return { wallet_address: wallet, ref, state: row.state, created: row.created };
}
