import { Hono } from "hono";
import type { Bindings } from "./env.ts";

export type AppEnv = { Bindings: Bindings };

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/api/version/", (c) => c.json({ version: c.env.VE_VERSION }));
  return app;
}
