// The outbox sender: signs outbox rows with the bridge account and broadcasts them, pipelined:
// consecutive sequences tracked locally, broadcast_tx_sync without waiting for inclusion, the next
// batch signed and sent while earlier ones wait in the mempool, and confirmation from the block
// feed (subscribe.ts), one D1 batch per block.
//
// Idempotency. Every tx carries `ve-outbox:<uuid>` in its memo, and the signed bytes, hash and
// sequence are stored in D1 *before* broadcasting. A row is only ever signed at one sequence at a
// time; it gets a new sequence only once the old one was provably used by another tx (looked up by
// the `tx.acc_seq` event and its memo). Because a sequence can be used once, the row cannot land
// twice, whatever crashes or network failures happen between signing, broadcasting and recording.
// After a crash, signed rows are found by hash, re-broadcast byte-for-byte if their sequence is
// still free, or resolved through the tx that used their sequence. Holes in the sequence range
// (a row refused for good while later rows are already out) are filled by 1uve self-sends.
import { sha256 } from "@cosmjs/crypto";
import { fromBase64, toBase64, toHex } from "@cosmjs/encoding";
import { decodeTxRaw, type EncodeObject, type Registry } from "@cosmjs/proto-signing";
import { accountFromAny, SigningStargateClient } from "@cosmjs/stargate";
import type { Comet38Client } from "@cosmjs/tendermint-rpc";
import { and, asc, eq, isNotNull, isNull, lte, sql } from "drizzle-orm";
import { inArray } from "../../db/in-list.ts";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { MsgExecResponse } from "cosmjs-types/cosmos/authz/v1beta1/tx";
import { TxMsgData } from "cosmjs-types/cosmos/base/abci/v1beta1/abci";
import { TxRaw } from "cosmjs-types/cosmos/tx/v1beta1/tx";
import { chainOutbox, chainSenderLock } from "../../db/schema/chain.ts";
import { asGrantee, cometClient, DENOM, MSG_EXEC_TYPE_URL, makeRegistry, queryClient, walletFromMnemonic, type ChainQueryClient } from "./client.ts";
import { chainIdFor, MEMO_PREFIX, type OutboxRow } from "./outbox.ts";
import { msgResponses } from "./proto.ts";
import { payloadRefs, payloadToValue } from "./records.ts";
import { type BlockSubscription, type ChainBlock, subscribeBlocks } from "./subscribe.ts";

// biome-ignore lint/suspicious/noExplicitAny: works with any schema that includes the chain tables
type AnyDb = DrizzleD1Database<any>;

export interface ChainSenderConfig {
  /** CometBFT RPC, e.g. http://127.0.0.1:26657 (Worker var VE_CHAIN_RPC). */
  rpcUrl: string;
  /** The bridge account's BIP-39 mnemonic (Worker secret VE_CHAIN_MNEMONIC). */
  mnemonic: string;
  /** Default: the node's network. */
  chainId?: string;
  /** Bech32 account prefix of the chain (default "ve"). */
  prefix?: string;
  /** Gas limit per tx (default 400000; doubled for a row after an out-of-gas). */
  gasLimit?: number;
  /** Fee per gas unit in uve (default 0, the localnet's minimum-gas-prices). */
  gasPriceUve?: number;
  /** Rows per round (default 100). */
  batchSize?: number;
  /** Txs broadcast and not yet seen in a block before the sender waits (default 2 × batchSize). */
  maxInFlight?: number;
  /** How long a tx may stay unconfirmed before the next round looks it up again (default 20 s). */
  confirmTimeoutMs?: number;
  pollMs?: number;
  lockTtlMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Fault injection for tests: throw from these to simulate a crash at that point. */
  hooks?: {
    afterSign?(rows: OutboxRow[]): void | Promise<void>;
    afterBroadcast?(rows: OutboxRow[]): void | Promise<void>;
    /** Per-tx timing (benchmarks): accepted into the mempool / seen in a block (with its height). */
    onTx?(event: "broadcast" | "confirmed", hash: string, atMs: number, height?: number): void;
    /** Every block the confirmation feed delivers (benchmarks: which height was latest when). */
    onBlock?(height: number, atMs: number): void;
  };
}

export interface RoundReport {
  locked: boolean;
  signed: number;
  broadcast: number;
  committed: number;
  failed: number;
  fillers: number;
  /** Rows still waiting (pending, or signed and not yet seen in a block). */
  remaining: number;
  /** A transient problem that stopped the round early (the rows will be retried). */
  transient?: string;
}

