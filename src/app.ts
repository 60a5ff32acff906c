import { dbFor } from "./db/client.ts";
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./app-env.ts";
import { recordAudit } from "./audit/record.ts";
import { authenticate } from "./auth/session.ts";
import { ApiError } from "./http/errors.ts";
import { methodNotAllowedGuard } from "./http/method-not-allowed.ts";
import { mountRoutes } from "./routes/index.ts";

export type { AppEnv };

const ASSET_TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  json: "application/json",
  woff2: "font/woff2",
};

/**
 * The portal (dist/portal, the ASSETS binding): a file when there is one, else index.html for the
 * single-page app's own routes. Content types are set here because the local disk service sends only
 * application/octet-stream.
 */
async function portalAsset(assets: { fetch: (r: Request | string) => Promise<Response> }, req: Request): Promise<Response> {
  const url = new URL(req.url);
  const hasExtension = /\.[a-z0-9]+$/i.test(url.pathname);
  let res = url.pathname === "/" ? await assets.fetch(new URL("/index.html", url).toString()) : await assets.fetch(req);
  let path = url.pathname === "/" ? "/index.html" : url.pathname;
  if (res.status === 404 && !hasExtension) {
    res = await assets.fetch(new URL("/index.html", url).toString());
    path = "/index.html";
  }
  if (!res.ok) return new Response("Not found.", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  const headers = new Headers(res.headers);
  const known = ASSET_TYPES[path.split(".").pop() ?? ""];
  if (known && (headers.get("Content-Type") ?? "application/octet-stream") === "application/octet-stream") headers.set("Content-Type", known);
  // Hashed build files never change; index.html must be revalidated to pick up a new build.
  headers.set("Cache-Control", path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
  return new Response(req.method === "HEAD" ? null : res.body, { status: 200, headers });
}

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(
    "*",
    secureHeaders({
      strictTransportSecurity: "max-age=63072000; includeSubDomains",
      crossOriginResourcePolicy: false,
    }),
  );
  app.use("*", async (c, next) => {
    c.set("db", dbFor(c.env.DB));
    await next();
  });
  app.use("/api/*", authenticate);
  app.use("/api-auth/*", authenticate);
  app.use("/api/*", recordAudit);
  mountRoutes(app);
  const notAllowed = methodNotAllowedGuard(() => app.routes);
  app.notFound((c) => {
    const assets = (c.env as { ASSETS?: { fetch: (r: Request | string) => Promise<Response> } }).ASSETS;
    const p = c.req.path;
    if (assets && (c.req.method === "GET" || c.req.method === "HEAD") && !p.startsWith("/api/") && !p.startsWith("/api-auth/")) {
      return portalAsset(assets, c.req.raw);
    }
    const refused = notAllowed(c.req.method, p);
    if (refused) return c.json(refused.body, refused.status, refused.headers);
    return c.json({ detail: "Not found." }, 404);
  });
  app.onError((err, c) => {
    if (err instanceof ApiError) {
      for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
      return c.json(err.body, err.status);
    }
    // Unexpected: log the kind only (never request data, which may hold secrets).
    console.error(`unhandled ${err.name}: ${err.message.slice(0, 120)} ${String((err as { cause?: Error }).cause?.message ?? "").slice(0, 300)}`);
    return c.json({ detail: "Internal server error." }, 500);
  });
  return app;
}
