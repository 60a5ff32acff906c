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
  type SealedHeader,
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
import { EnvelopeError, type Result } from "./result.ts";

/** At most 2^32 chunks per envelope: the u64 index (and so the nonce) never wraps. */
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

  /**
   * The first n bytes (n ≤ length), removed from the queue: a view when they sit in one part, else
   * copied into `scratch` (when given and large enough; the caller must be done with the previous
   * result) or a new array.
   */
  take(n: number, scratch?: Uint8Array): Uint8Array {
    if (n > this.length) throw new RangeError("ByteQueue underflow");
    const first = this.parts[0];
    if (first && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.advance(n);
      return out;
    }
    const out = scratch && scratch.length >= n ? scratch.subarray(0, n) : new Uint8Array(n);
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

/** The sealing state machine behind both stream forms: plaintext pieces in, whole chunks out. */
class Sealer {
  private readonly queue = new ByteQueue();
  private index = 0;
  // Chunks spread over several input pieces are assembled here, one at a time: each is encrypted
  // (and awaited) before the next is assembled, so one buffer serves them all.
  private scratch: Uint8Array | undefined;

  constructor(readonly h: SealedHeader) {}

  async push(piece: Uint8Array): Promise<Uint8Array[]> {
    this.queue.push(piece);
    const out: Uint8Array[] = [];
    const cs = this.h.chunkSize;
    while (this.queue.length >= cs) {
      if (this.index + 1 >= MAX_CHUNKS) throw new RangeError("payload too large for one envelope");
      this.scratch ??= new Uint8Array(cs);
      out.push(await encryptChunk(this.h, this.index++, false, this.queue.take(cs, this.scratch)));
    }
    return out;
  }

  finish(): Promise<Uint8Array> {
    return encryptChunk(this.h, this.index, true, this.queue.take(this.queue.length));
  }
}

/** The opening state machine: envelope pieces in, authenticated plaintext chunks out; throws EnvelopeError. */
class Opener {
  private readonly queue = new ByteQueue();
  private headerLength: number | undefined;
  private state: Unlocked | undefined;
  private index = 0;
  private scratch: Uint8Array | undefined;
  header: Header | undefined;

  constructor(private readonly opts: OpenOptions) {}

  get ready(): boolean {
    return this.state !== undefined;
  }

  async push(piece: Uint8Array): Promise<Uint8Array[]> {
    this.queue.push(piece);
    if (!this.state) {
      if (this.headerLength === undefined) {
        if (this.queue.length < 12) return [];
        const peeked = peekHeaderLength(this.queue.peek(12));
        if (peeked && !peeked.ok) throw peeked.error;
        this.headerLength = peeked?.ok ? peeked.value : undefined;
      }
      if (this.headerLength === undefined || this.queue.length < this.headerLength) return [];
      const parsed = parseHeader(this.queue.take(this.headerLength));
      if (!parsed.ok) throw parsed.error;
      const unlocked = await unlockHeader(parsed.value, this.opts);
      if (!unlocked.ok) throw unlocked.error;
      this.state = unlocked.value;
      this.header = parsed.value;
    }
    const u = this.state;
    const full = u.chunkSize + TAG_LENGTH;
    const out: Uint8Array[] = [];
    // A full-size chunk is never the final one, so it can be opened as soon as it is complete.
    while (this.queue.length >= full) {
      if (this.index + 1 >= MAX_CHUNKS) throw new EnvelopeError("malformed", "too many chunks");
      this.scratch ??= new Uint8Array(full);
      const r = await decryptChunk(u, this.index++, false, this.queue.take(full, this.scratch));
      if (!r.ok) throw r.error;
      out.push(r.value);
    }
    return out;
  }

  async finish(): Promise<Uint8Array> {
    if (!this.state) {
      if (this.queue.length < 12) {
        const s = shortInput(this.queue.peek(this.queue.length));
        if (!s.ok) throw s.error;
      }
      throw new EnvelopeError("truncated", "the envelope ends inside its header");
    }
    if (this.queue.length < TAG_LENGTH)
      throw new EnvelopeError("truncated", "the payload ends before its final chunk");
    const r = await decryptChunk(this.state, this.index, true, this.queue.take(this.queue.length));
    if (!r.ok) throw r.error;
    return r.value;
  }
}

/** Any failure of the source itself (network, R2) means the envelope did not arrive whole. */
const asEnvelopeError = (e: unknown): EnvelopeError =>
  e instanceof EnvelopeError
    ? e
    : new EnvelopeError("truncated", `the source failed: ${e instanceof Error ? e.message : String(e)}`);

/**
 * A ReadableStream that pulls pieces from `reader`, feeds them to `push`, and emits whatever comes
 * out; `finish` gives the last piece at the end of input. Pull-based on purpose: in workerd a JS
 * TransformStream stage costs about twice as much per piece as a pulled ReadableStream.
 */
function pump(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  push: (piece: Uint8Array) => Promise<Uint8Array[]>,
  finish: () => Promise<Uint8Array>,
  first: Uint8Array[] = [],
): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        for (const p of first) c.enqueue(p);
      },
      async pull(c) {
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) {
              c.enqueue(await finish());
              c.close();
              return;
            }
            const out = await push(value);
            for (const p of out) c.enqueue(p);
            if (out.length) return;
          }
        } catch (e) {
          reader.cancel().catch(() => {});
          throw asEnvelopeError(e);
        }
      },
      cancel(reason) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