interface TxResultLike {
  code: number;
  codespace?: string;
  log?: string;
  data?: Uint8Array;
}

interface Planned {
  row: OutboxRow | null; // null = filler
  sequence: number;
  bytes: Uint8Array;
  hash: string;
  fresh: boolean; // signed in this round (never left us before)
}

/** Bulk-update items (short keys: they travel as one JSON parameter). */
interface SignedRow {
  i: number;
  s: number;
  g: number;
  h: string;
  b: string;
}
interface CommittedRow {
  i: number;
  h: number;
  r: Record<string, string>;
}

/** Txs that left us and are not yet seen in a block, confirmed from the block feed. */
class InFlight {
  readonly txs = new Map<string, Planned & { at: number }>();
  /** Confirmations are counted in the report of the round running when they arrive. */
  report: RoundReport | null = null;
  private waiters: (() => void)[] = [];
  private feed: BlockSubscription | null = null;

  constructor(private readonly onBlock: (block: ChainBlock, flight: InFlight) => Promise<void>) {}

  start(rpcUrl: string, fromHeight: number, pollMs: number): void {
    this.feed = subscribeBlocks({ rpcUrl, fromHeight, pollMs }, async (block) => {
      await this.onBlock(block, this);
      this.notify();
    });
  }

  async stop(): Promise<void> {
    await this.feed?.unsubscribe();
    this.feed = null;
    this.notify();
  }

  add(p: Planned): void {
    this.txs.set(p.hash, { ...p, at: Date.now() });
  }

  /** Sequences still out (the next round must not reuse them, nor fill them). */
  sequences(): Set<number> {
    return new Set([...this.txs.values()].map((p) => p.sequence));
  }

  /** Gives up on txs unconfirmed for `ms`: they stay `signed`, the next round looks them up. */
  expire(ms: number): void {
    const cutoff = Date.now() - ms;
    for (const [h, p] of this.txs) if (p.at < cutoff) this.txs.delete(h);
  }

  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until fewer than `n` txs are out, or the deadline. */
  async below(n: number, deadline: number, expireMs: number): Promise<void> {
    while (this.txs.size >= Math.max(1, n) && Date.now() < deadline) {
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, Math.min(500, Math.max(0, deadline - Date.now())));
      });
      this.expire(expireMs);
    }
  }
}

const SDK_OUT_OF_GAS = 11;
const SDK_INSUFFICIENT_FEE = 13;
const SDK_TX_IN_MEMPOOL = 19;
const SDK_MEMPOOL_FULL = 20;
const SDK_WRONG_SEQUENCE = 32;
/** Rows signed and stored before their broadcast starts (the next chunk is signed meanwhile). */
const SIGN_CHUNK = 50;

const txHash = (bytes: Uint8Array) => toHex(sha256(bytes)).toUpperCase();
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 2000);

export class ChainSender {
  readonly registry: Registry;
  private readonly holder = crypto.randomUUID();
  private chainId?: string;
  private readonly cfg: Required<Omit<ChainSenderConfig, "hooks" | "chainId" | "prefix">> & Pick<ChainSenderConfig, "hooks" | "chainId" | "prefix">;

  private constructor(
    private readonly db: AnyDb,
    readonly comet: Comet38Client,
    readonly query: ChainQueryClient,
    private readonly signing: SigningStargateClient,
    readonly address: string,
    cfg: ChainSenderConfig,
  ) {
    this.registry = signing.registry;
    this.chainId = cfg.chainId;
    this.cfg = {
      gasLimit: 400_000,
      gasPriceUve: 0,
      batchSize: 100,
      maxInFlight: 2 * (cfg.batchSize ?? 100),
      confirmTimeoutMs: 20_000,
      pollMs: 250,
      lockTtlMs: 60_000,
      backoffBaseMs: 500,
      backoffMaxMs: 60_000,
      ...cfg,
    };
  }

  static async create(db: AnyDb, cfg: ChainSenderConfig): Promise<ChainSender> {
    if (!cfg.mnemonic) throw new Error("VE_CHAIN_MNEMONIC is not set");
    if (!cfg.rpcUrl) throw new Error("VE_CHAIN_RPC is not set");
    const wallet = await walletFromMnemonic(cfg.mnemonic, cfg.prefix);
    const [account] = await wallet.getAccounts();
    const registry = makeRegistry();
    const comet = cometClient(cfg.rpcUrl);
    const signing = await SigningStargateClient.offline(wallet, { registry });
    if (!account) throw new Error("no account in the bridge wallet");
    return new ChainSender(db, comet, queryClient(comet), signing, account.address, cfg);
  }

