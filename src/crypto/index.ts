// Public API of the envelope library (see openapi/envelope-format.md for the format).
export { type Bytes, constantTimeEqual, hex, unhex } from "./bytes.ts";
export {
  type EnvelopeContext,
  type Header,
  parseHeader,
  type RecipientEntry,
  DEFAULT_CHUNK_SIZE,
} from "./format.ts";
export {
  type OpenOptions,
  type Opened,
  open,
  openingProof,
  type Recipient,
  type RewrapOptions,
  rewrap,
  type SealOptions,
  seal,
} from "./envelope.ts";
export {
  openReadable,
  openStream,
  type OpenStream,
  type SealReadable,
  sealReadable,
  sealStream,
  type SealStream,
} from "./stream.ts";
export {
  BACKUP_ITERATIONS,
  backupPrivateKey,
  deriveFromMnemonic,
  exportPrivateKey,
  generateKeyPair,
  importPrivateKey,
  type KeyBackup,
  type KeyPair,
  type KeyResult,
  keyId,
  restorePrivateKey,
} from "./keys.ts";
export { EnvelopeError, type EnvelopeErrorCode, type Result } from "./result.ts";
export {
  defaultSenderContexts,
  OpenerContexts,
  type SenderContextOptions,
  SenderContexts,
} from "./sender-context.ts";