export interface SealReadable {
  /** The envelope: header first, then the chunks. */
  stream: ReadableStream<Uint8Array>;
  /** The header bytes (also the first thing the stream emits). */
  header: Bytes;
  /** Who can open it: for the D1 row / chain record. */
  recipients: RecipientEntry[];
}

/** Seals the plaintext arriving on `source` as it is read. Throws RangeError on invalid options. */
export async function sealReadable(
  source: ReadableStream<Uint8Array>,
  opts: SealOptions,
): Promise<SealReadable> {
  const sealer = new Sealer(await sealHeader(opts));
  const stream = pump(
    source.getReader(),
    (p) => sealer.push(p),
    () => sealer.finish(),
    [sealer.h.header],
  );
  return { stream, header: sealer.h.header, recipients: sealer.h.recipients };
}

/**
 * Opens an envelope arriving on `source`: header problems (wrong record, not a recipient, edited
 * header) come back as values before any plaintext; problems in the payload (tampering,
 * reordering, truncation) error the returned plaintext stream with an EnvelopeError. Each chunk is
 * authenticated before it is emitted, but truncation shows only at the end: treat the plaintext as
 * valid only once the stream closes without error.
 */
export async function openReadable(
  source: ReadableStream<Uint8Array>,
  opts: OpenOptions,
): Promise<Result<{ header: Header; plaintext: ReadableStream<Uint8Array> }>> {
  const opener = new Opener(opts);
  const reader = source.getReader();
  const first: Uint8Array[] = [];
  try {
    while (!opener.ready) {
      const { done, value } = await reader.read();
      if (done)
        await opener.finish(); // throws: the input ended inside the header
      else first.push(...(await opener.push(value)));
    }
  } catch (e) {
    reader.cancel().catch(() => {});
    return { ok: false, error: asEnvelopeError(e) };
  }
  const plaintext = pump(
    reader,
    (p) => opener.push(p),
    () => opener.finish(),
    first,
  );
  return { ok: true, value: { header: opener.header!, plaintext } };
}

export interface SealStream {
  /** Write plaintext, read the envelope (header first). */
  stream: TransformStream<Uint8Array, Uint8Array>;
  /** The header bytes (also the first thing the stream emits). */
  header: Bytes;
  /** Who can open it: for the D1 row / chain record. */
  recipients: RecipientEntry[];
}

/**
 * The TransformStream form of sealReadable, for pipeThrough chains. Throws RangeError on invalid
 * options.
 */
export async function sealStream(opts: SealOptions): Promise<SealStream> {
  const sealer = new Sealer(await sealHeader(opts));
  const stream = new TransformStream<Uint8Array, Uint8Array>(
    {
      start(controller) {
        controller.enqueue(sealer.h.header);
      },
      async transform(chunk, controller) {
        for (const p of await sealer.push(chunk)) controller.enqueue(p);
      },
      async flush(controller) {
        controller.enqueue(await sealer.finish());
      },
    },
    undefined,
    { highWaterMark: 2 },
  );
  return { stream, header: sealer.h.header, recipients: sealer.h.recipients };
}

export interface OpenStream {
  /** Write the envelope, read the plaintext. Errors with an EnvelopeError (see its `code`). */
  stream: TransformStream<Uint8Array, Uint8Array>;
  /** Settles once the header is read and verified (or found bad), before any plaintext is emitted. */
  header: Promise<Result<Header>>;
}

/**
 * The TransformStream form of openReadable. The same caveat holds: plaintext is valid only once the
 * stream closes without error.
 */
export function openStream(opts: OpenOptions): OpenStream {
  const opener = new Opener(opts);
  let settle!: (r: Result<Header>) => void;
  let settled = false;
  const header = new Promise<Result<Header>>((r) => {
    settle = (v) => {
      settled = true;
      r(v);
    };
  });
  const fail = (e: unknown): never => {
    const err = asEnvelopeError(e);
    if (!settled) settle({ ok: false, error: err });
    throw err;
  };
  const stream = new TransformStream<Uint8Array, Uint8Array>(
    {
      async transform(chunk, controller) {
        let out: Uint8Array[];
        try {
          out = await opener.push(chunk);
        } catch (e) {
          return fail(e);
        }
        if (opener.ready && !settled) settle({ ok: true, value: opener.header! });
        for (const p of out) controller.enqueue(p);
      },
      async flush(controller) {
        try {
          controller.enqueue(await opener.finish());
        } catch (e) {
          fail(e);
        }
      },
    },
    undefined,
    // Room for one chunk on the readable side, so the header is processed (and `header` settles)
    // before anyone reads.
    { highWaterMark: 1 },
  );
  return { stream, header };
}

export { EnvelopeError };