  disconnect(): void {
    this.comet.disconnect();
  }

  /**
   * Sends until nothing is ready or the deadline passes: each round signs and broadcasts the next
   * batch while earlier ones are still waiting for a block (at most `maxInFlight` out at once);
   * transient errors back off. Holds the sender lock throughout.
   */
  async drain(opts: { deadlineMs?: number } = {}): Promise<RoundReport[]> {
    const deadline = Date.now() + (opts.deadlineMs ?? 25_000);
    const reports: RoundReport[] = [];
    const blank = (): RoundReport => ({ locked: true, signed: 0, broadcast: 0, committed: 0, failed: 0, fillers: 0, remaining: 0 });
    if (!(await this.lock())) return [{ ...blank(), locked: false, remaining: await this.remaining() }];
    const flight = new InFlight((b, f) => this.confirmBlock(b, f));
    let failures = 0;
    let idle = false;
    try {
      const status = await this.comet.status();
      this.chainId ??= status.nodeInfo.network;
      flight.start(this.cfg.rpcUrl, status.syncInfo.latestBlockHeight + 1, this.cfg.pollMs);
      while (Date.now() < deadline) {
        const r = blank();
        reports.push(r);
        flight.report = r;
        try {
          if (!(await this.lock())) throw new Error("the sender lock was taken over");
          await this.sendRound(r, flight);
        } catch (e) {
          r.transient ??= errText(e);
        }
        if (r.transient) {
          failures++;
          await flight.below(1, Math.min(deadline, Date.now() + this.backoff(failures)), this.cfg.confirmTimeoutMs);
          continue;
        }
        failures = 0;
        if (r.signed + r.fillers + r.broadcast === 0) {
          // Nothing to send now: once everything out is confirmed, rows waiting on them may be ready.
          if (!flight.txs.size && idle) break;
          await flight.below(1, deadline, this.cfg.confirmTimeoutMs);
          idle = !flight.txs.size;
          continue;
        }
        idle = false;
        await flight.below(this.cfg.maxInFlight, deadline, this.cfg.confirmTimeoutMs);
      }
      await flight.below(1, Math.min(deadline, Date.now() + this.cfg.confirmTimeoutMs), this.cfg.confirmTimeoutMs);
    } catch (e) {
      const r = reports.at(-1) ?? blank();
      if (!reports.length) reports.push(r);
      r.transient ??= errText(e);
    } finally {
      await flight.stop();
      await this.unlock().catch(() => {});
    }
    const last = reports.at(-1);
    if (last) last.remaining = await this.remaining();
    return reports;
  }

