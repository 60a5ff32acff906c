import { dbFor } from "./db/client.ts";
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./app-env.ts";
import { recordAudit } from "./audit/record.ts";
import { authenticate } from "./auth/session.ts";
import * as schema from "./db/schema/index.ts";
import { ApiError } from "./http/errors.ts";
import { mountRoutes } from "./routes/index.ts";

export type { AppEnv };

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
  app.notFound((c) => c.json({ detail: "Not found." }, 404));
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
