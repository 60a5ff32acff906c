// The checked-in vectors: the TS sealer must reproduce them byte for byte from their fixed inputs,
// every recipient must open them, and every tampered variant must fail with its documented code.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, test } from "node:test";
import { hex, importPrivateKey, open, unhex } from "../../src/crypto/index.ts";
import {
  buildVectors,
  type NegativeCase,
  type PositiveCase,
  sealCase,
  vectorJson,
} from "./vectors/generate.ts";
import { VECTOR_DIR } from "./vectors/write.ts";
import { buildVectorsV2, type PositiveCaseV2, sealCaseV2 } from "./vectors/generate-v2.ts";
import { errorCode } from "./helpers.ts";

const load = (name: string) => JSON.parse(readFileSync(path.join(VECTOR_DIR, name), "utf8"));
const envelopes: { cases: PositiveCase[] } = load("envelopes.json");
const tampered: { cases: NegativeCase[] } = load("tampered.json");
const ctx = (c: PositiveCase["context"]) => ({ kind: c.kind, recordId: c.record_id, version: c.version });

describe("test vectors", () => {
  test("the vector files hold exactly what the generator produces", async () => {
    // Compared as data, not text: the repository's formatter may re-wrap the JSON.
    const v = await buildVectors();
    assert.deepEqual(JSON.parse(vectorJson(v.envelopes)), envelopes);
    assert.deepEqual(JSON.parse(vectorJson(v.tampered)), tampered);
  });

  for (const c of envelopes.cases) {
    test(`${c.name}: sealing with the injected randomness gives the exact bytes; each recipient opens`, async () => {
      assert.equal(hex(await sealCase(c)), c.envelope);
      for (const r of c.recipients) {
        const k = await importPrivateKey(unhex(r.private_key));
        assert.equal(hex(k.publicKey), r.public_key);
        const o = await open(unhex(c.envelope), { key: k, context: ctx(c.context) });
        assert.ok(o.ok, errorCode(o));
        assert.equal(hex(o.value.plaintext), c.plaintext);
      }
    });
  }

  test(`${tampered.cases.length} tampered vectors fail with their documented codes`, async () => {
    for (const n of tampered.cases) {
      const k = await importPrivateKey(unhex(n.opener.private_key));
      const o = await open(unhex(n.envelope), { key: k, context: ctx(n.context) });
      assert.equal(errorCode(o), n.expect, n.name);
    }
  });
});

describe("test vectors, version 2 (sender contexts)", () => {
  const v2: { cases: PositiveCaseV2[] } = load("envelopes-v2.json");
  const t2: { cases: NegativeCase[] } = load("tampered-v2.json");

  test("the v2 vector files hold exactly what the generator produces", async () => {
    const v = await buildVectorsV2();
    assert.deepEqual(JSON.parse(vectorJson(v.envelopes)), v2);
    assert.deepEqual(JSON.parse(vectorJson(v.tampered)), t2);
  });

  test("two messages of one sender context share the encapsulated key, not the sequence number", () => {
    const [first, later] = v2.cases;
    assert.equal(first!.intermediate.wraps[0]!.encapsulated_key, later!.intermediate.wraps[0]!.encapsulated_key);
    assert.notEqual(first!.intermediate.wraps[0]!.wrap_nonce, later!.intermediate.wraps[0]!.wrap_nonce);
  });

  for (const c of v2.cases) {
    test(`${c.name}: exact bytes from the fixed inputs; each recipient opens`, async () => {
      assert.equal(hex(await sealCaseV2(c)), c.envelope);
      for (const r of c.recipients) {
        const k = await importPrivateKey(unhex(r.private_key));
        const o = await open(unhex(c.envelope), { key: k, context: ctx(c.context) });
        assert.ok(o.ok, errorCode(o));
        assert.equal(hex(o.value.plaintext), c.plaintext);
      }
    });
  }

  test(`${t2.cases.length} tampered v2 vectors fail with their documented codes`, async () => {
    for (const n of t2.cases) {
      const k = await importPrivateKey(unhex(n.opener.private_key));
      const o = await open(unhex(n.envelope), { key: k, context: ctx(n.context) });
      assert.equal(errorCode(o), n.expect, n.name);
    }
  });
});
