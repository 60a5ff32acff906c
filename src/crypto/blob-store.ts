// Sealed blobs in R2. The Worker never needs a private key here: clients upload envelopes they
// sealed themselves (or the Worker seals to public keys, e.g. for the provider's executor key), and
// the store checks the header (right record, required recipients), streams the bytes into R2 while
// hashing them, and hands back what D1 and the chain keep: object key, SHA-256, size, recipients.
// Runs in workerd (uses FixedLengthStream and crypto.DigestStream, which are workerd APIs).
import { type Bytes, hex } from "./bytes.ts";
import type { SealOptions } from "./envelope.ts";
import {
  type EnvelopeContext,
  type Header,
  parseHeader,
  peekHeaderLength,
  sameContext,
  shortInput,
  TAG_LENGTH,
} from "./format.ts";
import type { EnvelopeErrorCode } from "./result.ts";
import { ByteQueue, sealReadable } from "./stream.ts";

/** What D1 (and the chain record) keeps about a sealed blob: never any of its content. */
export interface BlobRef {
  key: string;
  /** Hex SHA-256 of the stored envelope bytes. */
  sha256: string;
  size: number;
  recipients: { keyId: string; keyVersion: number }[];
  context: EnvelopeContext;
}

export type BlobErrorCode =
  | EnvelopeErrorCode
  /** The envelope is bigger than the caller allows. */
  | "too_large"
  /** A recipient the record needs (e.g. the provider) is not in the header. */
  | "missing_recipient"
  /** The body did not have the declared length, or the stored object differs from its BlobRef. */
  | "size_mismatch"
  | "hash_mismatch"
  | "not_found";

export type BlobResult<T> =
  | { ok: true; value: T }
  | { ok: false; error: { code: BlobErrorCode; message: string } };

const bad = <T>(code: BlobErrorCode, message: string): BlobResult<T> => ({
  ok: false,
  error: { code, message },
});

export interface PutOptions {
  /** The record the envelope must belong to. */
  context: EnvelopeContext;
  /** Hex key ids that must be among the recipients. */
  requireRecipients?: string[];
  /** Largest envelope accepted, in bytes (default 32 MiB). */
  maxSize?: number;
}

const DEFAULT_MAX = 32 * 1024 * 1024;

/** workerd's streaming digest (not in the DOM typings of `crypto`). */
const sha256Stream = () =>
  new (crypto as unknown as { DigestStream: typeof DigestStream }).DigestStream("SHA-256");

/** Reads from `reader` until `queue` holds the whole header (left in the queue), or says why not. */
async function readHeader(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  queue: ByteQueue,
): Promise<BlobResult<Header>> {
  let length: number | undefined;
  for (;;) {
    if (length === undefined && queue.length >= 12) {
      const p = peekHeaderLength(queue.peek(12));
      if (p && !p.ok) return bad(p.error.code, p.error.message);
      length = p?.ok ? p.value : undefined;
    }
    if (length !== undefined && queue.length >= length) {
      const h = parseHeader(queue.peek(length));
      return h.ok ? h : bad(h.error.code, h.error.message);
    }
    const { done, value } = await reader.read();
    if (done) {
      const s = length === undefined ? shortInput(queue.peek(queue.length)) : undefined;
      return s && !s.ok
        ? bad(s.error.code, s.error.message)
        : bad("truncated", "the input ends inside the header");
    }
    queue.push(value);
  }
}

function refOf(key: string, header: Header, sha256: Bytes, size: number): BlobRef {
  return {
    key,
    sha256: hex(sha256),
    size,
    recipients: header.recipients.map((r) => ({ keyId: hex(r.keyId), keyVersion: r.keyVersion })),
    context: header.context,
  };
}

/**
 * Stores an envelope arriving on `envelope` (declared `size` bytes, e.g. the request's
 * Content-Length) under `key`, after checking its header against the record. The bytes stream
 * through; nothing is held beyond the header and one piece of the input.
 */
export async function putEnvelope(
  bucket: R2Bucket,
  key: string,
  envelope: ReadableStream<Uint8Array>,
  size: number,
  opts: PutOptions,
): Promise<BlobResult<BlobRef>> {
  if (!Number.isSafeInteger(size) || size < 0) return bad("size_mismatch", "declared size is not a length");
  if (size > (opts.maxSize ?? DEFAULT_MAX)) return bad("too_large", `${size} bytes`);
  const reader = envelope.getReader();
  const queue = new ByteQueue();
  const parsed = await readHeader(reader, queue);
  if (!parsed.ok) {
    await reader.cancel().catch(() => {});
    return parsed;
  }
  const header = parsed.value;
  const refuse = async (code: BlobErrorCode, message: string) => {
    await reader.cancel().catch(() => {});
    return bad<BlobRef>(code, message);
  };
  if (!sameContext(header.context, opts.context))
    return refuse("context_mismatch", "the envelope belongs to another record");
  const listed = new Set(header.recipients.map((r) => hex(r.keyId)));
  const missing = (opts.requireRecipients ?? []).filter((id) => !listed.has(id.toLowerCase()));
  if (missing.length) return refuse("missing_recipient", `not sealed to ${missing.join(", ")}`);
  if (size < header.bytes.length + TAG_LENGTH)
    return refuse("size_mismatch", "too short for a header and a final chunk");

  const digest = sha256Stream();
  const hashWriter = digest.getWriter();
  const fixed = new FixedLengthStream(size);
  // Replay what was read for the header, then the rest of the input; every piece also feeds the hash.
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      if (queue.length) c.enqueue(queue.take(queue.length));
    },
    async pull(c) {
      const { done, value } = await reader.read();
      if (done) c.close();
      else c.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }).pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, c) {
        await hashWriter.write(chunk);
        c.enqueue(chunk);
      },
      async flush() {
        await hashWriter.close();
      },
    }),
  );
  const piping = body.pipeTo(fixed.writable);
  try {
    await Promise.all([
      bucket.put(key, fixed.readable, {
        httpMetadata: { contentType: "application/vnd.virtengine.envelope" },
      }),
      piping,
    ]);
  } catch (e) {
    piping.catch(() => {});
    await bucket.delete(key).catch(() => {});
    return bad(
      "size_mismatch",
      `the body did not have the declared ${size} bytes (${e instanceof Error ? e.message : String(e)})`,
    );
  }
  return { ok: true, value: refOf(key, header, new Uint8Array(await digest.digest), size) };
}

