import type { D1Database, Queue, R2Bucket } from "@cloudflare/workers-types";
import type { OrderJob } from "./marketplace/jobs.ts";
import type { ChainBridgeEnv } from "./bridge/chain/worker.ts";

/** Bindings declared in wrangler.toml (and given by scripts/lib/worker-host.ts locally). */
export interface Bindings extends ChainBridgeEnv {
  DB: D1Database;
  BLOBS: R2Bucket;
  ORDER_QUEUE: Queue<OrderJob>;
  /** "local" enables the printed default staff credentials; anything else refuses them. */
  VE_MODE: string;
  VE_VERSION: string;
  VE_ADMIN_USERNAME?: string;
  VE_ADMIN_PASSWORD?: string;
  /** 32 bytes base64: seals offering secret options for the plugins (src/secrets). Unset in local mode = dev key. */
  VE_EXECUTOR_KEY?: string;
  /** JSON plugin configuration, see src/plugins/config.ts. */
  VE_PLUGINS?: string;
  /** Seconds an executing plugin order may go untouched before the cron sends it again (default 300). */
  VE_STUCK_ORDER_SECONDS?: string;
  /** Transient plugin failures tolerated before an order errs (default 6, with exponential backoff). */
  VE_PLUGIN_MAX_ATTEMPTS?: string;
  /** SMS scope, a Twilio-compatible Messages API (src/identity/scopes/sms-transport.ts); the auth token is a Worker secret. */
  VE_SMS_ACCOUNT_SID?: string;
  VE_SMS_AUTH_TOKEN?: string;
  VE_SMS_FROM?: string;
  VE_SMS_MESSAGING_SERVICE_SID?: string;
  VE_SMS_API_URL?: string;
  /** SSO providers JSON (src/identity/sso/config.ts); client secrets as {"$secret": NAME} Worker secrets. */
  VE_SSO?: string;
  /** Identity validators captures are sealed to (src/identity/capture/validators.ts), JSON. */
  VE_IDENTITY_VALIDATORS?: string;
}
