// The validator's side of re-sealing review evidence (runs where the validator's private key is:
// beside the scorer, or in a test). Given the stored header of a capture's envelope, re-wraps the
// content key for the moderator's key and removes every other recipient, so the new header opens
// for that moderator only.
import { rewrap } from "../../crypto/envelope.ts";
import type { KeyPair } from "../../crypto/keys.ts";
import type { Result } from "../../crypto/result.ts";
import { parseHeader } from "../../crypto/format.ts";
import { CAPTURE_ENVELOPE_KIND } from "../capture/bundle.ts";

export const captureContext = (captureUuid: string) => ({
  kind: CAPTURE_ENVELOPE_KIND,
  recordId: captureUuid,
  version: 1,
});

export async function resealHeaderFor(
  header: Uint8Array,
  validatorKey: KeyPair,
  captureUuid: string,
  moderator: { publicKey: Uint8Array; keyVersion: number },
): Promise<Result<Uint8Array>> {
  const parsed = parseHeader(header);
  if (!parsed.ok) return parsed;
  const r = await rewrap(parsed.value.bytes, {
    key: validatorKey,
    context: captureContext(captureUuid),
    remove: parsed.value.recipients.map((e) => e.keyId),
    add: [moderator],
  });
  return r.ok ? { ok: true, value: r.value.header } : r;
}
