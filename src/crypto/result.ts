// Errors as values: every way an envelope can fail to open has a stable code, so callers (routes,
// the blob store, the Go decoder's cross-check) can branch on it without parsing messages.

export type EnvelopeErrorCode =
  /** Not a VEENV envelope, or a field is out of range / inconsistent. */
  | "malformed"
  /** The magic is right but the version, suite or flags are not ones this code knows. */
  | "unsupported"
  /** The envelope belongs to another record (kind, record id or version differ from the expected). */
  | "context_mismatch"
  /** No recipient entry carries the opener's key id. */
  | "not_a_recipient"
  /** The opener's entry is present but its wrapped content key does not authenticate. */
  | "unwrap_failed"
  /** The header MAC does not verify: the header was edited (recipient removed, field changed). */
  | "header_mac"
  /** A payload chunk does not authenticate: edited, reordered, or from another envelope. */
  | "chunk_auth"
  /** The payload ends before its final chunk. */
  | "truncated"
  /** Bytes follow the final chunk. */
  | "trailing_data";

export class EnvelopeError extends Error {
  override readonly name = "EnvelopeError";
  constructor(
    readonly code: EnvelopeErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: EnvelopeError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: EnvelopeErrorCode, message: string): Result<T> => ({
  ok: false,
  error: new EnvelopeError(code, message),
});
