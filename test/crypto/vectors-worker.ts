// A Worker used only by workerd.test.ts: runs the checked-in vectors inside workerd, so the bytes
// the library produces there (BoringSSL under WebCrypto) are the same as in Node (OpenSSL).
import { hex, importPrivateKey, open, unhex } from "../../src/crypto/index.ts";
import { openStream } from "../../src/crypto/stream.ts";
import envelopes from "./vectors/envelopes.json";
import tampered from "./vectors/tampered.json";
import { type NegativeCase, type PositiveCase, sealCase } from "./vectors/generate.ts";
import envelopesV2 from "./vectors/envelopes-v2.json";
import tamperedV2 from "./vectors/tampered-v2.json";
import { type PositiveCaseV2, sealCaseV2 } from "./vectors/generate-v2.ts";

const ctx = (c: PositiveCase["context"]) => ({ kind: c.kind, recordId: c.record_id, version: c.version });

async function streamOpen(
  envelope: Uint8Array,
  c: Pick<PositiveCase, "context">,
  key: Awaited<ReturnType<typeof importPrivateKey>>,
) {
  const o = openStream({ key, context: ctx(c.context) });
  const out = new Response(new Blob([envelope as Uint8Array<ArrayBuffer>]).stream().pipeThrough(o.stream));
  return hex(new Uint8Array(await out.arrayBuffer()));
}

export default {
  async fetch(): Promise<Response> {
    const failures: string[] = [];
    let checks = 0;
    // v1 and v2 vectors: each sealed again to the same bytes, and opened by every recipient whole and streamed.
    const positive = async <C extends PositiveCase | PositiveCaseV2>(cases: C[], seal: (c: C) => Promise<Uint8Array>) => {
      for (const c of cases) {
        checks++;
        if (hex(await seal(c)) !== c.envelope) failures.push(`${c.name}: sealed bytes differ`);
        for (const r of c.recipients) {
          const k = await importPrivateKey(unhex(r.private_key));
          const o = await open(unhex(c.envelope), { key: k, context: ctx(c.context) });
          checks++;
          if (!o.ok || hex(o.value.plaintext) !== c.plaintext) failures.push(`${c.name}: open failed`);
          checks++;
          if ((await streamOpen(unhex(c.envelope), c, k)) !== c.plaintext)
            failures.push(`${c.name}: stream open failed`);
        }
      }
    };
    await positive(envelopes.cases as PositiveCase[], sealCase);
    await positive(envelopesV2.cases as PositiveCaseV2[], sealCaseV2);
    for (const n of [...tampered.cases, ...tamperedV2.cases] as NegativeCase[]) {
      const k = await importPrivateKey(unhex(n.opener.private_key));
      const o = await open(unhex(n.envelope), { key: k, context: ctx(n.context) });
      checks++;
      const code = o.ok ? "ok" : o.error.code;
      if (code !== n.expect) failures.push(`${n.name}: ${code}, expected ${n.expect}`);
    }
    return Response.json({ checks, failures, userAgent: navigator.userAgent });
  },
};
