// Document photo vs selfie: both analysed, then compared at the fixed threshold.

import { analyzeFace, type FaceAnalysis, type FaceOptions, type FaceRejectReason } from "./pipeline.ts";
import { euclideanDistance, isMatch, MATCH_THRESHOLD } from "./verify.ts";

export type Verification =
  | { ok: true; match: boolean; distance: number; threshold: number }
  | { ok: false; image: "document" | "selfie"; reason: FaceRejectReason; message: string };

export function compareAnalyses(document: FaceAnalysis, selfie: FaceAnalysis): Verification {
  if (!document.ok)
    return { ok: false, image: "document", reason: document.reason, message: document.message };
  if (!selfie.ok) return { ok: false, image: "selfie", reason: selfie.reason, message: selfie.message };
  const distance = euclideanDistance(document.descriptor, selfie.descriptor);
  return { ok: true, match: isMatch(distance), distance, threshold: MATCH_THRESHOLD };
}

export async function verifyFaces(
  document: Uint8Array,
  selfie: Uint8Array,
  opts: FaceOptions = {},
): Promise<Verification> {
  // Sequential on purpose: the wasm backend is single-threaded, so interleaving gains nothing.
  const a = await analyzeFace(document, opts);
  const b = await analyzeFace(selfie, opts);
  return compareAnalyses(a, b);
}