  private backoff(attempt: number): number {
    const base = Math.min(this.cfg.backoffMaxMs, this.cfg.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(base * (0.5 + Math.random() / 2));
  }

  // ------------------------------------------------------------------ lock

  private async lock(): Promise<boolean> {
    const now = Date.now();
    await this.db
      .insert(chainSenderLock)
      .values({ name: "sender", holder: this.holder, until: now + this.cfg.lockTtlMs })
      .onConflictDoUpdate({
        target: chainSenderLock.name,
        set: { holder: this.holder, until: now + this.cfg.lockTtlMs },
        setWhere: sql`${chainSenderLock.until} < ${now} or ${chainSenderLock.holder} = ${this.holder}`,
      });
    const [row] = await this.db.select().from(chainSenderLock).where(eq(chainSenderLock.name, "sender"));
    return row?.holder === this.holder;
  }

  private async unlock(): Promise<void> {
    await this.db.update(chainSenderLock).set({ until: 0 }).where(and(eq(chainSenderLock.name, "sender"), eq(chainSenderLock.holder, this.holder)));
  }

  // ------------------------------------------------------------------ one round

  /** One round: sign and broadcast one batch, then wait for it to be confirmed. */
  async round(): Promise<RoundReport> {
    const report: RoundReport = { locked: false, signed: 0, broadcast: 0, committed: 0, failed: 0, fillers: 0, remaining: 0 };
    if (!(await this.lock())) return report;
    report.locked = true;
    const flight = new InFlight((b, f) => this.confirmBlock(b, f));
    flight.report = report;
    try {
      const status = await this.comet.status();
      this.chainId ??= status.nodeInfo.network;
      flight.start(this.cfg.rpcUrl, status.syncInfo.latestBlockHeight + 1, this.cfg.pollMs);
      await this.sendRound(report, flight);
    } catch (e) {
      report.transient ??= errText(e);
    }
    try {
      await flight.below(1, Date.now() + this.cfg.confirmTimeoutMs, this.cfg.confirmTimeoutMs);
    } finally {
      await flight.stop();
      await this.unlock().catch(() => {});
    }
    report.remaining = await this.remaining();
    return report;
  }

  private async remaining(): Promise<number> {
    const [r] = await this.db
      .select({ n: sql<number>`count(*)` })
      .from(chainOutbox)
      .where(inArray(chainOutbox.state, ["pending", "signed"]));
    return Number(r?.n ?? 0);
  }

  /** Signs and broadcasts the next batch; its txs join `flight` and are confirmed from the block feed. */
  private async sendRound(report: RoundReport, flight: InFlight): Promise<void> {
    // Snapshot what is out *before* reading the account: a tx confirmed after this point is
    // either still in the snapshot or already counted in the account's sequence.
    flight.expire(this.cfg.confirmTimeoutMs);
    const outHashes = new Set(flight.txs.keys());
    const outSeqs = flight.sequences();
    const acc = await this.account();
    const chainSeq = acc.sequence;

    // 1. Rows signed earlier (a previous round or a crashed sender) that are not out right now.
    const signedIds = await this.db
      .select({ id: chainOutbox.id, txHash: chainOutbox.txHash })
      .from(chainOutbox)
      .where(eq(chainOutbox.state, "signed"));
    const loose = signedIds.filter((r) => !r.txHash || !outHashes.has(r.txHash)).map((r) => r.id);
    const signed = loose.length
      ? await this.db.select().from(chainOutbox).where(and(eq(chainOutbox.state, "signed"), inArray(chainOutbox.id, loose))).orderBy(asc(chainOutbox.sequence))
      : [];
    const out: Planned[] = [];
    for (const row of signed) {
      const seq = row.sequence ?? -1;
      const found = row.txHash ? await this.txByHash(row.txHash) : null;
      if (found) {
        report[(await this.finish(row, found.result, found.height)) ? "committed" : "failed"]++;
      } else if (seq >= chainSeq && row.txBytes) {
        const bytes = fromBase64(row.txBytes);
        out.push({ row, sequence: seq, bytes, hash: txHash(bytes), fresh: false });
      } else {
        await this.resolveUsedSequence(row, seq, report);
      }
    }

    // 2. Rows that keep a sequence but must be signed again (fee or gas raised at CheckTx).
    const reserved = await this.db
      .select()
      .from(chainOutbox)
      .where(and(eq(chainOutbox.state, "pending"), isNotNull(chainOutbox.sequence)))
      .orderBy(asc(chainOutbox.sequence));
    const toSign: { row: OutboxRow; sequence: number; value: unknown }[] = [];
    for (const row of reserved) {
      const seq = row.sequence as number;
      if (seq >= chainSeq) toSign.push({ row, sequence: seq, value: await this.resolve(row) });
      else await this.resolveUsedSequence(row, seq, report);
    }

    // 3. New rows, in order, whose dependencies are on chain.
    const budget = Math.max(0, this.cfg.batchSize - out.length - toSign.length);
    const fresh = budget > 0 ? await this.readyRows(budget, report) : [];

    // 4. Sequences: keep the reserved ones and those out, fill holes, then number the new rows.
    const taken = new Set<number>([...out.map((p) => p.sequence), ...toSign.map((t) => t.sequence), ...outSeqs]);
    let top = chainSeq - 1;
    for (const s of taken) top = Math.max(top, s);
    const holes: number[] = [];
    for (let s = chainSeq; s < top; s++) if (!taken.has(s)) holes.push(s);
    let next = top + 1;
    for (const f of fresh) toSign.push({ ...f, sequence: next++ });

    // 5 + 6. Sign and store each chunk before any of it leaves, then broadcast it in sequence
    // order while the next chunk is signed (the node checks txs while we sign). The first chunk
    // holds everything below the new rows' sequences (earlier signed rows, re-signed rows,
    // fillers). Broadcasting stops at the first refusal or unknown outcome.
    const now = new Date().toISOString();
    const reservedCount = toSign.length - fresh.length;
    const chunks = [toSign.slice(0, reservedCount)];
    for (let i = reservedCount; i < toSign.length; i += SIGN_CHUNK) chunks.push(toSign.slice(i, i + SIGN_CHUNK));
    const accepted = new Map<string, Planned>();
    const sending = { stop: null as null | "refused" | "unknown", chain: Promise.resolve() };
    try {
      for (let c = 0; c < chunks.length && !sending.stop; c++) {
        const planned: Planned[] = c === 0 ? out : [];
        const updates: SignedRow[] = [];
        for (const t of chunks[c] ?? []) {
          const gas = t.row.gasLimit ?? this.cfg.gasLimit;
          const bytes = await this.sign(t.row, t.value, t.sequence, gas, acc.accountNumber);
          const p: Planned = { row: t.row, sequence: t.sequence, bytes, hash: txHash(bytes), fresh: true };
          planned.push(p);
          const set = { state: "signed" as const, sequence: t.sequence, gasLimit: gas, txHash: p.hash, txBytes: toBase64(bytes), modified: now };
          Object.assign(t.row, set);
          updates.push({ i: t.row.id, s: t.sequence, g: gas, h: p.hash, b: set.txBytes });
        }
        if (c === 0) {
          for (const s of holes) {
            const bytes = await this.signFiller(s, acc.accountNumber);
            planned.push({ row: null, sequence: s, bytes, hash: txHash(bytes), fresh: true });
            report.fillers++;
          }
        }
        await this.markSigned(updates, now);
        report.signed += updates.length;
        planned.sort((a, b) => a.sequence - b.sequence);
        if (updates.length) await this.cfg.hooks?.afterSign?.(chunks[c]?.map((t) => t.row) ?? []);
        sending.chain = sending.chain.then(async () => {
          if (sending.stop === "refused") return this.releaseUnsent(planned);
          if (sending.stop) return; // unknown outcome: rows stay signed, the next round looks them up
          sending.stop = await this.broadcastInOrder(planned, accepted, flight, report);
        });
      }
    } finally {
      await sending.chain;
    }
    report.broadcast = accepted.size;
    await this.cfg.hooks?.afterBroadcast?.([...accepted.values()].flatMap((p) => (p.row ? [p.row] : [])));
  }

  /**
   * Broadcasts in order until a refusal (the rest's fresh rows are released) or an unknown
   * outcome (they stay signed). Each tx is tracked before it leaves, so a block that holds it
   * cannot be read before we look for it.
   */
  private async broadcastInOrder(out: Planned[], accepted: Map<string, Planned>, flight: InFlight, report: RoundReport): Promise<null | "refused" | "unknown"> {
    for (let i = 0; i < out.length; i++) {
      const p = out[i] as Planned;
      let res: TxResultLike | null;
      flight.add(p);
      try {
        res = await this.comet.broadcastTxSync({ tx: p.bytes });
      } catch (e) {
        const msg = errText(e);
        if (/already exists in cache/i.test(msg)) {
          accepted.set(p.hash, p);
          continue;
        }
        flight.txs.delete(p.hash);
        report.transient = `broadcast: ${msg}`;
        if (p.row) await this.noteTransient(p.row, report.transient);
        return "unknown";
      }
      if (res.code === 0 || (res.codespace === "sdk" && res.code === SDK_TX_IN_MEMPOOL)) {
        accepted.set(p.hash, p);
        this.cfg.hooks?.onTx?.("broadcast", p.hash, Date.now());
        continue;
      }
      // Refused at CheckTx: definitely not in the mempool.
      flight.txs.delete(p.hash);
      await this.refused(p, res, report);
      // The rest of this round's freshly signed rows never left: give their sequences back.
      await this.releaseUnsent(out.slice(i + 1));
      return "refused";
    }
    return null;
  }

  private async account(): Promise<{ accountNumber: number; sequence: number }> {
    const any = await this.query.auth.account(this.address);
    if (!any) throw new Error(`bridge account ${this.address} does not exist on chain (fund it first)`);
    const a = accountFromAny(any);
    return { accountNumber: Number(a.accountNumber), sequence: Number(a.sequence) };
  }

  /**
   * Stores signed rows with one statement per 100 (a D1 statement per row costs ~5-10 ms from a
   * Worker, more than signing the tx).
   */
  private async markSigned(rows: SignedRow[], now: string): Promise<void> {
    for (let i = 0; i < rows.length; i += 100) {
      const part = JSON.stringify(rows.slice(i, i + 100));
      await this.db.run(sql`
        update chain_outbox set state = 'signed', sequence = json_extract(j.value, '$.s'), gas_limit = json_extract(j.value, '$.g'),
          tx_hash = json_extract(j.value, '$.h'), tx_bytes = json_extract(j.value, '$.b'), modified = ${now}
        from json_each(${part}) as j where chain_outbox.id = json_extract(j.value, '$.i')`);
    }
  }

  /** Marks rows committed (with height and decoded result), one statement per 100. */
  private async markCommitted(rows: CommittedRow[], now: string): Promise<void> {
    for (let i = 0; i < rows.length; i += 100) {
      const part = JSON.stringify(rows.slice(i, i + 100));
      await this.db.run(sql`
        update chain_outbox set state = 'committed', height = json_extract(j.value, '$.h'), result = json_extract(j.value, '$.r'),
          tx_bytes = null, last_error = null, modified = ${now}
        from json_each(${part}) as j where chain_outbox.id = json_extract(j.value, '$.i')`);
    }
  }

  private async batch(queries: unknown[]): Promise<void> {
    for (let i = 0; i < queries.length; i += 50) {
      const part = queries.slice(i, i + 50);
      if (part.length) await this.db.batch(part as never);
    }
  }

  // ------------------------------------------------------------------ choosing rows

  private async readyRows(limit: number, report: RoundReport): Promise<{ row: OutboxRow; value: unknown }[]> {
    const candidates = await this.db
      .select()
      .from(chainOutbox)
      .where(and(eq(chainOutbox.state, "pending"), isNull(chainOutbox.sequence), lte(chainOutbox.nextAttemptAt, Date.now())))
      .orderBy(asc(chainOutbox.id))
      .limit(limit * 4);
    if (!candidates.length) return [];
    const refs = new Set<string>();
    for (const c of candidates) {
      if (c.ref) refs.add(c.ref);
      payloadRefs(c.payload, refs);
    }
    // Everything about those refs that is not yet committed, and the chain ids already known.
    // (Chunked: D1 binds at most 100 parameters per statement.)
    const related: { id: number; uuid: string; ref: string | null; state: string; kind: string; result: Record<string, string> | null }[] = [];
    const refList = [...refs];
    for (let i = 0; i < refList.length; i += 90) {
      related.push(
        ...(await this.db
          .select({ id: chainOutbox.id, uuid: chainOutbox.uuid, ref: chainOutbox.ref, state: chainOutbox.state, kind: chainOutbox.kind, result: chainOutbox.result })
          .from(chainOutbox)
          .where(inArray(chainOutbox.ref, refList.slice(i, i + 90)))),
      );
    }
    const chainIds = new Map<string, string>();
    for (const r of related) if (r.state === "committed" && r.result?.chainId && r.ref) chainIds.set(r.ref, r.result.chainId);
    const blockedRefs = new Set<string>();
    const ready: OutboxRow[] = [];
    const fails = [];
    for (const c of candidates) {
      if (ready.length >= limit) break;
      const earlier = related.filter((r) => r.ref === c.ref && r.id < c.id && r.state !== "committed");
      const failedEarlier = earlier.find((r) => r.state === "failed");
      const deps = [...payloadRefs(c.payload)];
      const missing = deps.filter((d) => !chainIds.has(d));
      const failedDep = missing.map((d) => related.find((r) => r.ref === d && r.kind.endsWith(".created") && r.state === "failed")).find(Boolean);
      if (failedEarlier || failedDep) {
        const by = failedEarlier ?? failedDep;
        fails.push(
          this.db
            .update(chainOutbox)
            .set({ state: "failed", chainLog: `not sent: record ${by?.uuid} (${by?.kind}) it depends on failed`, modified: new Date().toISOString() })
            .where(eq(chainOutbox.id, c.id)),
        );
        if (c.ref) related.push({ id: c.id, uuid: c.uuid, ref: c.ref, state: "failed", kind: c.kind, result: null });
        report.failed++;
        continue;
      }
      if (earlier.length || missing.length || (c.ref && blockedRefs.has(c.ref))) {
        if (c.ref) blockedRefs.add(c.ref);
        continue;
      }
      if (c.ref) blockedRefs.add(c.ref); // one row per ref per round: the next may need this one's result
      ready.push(c);
    }
    await this.batch(fails);
    return ready.map((row) => ({ row, value: payloadToValue(row.payload, (ref) => chainIds.get(ref) as string) }));
  }

  // ------------------------------------------------------------------ signing

  /** The Msg value of a row whose dependencies are committed. */
  private async resolve(row: OutboxRow): Promise<unknown> {
    const ids = new Map<string, string>();
    for (const ref of payloadRefs(row.payload)) {
      const id = await chainIdFor(this.db, ref);
      if (!id) throw new Error(`outbox ${row.uuid}: no chain id for ${ref}`);
      ids.set(ref, id);
    }
    return payloadToValue(row.payload, (ref) => ids.get(ref) as string);
  }

  private async sign(row: OutboxRow, payload: unknown, sequence: number, gas: number, accountNumber: number): Promise<Uint8Array> {
    const type = this.registry.lookupType(row.typeUrl) as { fromPartial(o: unknown): unknown } | undefined;
    if (!type) throw new Error(`unknown Msg type ${row.typeUrl}`);
    const value = type.fromPartial(payload);
    const msg = asGrantee({ typeUrl: row.typeUrl, value }, row.signer, this.address, this.registry);
    return this.signMsgs([msg], `${MEMO_PREFIX}${row.uuid}`, sequence, gas, accountNumber);
  }

  private signFiller(sequence: number, accountNumber: number): Promise<Uint8Array> {
    const msg: EncodeObject = {
      typeUrl: "/cosmos.bank.v1beta1.MsgSend",
      value: { fromAddress: this.address, toAddress: this.address, amount: [{ denom: DENOM, amount: "1" }] },
    };
    return this.signMsgs([msg], `${MEMO_PREFIX}filler`, sequence, 200_000, accountNumber);
  }

  private async signMsgs(msgs: EncodeObject[], memo: string, sequence: number, gas: number, accountNumber: number): Promise<Uint8Array> {
    const fee = { amount: [{ denom: DENOM, amount: String(Math.ceil(gas * this.cfg.gasPriceUve)) }], gas: String(gas) };
    const raw = await this.signing.sign(this.address, msgs, fee, memo, { accountNumber: BigInt(accountNumber), sequence, chainId: this.chainId as string });
    return TxRaw.encode(raw).finish();
  }

  // ------------------------------------------------------------------ outcomes

  private async refused(p: Planned, res: TxResultLike, report: RoundReport): Promise<void> {
    const row = p.row;
    if (!row) return; // a filler: the next round plans again
    const now = new Date().toISOString();
    const log = res.log ?? "";
    if (res.codespace === "sdk" && res.code === SDK_WRONG_SEQUENCE) {
      // Our view of the sequence is stale; the row keeps its bytes and the next round resolves it.
      report.transient = `CheckTx: ${log}`;
      await this.noteTransient(row, report.transient);
      return;
    }
    if (res.codespace === "sdk" && (res.code === SDK_INSUFFICIENT_FEE || res.code === SDK_OUT_OF_GAS || res.code === SDK_MEMPOOL_FULL)) {
      // Not the record's fault: sign it again at the same sequence (raising gas if it ran out).
      const gas = res.code === SDK_OUT_OF_GAS ? (row.gasLimit ?? this.cfg.gasLimit) * 2 : row.gasLimit;
      report.transient = `CheckTx: ${log}`;
      await this.db
        .update(chainOutbox)
        .set({ state: "pending", txBytes: null, txHash: null, gasLimit: gas, attempts: row.attempts + 1, lastError: report.transient, nextAttemptAt: Date.now() + this.backoff(row.attempts + 1), modified: now })
        .where(eq(chainOutbox.id, row.id));
      return;
    }
    // Refused for good (e.g. invalid Msg, suspended account): keep the chain's verdict. Its
    // sequence is free again; a filler takes it if later rows already went out.
    await this.db
      .update(chainOutbox)
      .set({ state: "failed", sequence: null, txBytes: null, chainCodespace: res.codespace ?? "", chainCode: res.code, chainLog: log, modified: now })
      .where(eq(chainOutbox.id, row.id));
    report.failed++;
  }

  private async releaseUnsent(rest: Planned[]): Promise<void> {
    const now = new Date().toISOString();
    const ups = rest
      .filter((p) => p.fresh && p.row)
      .map((p) =>
        this.db
          .update(chainOutbox)
          .set({ state: "pending", sequence: null, txBytes: null, txHash: null, modified: now })
          .where(eq(chainOutbox.id, (p.row as OutboxRow).id)),
      );
    await this.batch(ups);
  }

  private async noteTransient(row: OutboxRow, error: string): Promise<void> {
    await this.db
      .update(chainOutbox)
      .set({ attempts: row.attempts + 1, lastError: error, nextAttemptAt: Date.now() + this.backoff(row.attempts + 1), modified: new Date().toISOString() })
      .where(eq(chainOutbox.id, row.id));
  }

  /** The row's sequence was used (or it never got one through): by this row, or by something else? */
  private async resolveUsedSequence(row: OutboxRow, seq: number, report: RoundReport): Promise<void> {
    if (seq >= 0) {
      const res = await this.comet.txSearch({ query: `tx.acc_seq='${this.address}/${seq}'` });
      const tx = res.txs[0];
      if (!tx) {
        await this.noteTransient(row, `sequence ${seq} is used but its tx is not indexed yet`);
        return;
      }
      const memo = decodeTxRaw(tx.tx).body.memo;
      if (memo === `${MEMO_PREFIX}${row.uuid}`) {
        report[(await this.finish(row, tx.result, tx.height)) ? "committed" : "failed"]++;
        return;
      }
    }
    // Another tx used the sequence: this row is not on chain and can be signed afresh.
    await this.db
      .update(chainOutbox)
      .set({ state: "pending", sequence: null, txBytes: null, txHash: null, modified: new Date().toISOString() })
      .where(eq(chainOutbox.id, row.id));
  }

  private async txByHash(hash: string): Promise<{ result: TxResultLike; height: number } | null> {
    try {
      const r = await this.comet.tx({ hash: Uint8Array.from(hash.match(/../g) ?? [], (h) => Number.parseInt(h, 16)) });
      return { result: r.result, height: r.height };
    } catch (e) {
      if (/not found/i.test(errText(e))) return null;
      throw e;
    }
  }

  /** Records the verdicts of our txs in a block: committed rows in bulk, the rest one by one. */
  private async confirmBlock(block: ChainBlock, flight: InFlight): Promise<void> {
    const committed: CommittedRow[] = [];
    const others = [];
    const report = flight.report;
    this.cfg.hooks?.onBlock?.(block.height, Date.now());
    for (const tx of block.txs) {
      const p = flight.txs.get(tx.hash);
      if (!p) continue;
      flight.txs.delete(tx.hash);
      this.cfg.hooks?.onTx?.("confirmed", tx.hash, Date.now(), block.height);
      if (!p.row) continue;
      if (tx.code === 0) {
        committed.push({ i: p.row.id, h: block.height, r: this.decodeResult(p.row.typeUrl, tx.data) });
        if (report) report.committed++;
        continue;
      }
      const verdict = this.verdict(p.row, tx, block.height);
      others.push(verdict.write);
      if (report && !verdict.outOfGas) report.failed++;
    }
    await this.markCommitted(committed, new Date().toISOString());
    await this.batch(others);
  }

  /** Records the chain's verdict for a tx that is in a block; true if the record is on chain. */
  private async finish(row: OutboxRow, res: TxResultLike, height: number): Promise<boolean> {
    const v = this.verdict(row, res, height);
    await v.write;
    return v.committed;
  }

  /** The D1 update for a tx's result in a block (not yet run: callers batch them). */
  private verdict(row: OutboxRow, res: TxResultLike, height: number) {
    const now = new Date().toISOString();
    const where = eq(chainOutbox.id, row.id);
    if (res.code === 0) {
      const set = { state: "committed" as const, height, result: this.decodeResult(row.typeUrl, res.data), txBytes: null, lastError: null, modified: now };
      return { committed: true, outOfGas: false, write: this.db.update(chainOutbox).set(set).where(where) };
    }
    if (res.codespace === "sdk" && res.code === SDK_OUT_OF_GAS) {
      // The sequence is spent but nothing was applied: sign again with more gas.
      const gasLimit = (row.gasLimit ?? this.cfg.gasLimit) * 2;
      const set = { state: "pending" as const, sequence: null, txBytes: null, txHash: null, gasLimit, lastError: res.log || "out of gas", modified: now };
      return { committed: false, outOfGas: true, write: this.db.update(chainOutbox).set(set).where(where) };
    }
    const set = { state: "failed" as const, height, txBytes: null, chainCodespace: res.codespace ?? "", chainCode: res.code, chainLog: res.log ?? "", modified: now };
    return { committed: false, outOfGas: false, write: this.db.update(chainOutbox).set(set).where(where) };
  }

  private decodeResult(typeUrl: string, data: Uint8Array | undefined): Record<string, string> {
    const codec = msgResponses.get(typeUrl);
    if (!codec || !data?.length) return {};
    const any = TxMsgData.decode(data).msgResponses[0];
    if (!any) return {};
    const bytes = any.typeUrl === `${MSG_EXEC_TYPE_URL}Response` ? MsgExecResponse.decode(any.value).results[0] : any.value;
    if (!bytes) return {};
    // Responses carry the ids the chain assigned (id, seq, …): kept as decimal strings, `id` as chainId.
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(codec.decode(bytes) as Record<string, unknown>)) {
      if (typeof value === "bigint") out[key === "id" ? "chainId" : key] = value.toString();
    }
    return out;
  }
}
