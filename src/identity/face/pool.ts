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
  busy: number;
}

export class FacePool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  readonly size: number;

  constructor(size = Math.min(2, availableParallelism())) {
    this.size = size;
    for (let i = 0; i < size; i++) {
      // Inherits the parent's execArgv, so a TypeScript loader (tsx) registered with --import applies.
      const worker = new Worker(new URL("./worker.ts", import.meta.url));
      const slot: Slot = { worker, busy: 0, ready: Promise.resolve() };
      slot.ready = new Promise((resolve, reject) => {
        worker.once("error", reject);
        worker.on("message", (msg: { ready?: true; id?: number; result?: FaceAnalysis; error?: string }) => {
          if (msg.ready) return resolve();
          const p = this.pending.get(msg.id!);
          if (!p) return;
          this.pending.delete(msg.id!);
          slot.busy--;
          if (msg.error) p.reject(new Error(msg.error));
          else p.resolve(msg.result!);
        });
      });
      this.slots.push(slot);
    }
  }

  /** Resolves once every worker has loaded the models. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  async analyze(bytes: Uint8Array, opts: FaceOptions = {}): Promise<FaceAnalysis> {
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    slot.busy++;
    await slot.ready;
    const id = this.nextId++;
    return new Promise<FaceAnalysis>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      slot.worker.postMessage({ id, bytes, opts });
    });
  }

  /** Document and selfie analysed in parallel, then compared at the fixed threshold. */
  async verify(document: Uint8Array, selfie: Uint8Array, opts: FaceOptions = {}): Promise<Verification> {
    const [a, b] = await Promise.all([this.analyze(document, opts), this.analyze(selfie, opts)]);
    return compareAnalyses(a, b);
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
