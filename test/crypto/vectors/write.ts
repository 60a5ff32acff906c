// Writes the test vectors: node --import tsx test/crypto/vectors/write.ts
// (kept apart from generate.ts, which is also bundled into a workerd test Worker).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { buildVectors, vectorJson } from "./generate.ts";
import { buildVectorsV2 } from "./generate-v2.ts";

export const VECTOR_DIR = import.meta.dirname;

if (process.argv[1]?.endsWith("vectors/write.ts")) {
  const v = await buildVectors();
  writeFileSync(path.join(VECTOR_DIR, "envelopes.json"), vectorJson(v.envelopes));
  writeFileSync(path.join(VECTOR_DIR, "tampered.json"), vectorJson(v.tampered));
  const v2 = await buildVectorsV2();
  writeFileSync(path.join(VECTOR_DIR, "envelopes-v2.json"), vectorJson(v2.envelopes));
  writeFileSync(path.join(VECTOR_DIR, "tampered-v2.json"), vectorJson(v2.tampered));
  console.log(
    `wrote ${v.envelopes.cases.length} + ${v2.envelopes.cases.length} (v2) envelope vectors and ` +
      `${v.tampered.cases.length} + ${v2.tampered.cases.length} (v2) tampered vectors`,
  );
}
