// /api/identity/score/…: the identity score the chain agreed on (x/veid, mirrored by the indexer),
// and for the validators' scorers the open rounds they may attest.
//   GET /api/identity/score/         the caller's agreed score, latest round, round history and, until
//                                    a round has been decided, the latest score a validator posted here
//   GET /api/identity/score/rounds/  (identity validators) open rounds with the caller's own latest
//                                    score for each account, so its scorer can attest it on chain
//   POST /api/identity/score/request/ a new score round for the caller's wallet (after a round was
//                                    decided or expired), sent to the chain right after the response
// Both account views index new chain blocks first on a short budget (scoring/chain-fresh.ts), so an
// agreed score shows without waiting for the cron's indexer.
import { and, desc, eq, inArray, sql } from "drizzle-orm";
import type { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";
import { requireUser } from "../auth/session.ts";
import { refusedAsOpen, roundsOf, veidOutboxFor, VEID_KINDS } from "../bridge/chain/veid.ts";
import { chainOffchain, chainVeidRounds, chainVeidScores, identityScores, users } from "../db/schema/index.ts";
import { identityEnv } from "../identity/scopes/common.ts";
import { callerValidator } from "../identity/scoring/attestations.ts";
import { indexBeforeRead } from "../identity/scoring/chain-fresh.ts";
import { requestScore } from "../identity/scoring/request.ts";

type Round = typeof chainVeidRounds.$inferSelect;

const serializeRound = (r: Round) => ({
  round_id: r.roundId,
  chain_id: r.chainId,
  state: r.state,
  score: r.score,
  disputed: r.disputed,
  attesters: r.attesters,
  deadline: r.deadline,
  opened_height: r.openedHeight,
  height: r.height,
});

export function mountIdentityScore(app: Hono<AppEnv>) {
  app.get("/api/identity/score/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const wallet = (await db.select({ a: users.walletAddress }).from(users).where(eq(users.id, me.id)).get())?.a ?? null;
    const local = await db.select().from(identityScores).where(eq(identityScores.userId, me.id)).orderBy(desc(identityScores.id)).get();
    const pendingScore = local ? { score: local.score, pipeline_version: local.pipelineVersion, pipeline_hash: local.pipelineHash, created: local.created } : null;
    if (!wallet) {
      const notes = await db
        .select({ reason: chainOffchain.reason })
        .from(chainOffchain)
        .where(and(eq(chainOffchain.kind, VEID_KINDS.submitted), sql`${chainOffchain.ref} in (select uuid from identity_scopes where user_id = ${me.id} union select uuid from identity_captures where user_id = ${me.id})`))
        .limit(1)
        .all();
      return c.json({ wallet_address: null, chain_state: "off-chain", offchain_reason: notes[0]?.reason ?? "no_customer_wallet", score: null, round: null, history: [], requests: [], pending_score: pendingScore });
    }
    await indexBeforeRead(c.env, db);
    const [agreed, rounds, requests] = await Promise.all([
      db.select().from(chainVeidScores).where(eq(chainVeidScores.account, wallet)).orderBy(desc(chainVeidScores.height)).get(),
      roundsOf(db, wallet),
      veidOutboxFor(db, wallet),
    ]);
    const decided = rounds.some((r) => r.state === "finalized" || r.state === "finalized_at_deadline");
    return c.json({
      wallet_address: wallet,
      chain_state: agreed ? "on-chain" : requests.length || rounds.length ? "pending" : "none",
      score: agreed
        ? { score: agreed.score, round_id: agreed.roundId, how: agreed.how, attesters: agreed.attesters, disputed: agreed.disputed, height: agreed.height, chain_id: agreed.chainId }
        : null,
      round: rounds[0] ? serializeRound(rounds[0]) : null,
      history: rounds.map(serializeRound),
      // The x/veid records sent for this account; a request refused because a round was already open is expected.
      requests: requests.map((r) => ({
        kind: r.kind,
        ref: r.ref,
        state: refusedAsOpen(r) ? "round_already_open" : r.state,
        ...(r.state === "failed" && !refusedAsOpen(r) ? { chain_log: (r.chainLog ?? "").slice(0, 300) } : {}),
        created: r.created,
      })),
      pending_score: decided ? null : pendingScore,
    });
  });

  app.post("/api/identity/score/request/", async (c) => {
    const me = requireUser(c.var.user);
    await indexBeforeRead(c.env, c.var.db);
    return c.json(await requestScore(c.var.db, c.env, me), 202);
  });

  app.get("/api/identity/score/rounds/", async (c) => {
    const me = requireUser(c.var.user);
    const db = c.var.db;
    const validator = await callerValidator(db, identityEnv(c.env), me);
    const open = await db
      .select({ r: chainVeidRounds, user: users.uuid, userId: users.id })
      .from(chainVeidRounds)
      .leftJoin(users, eq(users.walletAddress, chainVeidRounds.account))
      .where(eq(chainVeidRounds.state, "open"))
      .orderBy(chainVeidRounds.roundId)
      .limit(200)
      .all();
    const ids = open.flatMap((o) => (o.userId === null ? [] : [o.userId]));
    const mine = ids.length
      ? await db
          .select({ userId: identityScores.userId, score: identityScores.score, hash: identityScores.pipelineHash, version: identityScores.pipelineVersion, id: identityScores.id })
          .from(identityScores)
          .where(and(eq(identityScores.validatorKeyId, validator.keyId), inArray(identityScores.userId, ids)))
          .orderBy(desc(identityScores.id))
          .all()
      : [];
    const latest = new Map<number, (typeof mine)[number]>();
    for (const s of mine) if (!latest.has(s.userId)) latest.set(s.userId, s);
    return c.json(
      open.map((o) => {
        const s = o.userId === null ? undefined : latest.get(o.userId);
        return {
          round_id: o.r.roundId,
          chain_id: o.r.chainId,
          account: o.r.account,
          user: o.user,
          deadline: o.r.deadline,
          score: s ? { score: s.score, pipeline_version: s.version, pipeline_hash: s.hash } : null,
        };
      }),
    );
  });
}
