// Shared fixtures for the crypto tests.
import type { EnvelopeContext, KeyPair, Recipient, Result } from "../../src/crypto/index.ts";

export const ctxA: EnvelopeContext = {
  kind: "order.attributes",
  recordId: "3f0e1c2a9b8d4e6f8a7b6c5d4e3f2a1b",
  version: 1,
};
export const ctxB: EnvelopeContext = {
  kind: "order.attributes",
  recordId: "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
  version: 1,
};

export const asRecipient = (k: KeyPair, keyVersion = 1): Recipient => ({
  publicKey: k.publicKey,
  keyVersion,
});

export const text = (s: string) => new TextEncoder().encode(s);

/** Deterministic bytes for payloads (not randomness: test data only). */
export function pattern(n: number, seed = 7): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

export function errorCode<T>(r: Result<T>): string {
  return r.ok ? "ok" : r.error.code;
}

export async function readAll(s: ReadableStream<Uint8Array>): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await new Response(s).arrayBuffer());
}

/** A ReadableStream that hands `bytes` over in pieces of `size` (to exercise split chunks and headers). */
export function streamOf(bytes: Uint8Array, size = 4096): ReadableStream<Uint8Array> {
  let o = 0;
  return new ReadableStream({
    pull(c) {
      if (o >= bytes.length) return c.close();
      c.enqueue(bytes.slice(o, o + size));
      o += size;
    },
  });
}