/**
 * Seals a plaintext stream of known length (for the R2 object's length) in the Worker and stores
 * it: for values sealed to public keys on the server side, e.g. plugin credentials to the
 * provider's executor key.
 */
export async function sealToBucket(
  bucket: R2Bucket,
  key: string,
  plaintext: ReadableStream<Uint8Array>,
  plaintextLength: number,
  seal: SealOptions & { maxSize?: number },
): Promise<BlobResult<BlobRef>> {
  const s = await sealReadable(plaintext, seal);
  const h = parseHeader(s.header);
  if (!h.ok) return bad(h.error.code, h.error.message);
  const cs = h.value.chunkSize;
  const size = s.header.length + plaintextLength + (Math.floor(plaintextLength / cs) + 1) * TAG_LENGTH;
  return putEnvelope(bucket, key, s.stream, size, {
    context: seal.context,
    maxSize: seal.maxSize ?? Number.MAX_SAFE_INTEGER,
  });
}

/**
 * The stored envelope as a stream, checked against its BlobRef: a different size is an error value;
 * a different hash errors the stream at its end (so serve it to clients that also open it, which
 * authenticates every chunk anyway).
 */
export async function getEnvelope(
  bucket: R2Bucket,
  ref: BlobRef,
): Promise<BlobResult<ReadableStream<Uint8Array>>> {
  const obj = await bucket.get(ref.key);
  if (!obj) return bad("not_found", ref.key);
  if (obj.size !== ref.size) {
    await obj.body.cancel().catch(() => {});
    return bad("size_mismatch", `stored ${obj.size} bytes, expected ${ref.size}`);
  }
  const digest = sha256Stream();
  const w = digest.getWriter();
  const checked = obj.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, c) {
        await w.write(chunk);
        c.enqueue(chunk);
      },
      async flush() {
        await w.close();
        if (hex(new Uint8Array(await digest.digest)) !== ref.sha256.toLowerCase())
          throw new Error("hash_mismatch: the stored object is not the one recorded");
      },
    }),
  );
  return { ok: true, value: checked };
}

/**
 * The stored envelope's header alone (two ranged reads): what a member needs to re-wrap the content
 * key for a new member on the client (`rewrap()`), without downloading the payload.
 */
export async function getHeader(bucket: R2Bucket, ref: BlobRef): Promise<BlobResult<Bytes>> {
  const prefix = await bucket.get(ref.key, { range: { offset: 0, length: 12 } });
  if (!prefix) return bad("not_found", ref.key);
  const p = peekHeaderLength(new Uint8Array(await prefix.arrayBuffer()));
  if (!p) return bad("truncated", "object shorter than a header");
  if (!p.ok) return bad(p.error.code, p.error.message);
  const obj = await bucket.get(ref.key, { range: { offset: 0, length: p.value } });
  if (!obj) return bad("not_found", ref.key);
  const bytes = new Uint8Array(await obj.arrayBuffer());
  const h = parseHeader(bytes);
  return h.ok ? { ok: true, value: h.value.bytes } : bad(h.error.code, h.error.message);
}

/**
 * Stores `newHeader` (from a client's `rewrap()`) followed by the stored payload under `newKey`,
 * streaming the payload from R2 to R2. The Worker cannot check the new header's MAC (it has no
 * content key); it checks that the header is for the same record with the same chunking, and
 * readers check the MAC. The old object stays until the caller has recorded the new BlobRef.
 */
export async function replaceHeader(
  bucket: R2Bucket,
  ref: BlobRef,
  newKey: string,
  newHeader: Uint8Array,
  opts: Omit<PutOptions, "context"> = {},
): Promise<BlobResult<BlobRef>> {
  const next = parseHeader(newHeader);
  if (!next.ok) return bad(next.error.code, next.error.message);
  if (next.value.bytes.length !== newHeader.length)
    return bad("malformed", "trailing bytes after the header");
  const old = await getHeader(bucket, ref);
  if (!old.ok) return old;
  const prev = parseHeader(old.value);
  if (!prev.ok) return bad(prev.error.code, prev.error.message);
  if (!sameContext(prev.value.context, next.value.context))
    return bad("context_mismatch", "the new header is for another record");
  if (
    prev.value.chunkSize !== next.value.chunkSize ||
    hex(prev.value.baseNonce) !== hex(next.value.baseNonce)
  )
    return bad("malformed", "the new header does not describe the stored payload");
  const body = await bucket.get(ref.key, { range: { offset: old.value.length } });
  if (!body) return bad("not_found", ref.key);
  const payloadLength = ref.size - old.value.length;
  const stream = prepend(newHeader.slice(), body.body);
  return putEnvelope(bucket, newKey, stream, newHeader.length + payloadLength, {
    ...opts,
    context: next.value.context,
  });
}

/** `head` followed by everything `rest` yields. */
function prepend(head: Uint8Array, rest: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = rest.getReader();
  return new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(head);
    },
    async pull(c) {
      const { done, value } = await reader.read();
      if (done) c.close();
      else c.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
