// Committed blocks, one after another, with their tx results and events: the feed the sender
// confirms its txs from and the indexer mirrors chain state from.
//
// Delivery is by height, in order, without gaps: the subscription keeps the next height it owes
// and only moves on once the callback has taken that block. The CometBFT websocket
// (tm.event='NewBlock', which in 0.38 carries the block and its FinalizeBlock results) only makes
// this fast; it is best effort, so any height it skipped, and every height while it is down, is
// read by JSON-RPC (/block + /block_results). Without a websocket (a runtime without one, a node
// that refuses it, or between reconnects) the subscription polls /status for new heights.
import { sha256 } from "@cosmjs/crypto";
import { fromBase64, toHex } from "@cosmjs/encoding";
import { CometHttpClient } from "./client.ts";

export interface ChainEvent {
  type: string;
  attributes: { key: string; value: string }[];
}

export interface ChainTx {
  /** sha-256 of the tx bytes, upper-case hex (as CometBFT prints it). */
  hash: string;
  tx: Uint8Array;
  code: number;
  codespace: string;
  log: string;
  /** TxMsgData (the Msg responses). */
  data: Uint8Array;
  gasWanted: number;
  gasUsed: number;
  events: ChainEvent[];
}

export interface ChainBlock {
  height: number;
  /** Block time (RFC 3339). */
  time: string;
  txs: ChainTx[];
  /** FinalizeBlock events outside any tx (begin/end block: escrow sweeps, score rounds…). */
  events: ChainEvent[];
}

export type SubscriptionMode = "websocket" | "polling";

export interface SubscribeOptions {
  /** CometBFT RPC, e.g. http://127.0.0.1:26657; the websocket is <rpcUrl>/websocket. */
  rpcUrl: string;
  /** First height to deliver (default: the block after the latest at start). */
  fromHeight?: number;
  /** "polling" never opens a websocket (default "auto": websocket when the runtime has one). */
  transport?: "auto" | "polling";
  /** How often to ask for new heights without a websocket (default 250 ms). */
  pollMs?: number;
  /** Longest wait between websocket reconnects and after failures (default 5 s). */
  maxBackoffMs?: number;
  /** Problems that do not stop the feed (node down, a callback that threw and will be retried). */
  onError?(error: Error): void;
  /** The feed switched between websocket and polling. */
  onMode?(mode: SubscriptionMode): void;
}

export interface BlockSubscription {
  /** Stops the feed; resolves once no callback runs any more. */
  unsubscribe(): Promise<void>;
  /** The next height the callback will get. */
  readonly nextHeight: number;
  readonly mode: SubscriptionMode;
}

type Json = Record<string, unknown>;

const toNum = (v: unknown) => Number(v ?? 0);
const b64 = (v: unknown) => (typeof v === "string" && v ? fromBase64(v) : new Uint8Array());

function events(raw: unknown): ChainEvent[] {
  return ((raw as Json[] | null | undefined) ?? []).map((e) => ({
    type: String(e.type),
    attributes: ((e.attributes as Json[] | null | undefined) ?? []).map((a) => ({ key: String(a.key ?? ""), value: String(a.value ?? "") })),
  }));
}

/** One block from CometBFT's JSON: `block` as in /block and NewBlock, `results` as /block_results or result_finalize_block. */
export function decodeBlock(block: Json, results: Json): ChainBlock {
  const header = block.header as Json;
  const txs = (((block.data as Json)?.txs as string[] | null) ?? []).map((t) => fromBase64(t));
  const txResults = ((results.txs_results ?? results.tx_results) as Json[] | null) ?? [];
  if (txResults.length !== txs.length) throw new Error(`block ${header.height}: ${txs.length} txs but ${txResults.length} results`);
  return {
    height: toNum(header.height),
    time: String(header.time),
    txs: txs.map((tx, i) => {
      const r = txResults[i] as Json;
      return {
        hash: toHex(sha256(tx)).toUpperCase(),
        tx,
        code: toNum(r.code),
        codespace: String(r.codespace ?? ""),
        log: String(r.log ?? ""),
        data: b64(r.data),
        gasWanted: toNum(r.gas_wanted),
        gasUsed: toNum(r.gas_used),
        events: events(r.events),
      };
    }),
    events: events(results.finalize_block_events ?? results.events),
  };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });

