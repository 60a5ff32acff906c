// Streaming seal/open over Web Streams, for payloads that must never be held whole (ID images,
// documents in R2). Memory stays at about one chunk plus whatever the source hands over at once.
// The chunk rule that makes this look-ahead free: every chunk but the last holds exactly chunkSize
// plaintext bytes, and the last holds fewer (possibly none). A full-size chunk is therefore never
// final, and a stream that ends on a chunk boundary has lost its final chunk.
import type { Bytes } from "./bytes.ts";
import {
  decryptChunk,
  encryptChunk,
  type OpenOptions,
  type SealOptions,
  sealHeader,
  type Unlocked,
  unlockHeader,
} from "./envelope.ts";
import {
  type Header,
  parseHeader,
  peekHeaderLength,
  shortInput,
  type RecipientEntry,
  TAG_LENGTH,
} from "./format.ts";
import { EnvelopeError, type EnvelopeErrorCode, type Result } from "./result.ts";

type Failure = { ok: false; error: EnvelopeError };
const failure = (code: EnvelopeErrorCode, message: string): Failure => ({
  ok: false,
  error: new EnvelopeError(code, message),
});

/** 2^32 chunks (256 TiB at 64 KiB) keeps the u64 index far from any nonce reuse. */
const MAX_CHUNKS = 2 ** 32;

/** A FIFO of byte arrays that hands out exact-length slices without re-copying what stays queued. */
export class ByteQueue {
  private parts: Uint8Array[] = [];
  private head = 0;
  length = 0;

  push(b: Uint8Array): void {
    if (b.length === 0) return;
    this.parts.push(b);
    this.length += b.length;
  }

  /** The first n bytes (n ≤ length), removed from the queue; a view, not a copy, when they sit in one part. */
  take(n: number): Uint8Array {
    if (n > this.length) throw new RangeError("ByteQueue underflow");
    const first = this.parts[0];
    if (first && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.advance(n);
      return out;
    }
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const p = this.parts[0]!;
      const k = Math.min(n - o, p.length - this.head);
      out.set(p.subarray(this.head, this.head + k), o);
      o += k;
      this.advance(k);
    }
    return out;
  }

  /** A copy of the first n bytes (n ≤ length), left in the queue. */
  peek(n: number): Uint8Array {
    if (n > this.length) throw new RangeError("ByteQueue underflow");
    const out = new Uint8Array(n);
    let o = 0;
    for (let i = 0; o < n; i++) {
      const p = this.parts[i]!;
      const from = i === 0 ? this.head : 0;
      const k = Math.min(n - o, p.length - from);
      out.set(p.subarray(from, from + k), o);
      o += k;
    }
    return out;
  }

  private advance(k: number): void {
    this.head += k;
    this.length -= k;
    if (this.head === this.parts[0]!.length) {
      this.parts.shift();
      this.head = 0;
    }
  }
}

export interface SealStream {
  /** Write plaintext, read the envelope (header first). */
  stream: TransformStream<Uint8Array, Uint8Array>;
  /** The header bytes (also the first thing the stream emits). */
  header: Bytes;
  /** Who can open it: for the D1 row / chain record. */
  recipients: RecipientEntry[];
}

/** A TransformStream that seals what is written to it. Throws RangeError on invalid options. */
export async function sealStream(opts: SealOptions): Promise<SealStream> {
  const h = await sealHeader(opts);
  const queue = new ByteQueue();
  let index = 0;
  const stream = new TransformStream<Uint8Array, Uint8Array>(
    {
      start(controller) {
        controller.enqueue(h.header);
      },
      async transform(chunk, controller) {
        queue.push(chunk);
        while (queue.length >= h.chunkSize) {
          if (index + 1 >= MAX_CHUNKS) throw new RangeError("payload too large for one envelope");
          controller.enqueue(await encryptChunk(h, index++, false, queue.take(h.chunkSize)));
        }
      },
      async flush(controller) {
        controller.enqueue(await encryptChunk(h, index, true, queue.take(queue.length)));
      },
    },
    undefined,
    { highWaterMark: 2 },
  );
  return { stream, header: h.header, recipients: h.recipients };
}

export interface OpenStream {
  /** Write the envelope, read the plaintext. Errors with an EnvelopeError (see its `code`). */
  stream: TransformStream<Uint8Array, Uint8Array>;
  /** Settles once the header is read and verified (or found bad), before any plaintext is emitted. */
  header: Promise<Result<Header>>;
}

