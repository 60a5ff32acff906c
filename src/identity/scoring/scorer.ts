// The validator-side scorer (Node, beside a validator; `npm run scorer`). Each round it lists the
// captures sealed to its key, pairs each account's latest ID document with its latest selfie,
// opens both envelopes with the validator's private key, re-checks the capture attestation itself
// (salted hash and device signature: the edge is not trusted), runs the face pipeline and posts
// the verdict with the pipeline's version and hash. Evidence it cannot open or that fails the
// re-check is reported and skipped: nothing is posted for it.
//
// After the face verdicts, the same round scores every account the edge lists as due: the signal
// rows go through the feature code and the score model (model.ts), and the whole-number score is
// posted with the scoring pipeline's version and hash (pipeline.ts). The reasons (which inputs
// moved the score) go to the edge with it, never into anything bound for the chain.
import { createHash } from "node:crypto";
import { open } from "../../crypto/envelope.ts";
import type { KeyPair } from "../../crypto/keys.ts";
import { type BundleHead, CAPTURE_ENVELOPE_KIND, captureMessage, decodeBundle } from "../capture/bundle.ts";
import { verifyDeviceSignature } from "../capture/device-keys.ts";
import { verifyFaces } from "../face/compare.ts";
import { facePipelineManifest } from "../face/manifest.ts";
import { loadScoreModel, type Reason, scoreAccount } from "./model.ts";
import { pipelineVersion } from "./pipeline.ts";

export const PIPELINE_VERSION = "face-v1";

export interface ScorerConfig {
  apiUrl: string;
  token: string;
  key: KeyPair;
  log?: (line: string) => void;
}

interface Pending {
  uuid: string;
  scope: "id_document" | "selfie";
  account: string;
  envelope_sha256: string;
  image_sha256: string;
  created: string;
}

export interface ScoreReport {
  posted: { document: string; selfie: string; outcome: string; distance?: number; reason?: string }[];
  skipped: { capture: string; reason: string }[];
  waiting: number;
  /** Identity scores posted this round. */
  scores: { account: string; score: number; reasons: Reason[] }[];
  /** Due accounts not scored: signals the feature code refused, or a refused post. */
  unscored: { account: string; reason: string }[];
}

interface Due {
  account: string;
  as_of: string;
  signals: unknown;
}

type Opened = { ok: true; head: BundleHead; image: Uint8Array } | { ok: false; reason: string };

/** The server dropped an idle keep-alive connection just as it was reused (long face runs idle it). */
const connectionDropped = (e: unknown) =>
  e instanceof TypeError && /other side closed|ECONNRESET|socket/i.test(String((e as Error & { cause?: Error }).cause?.message ?? ""));

/** One API call; retried once on a dropped connection (the request never reached the server). */
async function api(cfg: ScorerConfig, path: string, init: RequestInit = {}): Promise<Response & { retried?: boolean }> {
  const call = () =>
    fetch(cfg.apiUrl.replace(/\/$/, "") + path, {
      ...init,
      headers: { Authorization: `Token ${cfg.token}`, ...(init.headers as Record<string, string> | undefined) },
      signal: AbortSignal.timeout(60_000),
    });
  try {
    return await call();
  } catch (e) {
    if (!connectionDropped(e)) throw e;
    return Object.assign(await call(), { retried: true });
  }
}

/** Downloads, opens and re-checks one capture. */
async function openCapture(cfg: ScorerConfig, p: Pending): Promise<Opened> {
  const res = await api(cfg, `/api/identity/scoring/captures/${p.uuid}/envelope/`);
  if (!res.ok) return { ok: false, reason: `download answered ${res.status}` };
  const envelope = new Uint8Array(await res.arrayBuffer());
  if (createHash("sha256").update(envelope).digest("hex") !== p.envelope_sha256) return { ok: false, reason: "envelope hash differs from the commitment" };
  const opened = await open(envelope, { key: cfg.key, context: { kind: CAPTURE_ENVELOPE_KIND, recordId: p.uuid, version: 1 } });
  if (!opened.ok) return { ok: false, reason: `cannot open the envelope (${opened.error.code})` };
  const bundle = decodeBundle(opened.value.plaintext);
  if (!bundle) return { ok: false, reason: "the envelope does not hold a capture bundle" };
  const { head, image } = bundle;
  if (head.capture !== p.uuid || head.account !== p.account || head.scope !== p.scope) return { ok: false, reason: "the bundle belongs to another capture" };
  const salt = Buffer.from(head.salt, "base64url");
  const digest = createHash("sha256").update(salt).update(image).digest("hex");
  if (digest !== head.image_sha256 || digest !== p.image_sha256) return { ok: false, reason: "the image does not match its salted hash" };
  const signature = new Uint8Array(Buffer.from(head.signature, "base64url"));
  if (!(await verifyDeviceSignature(head.device.algorithm, head.device.public_key, signature, captureMessage(head)))) {
    return { ok: false, reason: "the device signature does not verify" };
  }
  return { ok: true, head, image };
}