const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));

let rpcIds = 0;
function call(rpc: CometHttpClient, method: string, params: Json): Promise<Json> {
  return rpc.execute({ jsonrpc: "2.0", id: ++rpcIds, method, params: params as never }).then((r) => r.result as Json);
}

/** The node's chain id, latest committed height and lowest height it still serves (/status). */
export async function nodeStatus(rpc: CometHttpClient): Promise<{ chainId: string; latest: number; earliest: number }> {
  const status = await call(rpc, "status", {});
  const sync = status.sync_info as Json;
  return { chainId: String((status.node_info as Json).network), latest: toNum(sync.latest_block_height), earliest: toNum(sync.earliest_block_height) || 1 };
}

/** One committed block with its results by JSON-RPC (/block + /block_results), for the feed and the indexer. */
export async function fetchBlock(rpc: CometHttpClient, height: number, signal?: AbortSignal): Promise<ChainBlock> {
  const block = await call(rpc, "block", { height: String(height) });
  // The node can announce a height a moment before it has stored the results.
  for (let attempt = 0; ; attempt++) {
    try {
      const results = await call(rpc, "block_results", { height: String(height) });
      return decodeBlock((block.block as Json) ?? {}, results);
    } catch (e) {
      if (attempt >= 40 || !/could not find results|must be less than or equal/i.test(asError(e).message)) throw e;
      const stop = signal ?? new AbortController().signal;
      await sleep(100, stop);
      if (stop.aborted) throw e;
    }
  }
}

class Feed implements BlockSubscription {
  nextHeight = 0;
  mode: SubscriptionMode = "polling";
  private latest = 0;
  /** Blocks the websocket brought before the callback was ready for them. */
  private readonly early = new Map<number, ChainBlock>();
  private readonly stop = new AbortController();
  private wake: (() => void) | null = null;
  private socket: WebSocket | null = null;
  private readonly rpc: CometHttpClient;
  private readonly wsUrl: string;
  private readonly pollMs: number;
  private readonly maxBackoffMs: number;
  private readonly loop: Promise<void>;

  constructor(
    private readonly opts: SubscribeOptions,
    private readonly onBlock: (block: ChainBlock) => void | Promise<void>,
  ) {
    this.rpc = new CometHttpClient(opts.rpcUrl, { maxInFlight: 4, retries: 1, timeoutMs: 15_000 });
    this.wsUrl = `${opts.rpcUrl.replace(/^http/, "ws").replace(/\/+$/, "")}/websocket`;
    this.pollMs = opts.pollMs ?? 250;
    this.maxBackoffMs = opts.maxBackoffMs ?? 5_000;
    const useSocket = opts.transport !== "polling" && typeof globalThis.WebSocket === "function";
    if (useSocket) void this.socketLoop();
    this.loop = this.run();
  }

  async unsubscribe(): Promise<void> {
    this.stop.abort();
    this.wake?.();
    try {
      this.socket?.close();
    } catch {}
    await this.loop;
  }

  private async latestHeight(): Promise<number> {
    return (await nodeStatus(this.rpc)).latest;
  }

  private fetchBlock(height: number): Promise<ChainBlock> {
    return fetchBlock(this.rpc, height, this.stop.signal);
  }

  private setMode(mode: SubscriptionMode) {
    if (this.mode === mode) return;
    this.mode = mode;
    this.opts.onMode?.(mode);
  }

