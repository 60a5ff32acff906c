// Byte helpers for the envelope format: big-endian integers, concatenation, hex, constant-time equality.

export type Bytes = Uint8Array<ArrayBuffer>;

export function concat(...parts: Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function u16(n: number): Bytes {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, n);
  return b;
}
export function u32(n: number): Bytes {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}
export function u64(n: number): Bytes {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
}

const encoder = new TextEncoder();
// fatal: a header with invalid UTF-8 is malformed, not silently repaired with U+FFFD.
const strictDecoder = new TextDecoder("utf-8", { fatal: true });
export const utf8 = (s: string): Bytes => encoder.encode(s) as Bytes;
/** Decodes UTF-8, throwing TypeError on invalid input. */
export const fromUtf8 = (b: Uint8Array): string => strictDecoder.decode(b);
export const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
export function unhex(s: string): Bytes {
  if (!/^([0-9a-f]{2})*$/i.test(s)) throw new Error("not hex");
  return Uint8Array.from(s.match(/../g) ?? [], (h) => Number.parseInt(h, 16)) as Bytes;
}

/** Equality whose time does not depend on where the inputs differ. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

export async function sha256(data: Uint8Array): Promise<Bytes> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", data as Bytes));
}

/** A cursor over a byte array that throws a typed error when the input ends early. */
export class Reader {
  offset = 0;
  readonly bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    // A plain view: Node's Buffer overrides slice() to share memory, and take() relies on a copy.
    this.bytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
  }
  take(n: number): Bytes {
    if (this.offset + n > this.bytes.length) throw new RangeError("truncated");
    const out = this.bytes.slice(this.offset, this.offset + n) as Bytes;
    this.offset += n;
    return out;
  }
  u8(): number {
    return this.take(1)[0]!;
  }
  u16(): number {
    return new DataView(this.take(2).buffer).getUint16(0);
  }
  u32(): number {
    return new DataView(this.take(4).buffer).getUint32(0);
  }
}
