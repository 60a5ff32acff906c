// The validator's side of re-sealing review evidence (runs where the validator's private key is:
// beside the scorer, or in a test). Given the stored header of a capture's envelope, re-wraps the
// content key for the moderator's key and removes every other recipient, so the new header opens
// for that moderator only.
import { hex } from "../../crypto/bytes.ts";
import { rewrap } from "../../crypto/envelope.ts";
import { parseHeader } from "../../crypto/format.ts";
import { type KeyPair, keyId } from "../../crypto/keys.ts";
import type { Result } from "../../crypto/result.ts";
import { CAPTURE_ENVELOPE_KIND } from "../capture/bundle.ts";
import { b64urlDecode } from "../sso/id-token.ts";

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

export interface ResealConfig {
  apiUrl: string;
  /** Token of the account that registered the validator's identity key. */
  token: string;
  key: KeyPair;
}

interface ResealItem {
  review: string;
  capture: string;
  moderator: { key_id: string; key_version: number; public_key: string };
}

export interface ResealReport {
  resealed: { review: string; capture: string }[];
  failed: { review: string; capture: string; reason: string }[];
}

/**
 * One round of the validator's re-seal work: every capture of a claimed review that this key can
 * open is re-wrapped for the claiming moderator's key and uploaded. Meant to run beside the scorer.
 */
export async function resealOnce(cfg: ResealConfig): Promise<ResealReport> {
  const auth = { Authorization: `Token ${cfg.token}` };
  const base = cfg.apiUrl.replace(/\/$/, "");
  const list = await fetch(`${base}/api/identity/reviews/reseal/`, { headers: auth });
  if (!list.ok) throw new Error(`listing re-seal work: HTTP ${list.status}`);
  const items = (await list.json()) as ResealItem[];
  const report: ResealReport = { resealed: [], failed: [] };
  for (const it of items) {
    const fail = (reason: string) => report.failed.push({ review: it.review, capture: it.capture, reason });
    const publicKey = b64urlDecode(it.moderator.public_key);
    // The key must be the one the listing names (its id is the SHA-256 of the key).
    if (publicKey?.length !== 32 || hex(await keyId(publicKey)) !== it.moderator.key_id) {
      fail("the moderator key does not match its key id");
      continue;
    }
    const path = `${base}/api/identity/reviews/${it.review}/evidence/${it.capture}/`;
    const h = await fetch(`${path}header/`, { headers: auth });
    if (!h.ok) {
      fail(`fetching the header: HTTP ${h.status}`);
      continue;
    }
    const header = await resealHeaderFor(new Uint8Array(await h.arrayBuffer()), cfg.key, it.capture, {
      publicKey,
      keyVersion: it.moderator.key_version,
    });
    if (!header.ok) {
      fail(`cannot re-wrap: ${header.error.message}`);
      continue;
    }
    const put = await fetch(path, {
      method: "PUT",
      headers: { ...auth, "Content-Type": "application/octet-stream" },
      body: header.value as Uint8Array<ArrayBuffer>,
    });
    if (put.status === 201) report.resealed.push({ review: it.review, capture: it.capture });
    else fail(`upload refused: HTTP ${put.status} ${(await put.text()).slice(0, 200)}`);
  }
  return report;
}