  private async run(): Promise<void> {
    const signal = this.stop.signal;
    let failures = 0;
    const backoff = () => Math.min(this.maxBackoffMs, 100 * 2 ** Math.min(failures, 10));
    while (!signal.aborted && !this.nextHeight) {
      try {
        this.latest = await this.latestHeight();
        this.nextHeight = this.opts.fromHeight ?? this.latest + 1;
      } catch (e) {
        failures++;
        this.opts.onError?.(asError(e));
        await sleep(backoff(), signal);
      }
    }
    failures = 0;
    let lastPoll = Date.now();
    while (!signal.aborted) {
      try {
        if (this.nextHeight > this.latest) {
          // Nothing owed: wait for the socket to announce a block, or poll.
          const pollEvery = this.mode === "websocket" ? Math.max(this.pollMs, 2_000) : this.pollMs;
          const wait = Math.max(0, pollEvery - (Date.now() - lastPoll));
          if (wait > 0) await new Promise<void>((resolve) => {
            this.wake = resolve;
            void sleep(wait, signal).then(resolve);
          });
          this.wake = null;
          if (signal.aborted) break;
          if (this.nextHeight > this.latest) {
            lastPoll = Date.now();
            this.latest = Math.max(this.latest, await this.latestHeight());
          }
          continue;
        }
        const h = this.nextHeight;
        const block = this.early.get(h) ?? (await this.fetchBlock(h));
        this.early.delete(h);
        if (signal.aborted) break;
        await this.onBlock(block);
        this.nextHeight = h + 1;
        failures = 0;
      } catch (e) {
        failures++;
        this.opts.onError?.(asError(e));
        await sleep(backoff(), signal);
      }
    }
  }

  /** Keeps a websocket subscription open while the feed runs, reconnecting with backoff. */
  private async socketLoop(): Promise<void> {
    const signal = this.stop.signal;
    let failures = 0;
    while (!signal.aborted) {
      const opened = await this.openSocket();
      if (opened) failures = 0;
      else failures++;
      this.setMode("polling");
      this.wake?.(); // poll at once: blocks may have been made while the socket was going down
      if (signal.aborted) break;
      await sleep(Math.min(this.maxBackoffMs, 250 * 2 ** Math.min(failures, 10)), signal);
    }
  }

  /** Resolves when the socket closes; true if it was subscribed at some point. */
  private openSocket(): Promise<boolean> {
    return new Promise((resolve) => {
      let subscribed = false;
      let ws: WebSocket;
      try {
        ws = new WebSocket(this.wsUrl);
      } catch (e) {
        this.opts.onError?.(asError(e));
        return resolve(false);
      }
      this.socket = ws;
      const finish = () => {
        if (this.socket === ws) this.socket = null;
        resolve(subscribed);
      };
      ws.addEventListener("open", () => {
        ws.send(JSON.stringify({ jsonrpc: "2.0", id: "ve-blocks", method: "subscribe", params: { query: "tm.event='NewBlock'" } }));
      });
      ws.addEventListener("message", (ev) => {
        try {
          const msg = JSON.parse(String(ev.data)) as Json;
          if (msg.error) throw new Error(`websocket subscribe: ${JSON.stringify(msg.error)}`);
          const result = msg.result as Json | undefined;
          const value = (result?.data as Json | undefined)?.value as Json | undefined;
          if (!subscribed && result) {
            subscribed = true;
            this.setMode("websocket");
          }
          if (!value?.block) return;
          const block = decodeBlock(value.block as Json, (value.result_finalize_block as Json) ?? {});
          if (block.height >= this.nextHeight && this.early.size < 64) this.early.set(block.height, block);
          this.latest = Math.max(this.latest, block.height);
          this.wake?.();
        } catch (e) {
          this.opts.onError?.(asError(e));
        }
      });
      // No close() here: closing a socket that failed to connect raises "error" again.
      ws.addEventListener("error", finish);
      ws.addEventListener("close", finish);
      if (this.stop.signal.aborted) ws.close();
    });
  }
}

/**
 * Calls `onBlock` with every committed block from `fromHeight` on, in height order, each once the
 * previous call returned (a callback that throws gets the same block again after a backoff).
 *
 *   const sub = subscribeBlocks({ rpcUrl }, async (b) => { for (const tx of b.txs) … });
 *   …
 *   await sub.unsubscribe();
 */
export function subscribeBlocks(opts: SubscribeOptions, onBlock: (block: ChainBlock) => void | Promise<void>): BlockSubscription {
  return new Feed(opts, onBlock);
}
