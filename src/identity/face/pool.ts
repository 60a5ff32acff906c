// A pool of worker threads running the face pipeline. The tfjs wasm backend is single-threaded in
// Node (no SharedArrayBuffer threads), so on a 2-core validator host the document and the selfie of
// one verification are analysed at the same time in two workers, halving its latency.

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { Verification } from "./compare.ts";
import { compareAnalyses } from "./compare.ts";
import type { FaceAnalysis, FaceOptions } from "./pipeline.ts";

interface Pending {
  resolve: (a: FaceAnalysis) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  pending: Map<number, Pending>;
  /** Set when the worker has exited or crashed; its jobs were rejected and it takes no more. */
  dead: Error | null;
}

export class FacePool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  readonly size: number;

  constructor(size = Math.min(2, availableParallelism())) {
    this.size = size;
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    // Inherits the parent's execArgv, so a TypeScript loader (tsx) registered with --import applies.
    const worker = new Worker(new URL("./worker.ts", import.meta.url));
    const slot: Slot = { worker, pending: new Map(), dead: null, ready: Promise.resolve() };
    const fail = (e: Error) => {
      slot.dead ??= e;
      for (const p of slot.pending.values()) p.reject(e);
      slot.pending.clear();
    };
    slot.ready = new Promise((resolve, reject) => {
      worker.on("message", (msg: { ready?: true; id?: number; result?: FaceAnalysis; error?: string }) => {
        if (msg.ready) return resolve();
        const p = slot.pending.get(msg.id!);
        if (!p) return;
        slot.pending.delete(msg.id!);
        if (msg.error) p.reject(new Error(`face worker: ${msg.error}`));
        else p.resolve(msg.result!);
      });
      worker.on("error", (e) => {
        fail(new Error(`face worker crashed: ${e.message}`));
        reject(slot.dead);
      });
      worker.on("exit", (code) => {
        fail(new Error(`face worker exited with code ${code}`));
        reject(slot.dead);
      });
    });
    slot.ready.catch(() => {}); // observed through analyze()/ready(); avoid an unhandled rejection
    return slot;
  }

  /** Resolves once every worker has loaded the models. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  async analyze(bytes: Uint8Array, opts: FaceOptions = {}): Promise<FaceAnalysis> {
    if (this.closed) throw new Error("face pool is closed");
    const live = this.slots.filter((s) => !s.dead);
    if (live.length === 0) throw new Error("face pool has no live workers");
    const slot = live.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    const result = new Promise<FaceAnalysis>((resolve, reject) => slot.pending.set(id, { resolve, reject }));
    // If the worker dies while loading, both `ready` and `result` reject; the caller sees it once.
    result.catch(() => {});
    try {
      await slot.ready;
    } catch (e) {
      slot.pending.delete(id);
      throw e;
    }
    slot.worker.postMessage({ id, bytes, opts });
    return result;
  }

  /** Document and selfie analysed in parallel, then compared at the fixed threshold. */
  async verify(document: Uint8Array, selfie: Uint8Array, opts: FaceOptions = {}): Promise<Verification> {
    const [a, b] = await Promise.all([this.analyze(document, opts), this.analyze(selfie, opts)]);
    return compareAnalyses(a, b);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