/** One round: everything pending now, scored once. */
export async function scoreOnce(cfg: ScorerConfig): Promise<ScoreReport> {
  const log = cfg.log ?? (() => {});
  const report: ScoreReport = { posted: [], skipped: [], waiting: 0, scores: [], unscored: [] };
  const res = await api(cfg, "/api/identity/scoring/pending/");
  if (!res.ok) throw new Error(`listing pending captures answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const pending = (await res.json()) as Pending[];
  const byAccount = new Map<string, { id_document?: Pending; selfie?: Pending }>();
  for (const p of pending) {
    const slot = byAccount.get(p.account) ?? {};
    const prev = slot[p.scope];
    if (!prev || prev.created < p.created) slot[p.scope] = p;
    byAccount.set(p.account, slot);
  }
  const manifest = await facePipelineManifest();
  for (const [account, pair] of byAccount) {
    if (!pair.id_document || !pair.selfie) {
      report.waiting++;
      continue;
    }
    const doc = await openCapture(cfg, pair.id_document);
    const selfie = await openCapture(cfg, pair.selfie);
    let unusable = false;
    for (const [p, o] of [
      [pair.id_document, doc],
      [pair.selfie, selfie],
    ] as const) {
      if (!o.ok) {
        report.skipped.push({ capture: p.uuid, reason: o.reason });
        log(`scorer: capture ${p.uuid} of ${account} skipped: ${o.reason}`);
        unusable = true;
      }
    }
    if (unusable || !doc.ok || !selfie.ok) continue;
    const v = await verifyFaces(doc.image, selfie.image);
    const verdict = v.ok
      ? { outcome: v.match ? "match" : "no_match", distance: Math.round(v.distance * 1e6) / 1e6 }
      : { outcome: "rejected", rejected_image: v.image, reason: v.reason };
    const post = await api(cfg, "/api/identity/scoring/attestations/", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ document: pair.id_document.uuid, selfie: pair.selfie.uuid, ...verdict, pipeline_version: PIPELINE_VERSION, pipeline_hash: manifest.hash }),
    });
    // A retried post may find its first attempt recorded after all.
    if (post.status !== 201 && !(post.status === 409 && post.retried)) {
      report.skipped.push({ capture: pair.selfie.uuid, reason: `attestation answered ${post.status}` });
      log(`scorer: attestation for ${account} answered ${post.status}: ${(await post.text()).slice(0, 200)}`);
      continue;
    }
    await post.arrayBuffer();
    report.posted.push({ document: pair.id_document.uuid, selfie: pair.selfie.uuid, ...verdict });
    log(`scorer: ${account}: ${verdict.outcome}${"distance" in verdict ? ` (${verdict.distance})` : ` (${verdict.reason})`}`);
  }
  await scoreDue(cfg, report);
  return report;
}

/** Scores the accounts the edge lists as due and posts each score. */
async function scoreDue(cfg: ScorerConfig, report: ScoreReport): Promise<void> {
  const log = cfg.log ?? (() => {});
  const res = await api(cfg, "/api/identity/scoring/due/");
  if (!res.ok) throw new Error(`listing accounts due for a score answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  const due = (await res.json()) as unknown;
  if (!Array.isArray(due)) throw new Error("the due listing is not a list");
  if (due.length === 0) return;
  const model = await loadScoreModel();
  const pipeline = await pipelineVersion();
  for (const d of due as Due[]) {
    const account = typeof d?.account === "string" ? d.account : "(unnamed)";
    const asOf = new Date(typeof d?.as_of === "string" ? d.as_of : Number.NaN);
    let s: ReturnType<typeof scoreAccount>;
    try {
      if (Number.isNaN(asOf.getTime())) throw new Error("as_of is not a timestamp");
      s = scoreAccount(model, d.signals, asOf);
    } catch (e) {
      report.unscored.push({ account, reason: (e as Error).message });
      log(`scorer: score for ${account} not computed: ${(e as Error).message}`);
      continue;
    }
    const post = await api(cfg, "/api/identity/scoring/scores/", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ account, score: s.score, reasons: s.reasons, pipeline_version: pipeline.version, pipeline_hash: pipeline.hash }),
    });
    if (post.status !== 201) {
      const reason = `score answered ${post.status}: ${(await post.text()).slice(0, 200)}`;
      report.unscored.push({ account, reason });
      log(`scorer: ${account}: ${reason}`);
      continue;
    }
    await post.arrayBuffer();
    report.scores.push({ account, score: s.score, reasons: s.reasons });
    log(`scorer: ${account}: score ${s.score} (${s.reasons.slice(0, 3).map((r) => `${r.input} ${r.points > 0 ? "+" : ""}${r.points}`).join(", ") || "no evidence"})`);
  }
}
