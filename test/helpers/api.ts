// A small Waldur-speaking HTTP client for tests, plus ways to get authenticated callers.
import assert from "node:assert/strict";
import { drizzle } from "drizzle-orm/d1";
import type { WorkerHost } from "../../scripts/lib/worker-host.ts";
import type { Db } from "../../src/app-env.ts";
import * as schema from "../../src/db/schema/index.ts";
import { ensureStaff } from "../../src/seed/staff.ts";
import { createUser } from "../../src/structure/users.ts";

export interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

// biome-ignore lint/suspicious/noExplicitAny: test replies are inspected field by field
export type Json = any;

export class Api {
  constructor(
    readonly host: WorkerHost,
    readonly token: string | null = null,
  ) {}

  async call<T = Json>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply<T>> {
    const h: Record<string, string> = { ...headers };
    if (this.token) h.Authorization = `Token ${this.token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      h["Content-Type"] ??= "application/json";
    }
    const res = await this.host.fetch(path, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // non-JSON bodies are returned as text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }
  get<T = Json>(path: string) {
    return this.call<T>("GET", path);
  }
  post<T = Json>(path: string, body: unknown = {}) {
    return this.call<T>("POST", path, body);
  }
  put<T = Json>(path: string, body: unknown) {
    return this.call<T>("PUT", path, body);
  }
  patch<T = Json>(path: string, body: unknown) {
    return this.call<T>("PATCH", path, body);
  }
  delete<T = Json>(path: string) {
    return this.call<T>("DELETE", path);
  }
  /** Asserts the status, showing the body on mismatch, and returns the body. */
  async expect<T = Json>(status: number, p: Promise<Reply<T>>): Promise<T> {
    const r = await p;
    assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${JSON.stringify(r.body).slice(0, 500)}`);
    return r.body;
  }
}

export const dbOf = (host: WorkerHost): Db => drizzle(host.db as never, { schema }) as unknown as Db;

export async function login(host: WorkerHost, username: string, password: string): Promise<Api> {
  const r = await new Api(host).post<{ token: string }>("/api-auth/password/", { username, password });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return new Api(host, r.body.token);
}

export async function staffApi(host: WorkerHost): Promise<Api> {
  await ensureStaff(dbOf(host), { username: "staff", password: "staff-password-1" });
  return login(host, "staff", "staff-password-1");
}

let counter = 0;
/** A fresh non-staff user, logged in. */
export async function userApi(host: WorkerHost, name = `user${++counter}`): Promise<Api & { uuid: string; username: string }> {
  const u = await createUser(dbOf(host), { username: name, password: "user-password-1", email: `${name}@example.org` });
  const api = await login(host, name, "user-password-1");
  return Object.assign(api, { uuid: u.uuid, username: name });
}
