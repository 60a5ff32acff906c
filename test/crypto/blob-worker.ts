// A Worker used only by blob-store.test.ts: exposes src/crypto/blob-store.ts over HTTP so the test
// can drive it inside workerd against Miniflare's R2.
import {
  type BlobRef,
  getEnvelope,
  getHeader,
  putEnvelope,
  replaceHeader,
  sealToBucket,
} from "../../src/crypto/blob-store.ts";
import { unhex } from "../../src/crypto/bytes.ts";

interface Env {
  BLOBS: R2Bucket;
}

const json = (v: unknown, status = 200) => Response.json(v, { status });

export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    const url = new URL(req.url);
    const q = url.searchParams;
    const [, action, rawKey = ""] = url.pathname.split("/");
    const key = decodeURIComponent(rawKey);
    const context = {
      kind: q.get("kind") ?? "",
      recordId: q.get("id") ?? "",
      version: Number(q.get("version") ?? 0),
    };
    const ref = req.headers.get("x-ref") ? (JSON.parse(req.headers.get("x-ref")!) as BlobRef) : undefined;
    if (action === "put" && req.body) {
      const r = await putEnvelope(env.BLOBS, key, req.body, Number(req.headers.get("content-length")), {
        context,
        requireRecipients: q.get("require")?.split(",") ?? [],
      });
      return json(r, r.ok ? 201 : 400);
    }
    if (action === "seal" && req.body) {
      const r = await sealToBucket(env.BLOBS, key, req.body, Number(q.get("plen")), {
        context,
        recipients: [{ publicKey: unhex(q.get("pub") ?? ""), keyVersion: 1 }],
        chunkSize: Number(q.get("chunk") ?? 65536),
      });
      return json(r, r.ok ? 201 : 400);
    }
    if (action === "get" && ref) {
      const r = await getEnvelope(env.BLOBS, ref);
      return r.ok ? new Response(r.value) : json(r, 400);
    }
    if (action === "check" && ref) {
      // Reads the stored object through the store's checks inside the Worker (an HTTP client may
      // not see an error raised after the last byte was sent).
      const r = await getEnvelope(env.BLOBS, ref);
      if (!r.ok) return json(r, 400);
      try {
        await new Response(r.value).arrayBuffer();
        return json({ ok: true });
      } catch (e) {
        return json(
          {
            ok: false,
            error: {
              code: String(e).includes("hash_mismatch") ? "hash_mismatch" : "error",
              message: String(e),
            },
          },
          400,
        );
      }
    }
    if (action === "header" && ref) {
      const r = await getHeader(env.BLOBS, ref);
      return r.ok ? new Response(r.value) : json(r, 400);
    }
    if (action === "replace" && ref) {
      const r = await replaceHeader(env.BLOBS, ref, key, new Uint8Array(await req.arrayBuffer()));
      return json(r, r.ok ? 201 : 400);
    }
    return json({ error: "no such route" }, 404);
  },
};
