// Typed image errors: the scorer maps each code to a scope status with a reason the user can act on.

export type ImageErrorCode =
  | "empty" // no bytes at all
  | "unsupported_format" // not JPEG, PNG or WebP by its magic bytes
  | "too_large" // over the byte or pixel limit
  | "truncated" // container is incomplete (upload cut short)
  | "decode_failed"; // the decoder rejected the data

export class ImageError extends Error {
  readonly code: ImageErrorCode;
  constructor(code: ImageErrorCode, message: string) {
    super(message);
    this.name = "ImageError";
    this.code = code;
  }
}
