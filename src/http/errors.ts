// DRF-shaped errors (Waldur's exception handler). Handlers throw these at the boundary; the app's
// onError renders them, so every refusal has Waldur's status and body and nothing becomes a 500.

export type DrfBody = Record<string, unknown> | string[];

export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 415 | 429 | 503,
    readonly body: DrfBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === "object" && !Array.isArray(body) && "detail" in body ? String(body.detail) : "api error");
  }
}

/** Field errors: {"field": ["msg"]}. */
export const fieldErrors = (errors: Record<string, unknown>) => new ApiError(400, errors);
export const fieldError = (field: string, message: string) => new ApiError(400, { [field]: [message] });
export const nonFieldError = (message: string) => new ApiError(400, { non_field_errors: [message] });
/** ValidationError raised inside a view: a bare list. */
export const viewError = (message: string) => new ApiError(400, [message]);
export const notAuthenticated = () =>
  new ApiError(401, { detail: "Authentication credentials were not provided." }, { "WWW-Authenticate": "Token" });
export const invalidToken = (detail = "Invalid token.") =>
  new ApiError(401, { detail }, { "WWW-Authenticate": "Token" });
export const permissionDenied = (detail = "You do not have permission to perform this action.") =>
  new ApiError(403, { detail });
export const notFound = () => new ApiError(404, { detail: "Not found." });
export const methodNotAllowed = (method: string) => new ApiError(405, { detail: `Method "${method}" not allowed.` });
/** Wrong state for an action: 409 with the states the action accepts. */
export const invalidState = (validStates: readonly string[]) =>
  new ApiError(409, { detail: `Valid states for operation: ${validStates.join(", ")}.` });
export const conflict = (detail: string) => new ApiError(409, { detail });
