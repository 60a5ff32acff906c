// The scorer's chain step: for every open x/veid round the edge lists (GET /api/identity/score/rounds/,
// mirrored by the indexer) it attests its own latest score of that account on chain, MsgAttestScore
// signed by the validator's operator account with model_hash = the scoring pipeline's hash, which
// governance must have approved (x/veid params.approved_pipelines). Before signing it reads the round
// from the chain itself: a round that is no longer open, or that this validator already attested,
// is skipped. A refusal by the chain is reported with its code and log; the loop goes on.
import { fromBech32, fromHex, toBech32 } from "@cosmjs/encoding";
import { createProtobufRpcClient, QueryClient, SigningStargateClient } from "@cosmjs/stargate";
import { BECH32_PREFIX, cometClient, DENOM, makeRegistry, walletFromMnemonic } from "../../bridge/chain/client.ts";
import { RoundState } from "../../bridge/chain/gen/virtengine/veid/v1/veid.ts";
import { VeidQueryClient } from "../../bridge/chain/proto.ts";
import { unhex } from "../../crypto/bytes.ts";
import { pipelineVersion } from "./pipeline.ts";

export const MSG_ATTEST_SCORE = "/virtengine.veid.v1.MsgAttestScore";

export interface ChainAttestConfig {
  apiUrl: string;
  token: string;
  rpcUrl: string;
  /** The validator operator account's mnemonic (its account is the valoper's account). */
  mnemonic: string;
  prefix?: string;
  gasPriceUve?: number;
  log?: (line: string) => void;
  /** The pipeline hash to attest with (hex); default pipelineVersion().hash. */
  modelHash?: string;
}

export interface AttestReport {
  attested: { round: number; account: string; score: number; finalized: boolean }[];
  skipped: { round: number; reason: string }[];
  refused: { round: number; codespace: string; code: number; log: string }[];
}

interface OpenRound {
  round_id: number;
  account: string;
  score: { score: number; pipeline_version: string; pipeline_hash: string } | null;
}

/** A signer for the operator account, with the x/veid query client. */
export async function operatorSigner(rpcUrl: string, mnemonic: string, prefix = BECH32_PREFIX) {
  const wallet = await walletFromMnemonic(mnemonic, prefix);
  const [acct] = await wallet.getAccounts();
  const comet = cometClient(rpcUrl);
  const client = await SigningStargateClient.createWithSigner(comet, wallet, { registry: makeRegistry() });
  const veid = new VeidQueryClient(createProtobufRpcClient(new QueryClient(comet)));
  const operator = acct!.address;
  return { client, comet, veid, operator, valoper: toBech32(`${prefix}valoper`, fromBech32(operator, 90).data) };
}
export type OperatorSigner = Awaited<ReturnType<typeof operatorSigner>>;

/** Signs and broadcasts one attestation; the chain's answer as is (code 0, or its refusal). */
export async function attestScore(s: OperatorSigner, roundId: number | bigint, score: number, modelHashHex: string, gasPriceUve = 0) {
  const gas = 300_000;
  const fee = { amount: [{ denom: DENOM, amount: String(Math.ceil(gas * gasPriceUve)) }], gas: String(gas) };
  const msg = { typeUrl: MSG_ATTEST_SCORE, value: { operator: s.operator, roundId: BigInt(roundId), score, modelHash: unhex(modelHashHex) } };
  return s.client.signAndBroadcast(s.operator, [msg], fee);
}

/** The module that refused a tx (cosmjs's broadcast answer leaves it out; the node's tx record has it). */
async function codespaceOf(s: OperatorSigner, txHash: string): Promise<string> {
  try {
    return (await s.comet.tx({ hash: fromHex(txHash) })).result.codespace ?? "";
  } catch {
    return "";
  }
}

/** One pass over the open rounds. Throws only when the round list cannot be had. */
export async function attestOpenRounds(cfg: ChainAttestConfig): Promise<AttestReport> {
  const log = cfg.log ?? (() => {});
  const report: AttestReport = { attested: [], skipped: [], refused: [] };
  const res = await fetch(`${cfg.apiUrl.replace(/\/$/, "")}/api/identity/score/rounds/`, {
    headers: { Authorization: `Token ${cfg.token}` },
    signal: AbortSignal.timeout(60_000),
  });
  if (!res.ok) throw new Error(`listing open score rounds answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const rounds = (await res.json()) as OpenRound[];
  if (!Array.isArray(rounds)) throw new Error("the open round listing is not a list");
  if (rounds.length === 0) return report;
  const hash = cfg.modelHash ?? (await pipelineVersion()).hash;
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error("the model hash must be 32 bytes, hex");
  const s = await operatorSigner(cfg.rpcUrl, cfg.mnemonic, cfg.prefix);
  try {
    for (const r of rounds) {
      const id = Number(r?.round_id);
      if (!Number.isSafeInteger(id) || id < 1) continue;
      if (!r.score || !Number.isInteger(r.score.score)) {
        report.skipped.push({ round: id, reason: "not scored by this validator yet" });
        continue;
      }
      try {
        const { round } = await s.veid.Round({ id: BigInt(id) });
        if (!round || round.state !== RoundState.OPEN) {
          report.skipped.push({ round: id, reason: "no longer open" });
          continue;
        }
        if (round.attestations.some((a) => a.validator === s.valoper)) {
          report.skipped.push({ round: id, reason: "already attested" });
          continue;
        }
        const out = await attestScore(s, id, r.score.score, hash, cfg.gasPriceUve);
        if (out.code !== 0) {
          const refusal = { round: id, codespace: await codespaceOf(s, out.transactionHash), code: out.code, log: (out.rawLog ?? "").slice(0, 300) };
          report.refused.push(refusal);
          log(`scorer: chain refused the attestation of round ${id} (${refusal.codespace} code ${refusal.code}): ${refusal.log}`);
          continue;
        }
        report.attested.push({ round: id, account: r.account, score: r.score.score, finalized: /"finalized"|EventScoreFinalized/.test(JSON.stringify(out.events ?? [])) });
        log(`scorer: attested round ${id} (${r.account}): score ${r.score.score}`);
      } catch (e) {
        // A node hiccup on one round: say so and go on with the next.
        report.refused.push({ round: id, codespace: "", code: -1, log: (e as Error).message.slice(0, 300) });
        log(`scorer: attesting round ${id} failed: ${(e as Error).message}`);
      }
    }
  } finally {
    s.client.disconnect();
  }
  return report;
}
