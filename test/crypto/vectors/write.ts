// Writes the test vectors: node --import tsx test/crypto/vectors/write.ts
// (kept apart from generate.ts, which is also bundled into a workerd test Worker).
import { writeFileSync } from "node:fs";
import path from "node:path";
import { buildVectors, vectorJson } from "./generate.ts";

export const VECTOR_DIR = import.meta.dirname;

if (process.argv[1]?.endsWith("vectors/write.ts")) {
  const v = await buildVectors();
  writeFileSync(path.join(VECTOR_DIR, "envelopes.json"), vectorJson(v.envelopes));
  writeFileSync(path.join(VECTOR_DIR, "tampered.json"), vectorJson(v.tampered));
  console.log(
    `wrote ${v.envelopes.cases.length} envelope vectors and ${v.tampered.cases.length} tampered vectors`,
  );
}
