// What the sealed-flow tests share: a client's key registered in the directory, sealing JSON to the
// recipients the API lists, fetching an envelope with its context and opening it, and dumps of
// every D1 table and R2 object for the plaintext scans.
import assert from "node:assert/strict";
import type { WorkerHost } from "../../scripts/lib/worker-host.ts";
import { type EnvelopeContext, generateKeyPair, type KeyPair, open, seal, unhex } from "../../src/crypto/index.ts";
import type { Api, Json } from "../helpers/api.ts";

export const b64url = (b: Uint8Array) => Buffer.from(b).toString("base64url");

export async function withKey(api: Api): Promise<KeyPair> {
  const pair = await generateKeyPair();
  await api.expect(201, api.post("/api/encryption-keys/", { public_key: b64url(pair.publicKey) }));
  return pair;
}

/** Recipients as the API lists them (`recipients: [{public_key, key_version, key_id}]`). */
export type ListedRecipient = { public_key: string; key_version: number; key_id: string; holder: string };

export const toRecipients = (listed: ListedRecipient[]) =>
  listed.map((r) => ({ publicKey: new Uint8Array(Buffer.from(r.public_key, "base64url")), keyVersion: r.key_version }));

/** Seals a JSON value on the "client", as base64url or raw bytes. */
export async function sealJson(value: unknown, context: EnvelopeContext, listed: ListedRecipient[]): Promise<Uint8Array> {
  return seal(new TextEncoder().encode(JSON.stringify(value)), { context, recipients: toRecipients(listed) });
}

export interface Fetched {
  status: number;
  bytes: Uint8Array;
  context: EnvelopeContext;
  sha256: string | null;
}

export async function fetchEnvelope(host: WorkerHost, api: Api, path: string): Promise<Fetched> {
  const res = await host.fetch(path, { headers: { Authorization: `Token ${api.token}` } });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return {
    status: res.status,
    bytes,
    sha256: res.headers.get("x-envelope-sha256"),
    context: {
      kind: res.headers.get("x-envelope-kind") ?? "",
      recordId: res.headers.get("x-envelope-record-id") ?? "",
      version: Number(res.headers.get("x-envelope-version")),
    },
  };
}

/** Fetches and opens an envelope with the caller's key; fails the test if it does not open. */
export async function openAs(host: WorkerHost, api: Api, key: KeyPair, path: string): Promise<Json> {
  const e = await fetchEnvelope(host, api, path);
  assert.equal(e.status, 200, `GET ${path}: ${e.status} ${Buffer.from(e.bytes).toString().slice(0, 200)}`);
  const o = await open(e.bytes, { key, context: e.context });
  assert.ok(o.ok, `opens: ${!o.ok && o.error.code}`);
  return JSON.parse(new TextDecoder().decode(o.value.plaintext));
}

export async function waitOrder(api: Api, uuid: string): Promise<Json> {
  for (let i = 0; i < 240; i++) {
    const o = await api.expect(200, api.get(`/api/marketplace-orders/${uuid}/`));
    if (["done", "erred"].includes(o.state)) return o;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`order ${uuid} did not finish`);
}

export const keyIdHex = (k: KeyPair) => Buffer.from(k.keyId).toString("hex");
export const rawKeyId = (hexId: string) => unhex(hexId);

/** Every form a value could be stored in without encryption. */
export const forms = (s: string) => [s, Buffer.from(s).toString("base64"), Buffer.from(s).toString("base64url")].map((x) => x.replace(/=+$/, ""));

export async function d1Dump(host: WorkerHost): Promise<Map<string, string>> {
  // Every table but D1's own internal one (_cf_METADATA, which D1 refuses to let anyone read).
  const tables = (await host.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'").all<{ name: string }>()).results;
  assert.ok(tables.length > 20, "the schema's tables are there");
  const out = new Map<string, string>();
  for (const { name } of tables) {
    const rows = (await host.db.prepare(`SELECT * FROM "${name.replaceAll('"', '""')}"`).all()).results;
    // BLOB columns come back as arrays of bytes: scan them as text too.
    out.set(
      name,
      JSON.stringify(rows, (_k, v) => (Array.isArray(v) && v.every((x) => typeof x === "number") ? Buffer.from(v).toString("latin1") : v)),
    );
  }
  return out;
}

export async function r2Dump(host: WorkerHost): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await host.blobs.list({ cursor, include: ["httpMetadata", "customMetadata"] } as Parameters<typeof host.blobs.list>[0]);
    for (const o of page.objects) {
      const body = Buffer.from(await (await host.blobs.get(o.key))!.arrayBuffer()).toString("latin1");
      out.set(o.key, `${o.key}\n${JSON.stringify(o.httpMetadata ?? {})}${JSON.stringify(o.customMetadata ?? {})}\n${body}`);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return out;
}

/** Where any form of any of the values appears in the dumps (empty when nothing leaked). */
export function findPlaintext(values: Record<string, string>, dumps: Record<string, Map<string, string>>): string[] {
  const found: string[] = [];
  for (const [what, value] of Object.entries(values)) {
    for (const form of forms(value)) {
      for (const [where, dump] of Object.entries(dumps)) for (const [name, text] of dump) if (text.includes(form)) found.push(`${what} in ${where} ${name}`);
    }
  }
  return found;
}

export async function r2Keys(host: WorkerHost, prefix: string): Promise<string[]> {
  return (await host.blobs.list({ prefix })).objects.map((o) => o.key);
}