/**
 * A TransformStream that opens an envelope as it arrives. Each chunk is authenticated before it is
 * emitted, but truncation shows only at the end: a consumer must treat plaintext as valid only when
 * the stream closes without error (e.g. write it somewhere temporary, commit on close).
 */
export function openStream(opts: OpenOptions): OpenStream {
  const queue = new ByteQueue();
  let resolveHeader!: (r: Result<Header>) => void;
  const header = new Promise<Result<Header>>((r) => {
    resolveHeader = r;
  });
  let state: Unlocked | undefined;
  let headerLength: number | undefined;
  let index = 0;

  // Ends the stream with the failure; before the header is accepted, also settles `header` with it.
  function stop(r: Failure): never {
    if (!state) resolveHeader(r);
    throw r.error;
  }

  const stream = new TransformStream<Uint8Array, Uint8Array>(
    {
      async transform(chunk, controller) {
        queue.push(chunk);
        if (!state) {
          if (headerLength === undefined) {
            if (queue.length < 12) return;
            const peeked = peekHeaderLength(queue.peek(12));
            if (peeked && !peeked.ok) stop(peeked);
            headerLength = peeked?.ok ? peeked.value : undefined;
          }
          if (headerLength === undefined || queue.length < headerLength) return;
          const parsed = parseHeader(queue.take(headerLength));
          if (!parsed.ok) stop(parsed);
          const unlocked = await unlockHeader(parsed.value, opts);
          if (!unlocked.ok) stop(unlocked);
          state = unlocked.value;
          resolveHeader({ ok: true, value: parsed.value });
        }
        const u = state;
        const full = u.chunkSize + TAG_LENGTH;
        // A full-size chunk is never the final one, so it can be opened as soon as it is complete.
        while (queue.length >= full) {
          if (index + 1 >= MAX_CHUNKS) stop(failure("malformed", "too many chunks"));
          const r = await decryptChunk(u, index++, false, queue.take(full));
          if (!r.ok) stop(r);
          controller.enqueue(r.value);
        }
      },
      async flush(controller) {
        if (!state) {
          if (queue.length < 12) stop(shortInput(queue.peek(queue.length)) as Failure);
          stop(failure("truncated", "the envelope ends inside its header"));
        }
        if (queue.length < TAG_LENGTH) stop(failure("truncated", "the payload ends before its final chunk"));
        const r = await decryptChunk(state, index, true, queue.take(queue.length));
        if (!r.ok) stop(r);
        controller.enqueue(r.value);
      },
    },
    undefined,
    // Room for one chunk on the readable side, so the header is processed (and `header` settles)
    // before anyone reads.
    { highWaterMark: 1 },
  );
  return { stream, header };
}

/**
 * Opens an envelope arriving on `source`: header problems come back as values; problems in the
 * payload (tampering, reordering, truncation) error the returned plaintext stream with an EnvelopeError.
 */
export async function openReadable(
  source: ReadableStream<Uint8Array>,
  opts: OpenOptions,
): Promise<Result<{ header: Header; plaintext: ReadableStream<Uint8Array> }>> {
  const o = openStream(opts);
  const plaintext = source.pipeThrough(o.stream);
  // If the source ends or fails before the header is complete, `header` would never settle on its
  // own: race it against the first read, which surfaces that error.
  const reader = plaintext.getReader();
  const first = reader.read().then(
    (r) => ({ r }),
    (e: unknown) => ({ e }),
  );
  const h = await Promise.race([
    o.header,
    first.then((f) => ("e" in f && !(f.e instanceof EnvelopeError) ? sourceFailed(f.e) : o.header)),
  ]);
  if (!h.ok) {
    first.catch(() => {});
    return h;
  }
  // Hand back a stream that replays the first read, then the rest.
  let replayed = false;
  const out = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = replayed
        ? await reader.read().then(
            (r) => ({ r }),
            (e: unknown) => ({ e }),
          )
        : await first;
      replayed = true;
      if ("e" in next) return controller.error(next.e);
      if (next.r.done) return controller.close();
      controller.enqueue(next.r.value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { ok: true, value: { header: h.value, plaintext: out } };
}

// The source itself failed (network, R2) before the header was complete: the envelope did not arrive.
const sourceFailed = (e: unknown): Failure =>
  failure(
    "truncated",
    `the source failed before the header was read: ${e instanceof Error ? e.message : String(e)}`,
  );

export { EnvelopeError };
