// The one identity score the marketplace acts on (offerings' required_identity_score, issue 7):
// the score the chain agreed on for the user's wallet when a round has been decided, otherwise
// the latest score a validator posted here, otherwise 0 (unscored accounts have no evidence).
import { desc, eq } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { agreedScoreOf, walletOf } from "../../bridge/chain/veid.ts";
import { identityScores } from "../../db/schema/index.ts";

export async function identityScoreOf(db: Db, user: { id: number }): Promise<number> {
  const wallet = await walletOf(db, user.id);
  const agreed = wallet ? await agreedScoreOf(db, wallet) : null;
  if (agreed !== null) return agreed;
  const local = await db
    .select({ score: identityScores.score })
    .from(identityScores)
    .where(eq(identityScores.userId, user.id))
    .orderBy(desc(identityScores.id))
    .get();
  return local?.score ?? 0;
}
