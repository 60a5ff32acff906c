// The portal's one way to the public API: openapi-fetch typed by the paths generated from
// openapi/virtengine.yaml (npm run portal:types). The spec names paths and list parameters but not
// every body, so response shapes come from ./models.ts and filters pass through as query params.
import createClient from "openapi-fetch";
import { currentToken, signedOut } from "../auth/token.ts";
import type { paths } from "./schema";

export const api = createClient<paths>({ baseUrl: location.origin });

api.use({
  onRequest({ request }) {
    const token = currentToken();
    if (token) request.headers.set("Authorization", `Token ${token}`);
    return request;
  },
  onResponse({ response }) {
    // A token the server no longer accepts (expired, logged out elsewhere) ends the session here too.
    if (response.status === 401 && currentToken()) signedOut();
    return response;
  },
});

type Method = "get" | "post" | "put" | "patch" | "delete";
export type PathWith<M extends Method> = {
  [P in keyof paths]: paths[P] extends Record<M, object> ? P : never;
}[keyof paths];

export type Query = Record<string, string | number | boolean | string[] | undefined>;
export type PathParams = Record<string, string>;

/** A refused call, with DRF's error shapes split into field messages and general messages. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly fields: Record<string, string[]>,
    readonly general: string[],
  ) {
    super(general[0] ?? Object.values(fields)[0]?.[0] ?? `HTTP ${status}`);
  }
}

function flatten(prefix: string, value: unknown, into: Record<string, string[]>) {
  if (Array.isArray(value) && value.every((x) => typeof x === "string")) into[prefix] = value as string[];
  else if (typeof value === "string") into[prefix] = [value];
  else if (value && typeof value === "object")
    for (const [k, v] of Object.entries(value)) flatten(prefix ? `${prefix}.${k}` : k, v, into);
}

export function failureOf(status: number, body: unknown): ApiFailure {
  if (Array.isArray(body)) return new ApiFailure(status, {}, body.map(String));
  if (body && typeof body === "object") {
    const { detail, non_field_errors, ...rest } = body as Record<string, unknown>;
    const general = [detail, non_field_errors].flat().filter((x): x is string => typeof x === "string");
    const fields: Record<string, string[]> = {};
    flatten("", rest, fields);
    return new ApiFailure(status, fields, general);
  }
  return new ApiFailure(status, {}, [
    typeof body === "string" && body ? body.slice(0, 200) : `HTTP ${status}`,
  ]);
}

async function call<T>(
  method: Method,
  path: string,
  params: { path?: PathParams; query?: Query; body?: unknown },
) {
  const m = method.toUpperCase() as "GET";
  const { data, error, response } = await (
    api[m] as (p: string, o: unknown) => Promise<{ data?: unknown; error?: unknown; response: Response }>
  )(path, {
    params: { path: params.path, query: params.query },
    body: params.body,
  });
  if (!response.ok) throw failureOf(response.status, error);
  return { data: data as T, response };
}

export async function get<T>(path: PathWith<"get">, pathParams?: PathParams, query?: Query): Promise<T> {
  return (await call<T>("get", path, { path: pathParams, query })).data;
}

export async function post<T>(
  path: PathWith<"post">,
  pathParams?: PathParams,
  body: unknown = {},
): Promise<T> {
  return (await call<T>("post", path, { path: pathParams, body })).data;
}

export async function patch<T>(path: PathWith<"patch">, pathParams: PathParams, body: unknown): Promise<T> {
  return (await call<T>("patch", path, { path: pathParams, body })).data;
}

export async function del(path: PathWith<"delete">, pathParams: PathParams): Promise<void> {
  await call("delete", path, { path: pathParams });
}

export interface Page<T> {
  items: T[];
  count: number;
}

/** One page of a list; the total comes from X-Result-Count as Waldur sends it. */
export async function list<T>(
  path: PathWith<"get">,
  query: Query = {},
  pathParams?: PathParams,
): Promise<Page<T>> {
  const { data, response } = await call<T[]>("get", path, { path: pathParams, query });
  const count = Number(response.headers.get("X-Result-Count") ?? (data as T[]).length);
  return { items: data, count };
}

/** The raw response, for bodies that are not JSON (sealed envelopes). */
export function rawGet(url: string): Promise<Response> {
  const token = currentToken();
  return fetch(url, { headers: token ? { Authorization: `Token ${token}` } : {} });
}
