// Test server for the Twilio Messages API (REST API 2010-04-01), written for the tests: nothing that
// delivers real text messages can run here. It follows Twilio's reference for the one call the SMS
// scope makes, "Create a Message":
//   POST /2010-04-01/Accounts/{AccountSid}/Messages.json
//   HTTP basic auth AccountSid:AuthToken, application/x-www-form-urlencoded To, From or
//   MessagingServiceSid, Body
//   201 + the Message resource (sid SM…, status "queued", RFC 2822 dates, uri, subresource_uris)
//   errors as {"code", "message", "more_info", "status"}: 20003 (401 Authenticate), 20404 (404),
//   21602 body required, 21603 From required, 21604 To required, 21211 invalid To, 21614 not a
//   mobile number, 21617 body over 1600 characters, 20429 (429 too many requests), 20500 (500).
// Messages it accepted are kept so a test can read the code the way a phone would.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface SentMessage {
  sid: string;
  accountSid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  contentType: string;
}

export interface TwilioTestServer {
  url: string;
  accountSid: string;
  authToken: string;
  messages: SentMessage[];
  /** Requests that failed authentication. */
  unauthorized: number;
  /** Numbers that answer 21614 (not a mobile number), as a landline would. */
  landlines: Set<string>;
  /** The next N create calls answer with this HTTP status and Twilio error code. */
  failNext(count: number, status: 429 | 500, code: 20429 | 20500): void;
  /** Resolves with the next message sent to `to`. */
  next(to: string): Promise<SentMessage>;
  close(): Promise<void>;
}

const E164 = /^\+[1-9]\d{1,14}$/;
const rfc2822 = (d: Date) => d.toUTCString().replace("GMT", "+0000");

function twilioError(res: ServerResponse, status: number, code: number, message: string, extra: Record<string, string> = {}) {
  res.writeHead(status, { "Content-Type": "application/json", ...extra });
  res.end(JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function startTwilioTestServer(opts: { accountSid?: string; authToken?: string } = {}): Promise<TwilioTestServer> {
  const accountSid = opts.accountSid ?? `AC${randomBytes(16).toString("hex")}`;
  const authToken = opts.authToken ?? randomBytes(16).toString("hex");
  const messages: SentMessage[] = [];
  const waiters: { to: string; resolve: (m: SentMessage) => void }[] = [];
  let failures: { left: number; status: number; code: number } = { left: 0, status: 0, code: 0 };
  const state = { unauthorized: 0 };
  const landlines = new Set<string>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const m = url.pathname.match(/^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/);
    if (!m) return twilioError(res, 404, 20404, `The requested resource ${url.pathname} was not found`);
    if (req.method !== "POST") return twilioError(res, 405, 20004, "Method not allowed");
    const auth = req.headers.authorization ?? "";
    const basic = auth.startsWith("Basic ") ? Buffer.from(auth.slice(6), "base64").toString("utf8") : "";
    const sep = basic.indexOf(":");
    if (sep < 0 || basic.slice(0, sep) !== accountSid || basic.slice(sep + 1) !== authToken) {
      state.unauthorized++;
      return twilioError(res, 401, 20003, "Authenticate", { "WWW-Authenticate": 'Basic realm="Twilio API"' });
    }
    if (m[1] !== accountSid) return twilioError(res, 404, 20404, `The requested resource ${url.pathname} was not found`);
    const contentType = req.headers["content-type"] ?? "";
    const form = new URLSearchParams(contentType.startsWith("application/x-www-form-urlencoded") ? await readBody(req) : "");
    if (failures.left > 0) {
      failures.left--;
      const message = failures.code === 20429 ? "Too Many Requests" : "Internal Server Error";
      return twilioError(res, failures.status, failures.code, message, failures.code === 20429 ? { "Retry-After": "1" } : {});
    }
    const to = form.get("To");
    const from = form.get("From");
    const service = form.get("MessagingServiceSid");
    const body = form.get("Body");
    if (!to) return twilioError(res, 400, 21604, "A 'To' phone number is required.");
    if (!from && !service) return twilioError(res, 400, 21603, "A 'From' phone number is required.");
    if (!body) return twilioError(res, 400, 21602, "Message body is required.");
    if (!E164.test(to)) return twilioError(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (landlines.has(to)) return twilioError(res, 400, 21614, `'To' number ${to} is not a valid mobile number`);
    if (body.length > 1600) return twilioError(res, 400, 21617, "The concatenated message body exceeds the 1600 character limit.");
    const sid = `SM${randomBytes(16).toString("hex")}`;
    const now = rfc2822(new Date());
    const msg: SentMessage = { sid, accountSid, to, from, messagingServiceSid: service, body, contentType };
    messages.push(msg);
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]!.to === to) waiters.splice(i, 1)[0]!.resolve(msg);
    const uri = `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`;
    res.writeHead(201, { "Content-Type": "application/json" });
    res.end(
      JSON.stringify({
        account_sid: accountSid,
        api_version: "2010-04-01",
        body,
        date_created: now,
        date_sent: null,
        date_updated: now,
        direction: "outbound-api",
        error_code: null,
        error_message: null,
        from: from ?? null,
        messaging_service_sid: service ?? null,
        num_media: "0",
        num_segments: String(Math.ceil(body.length / 160)),
        price: null,
        price_unit: "USD",
        sid,
        status: service ? "accepted" : "queued",
        subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}/Media.json` },
        to,
        uri,
      }),
    );
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => twilioError(res, 500, 20500, "Internal Server Error"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    messages,
    get unauthorized() {
      return state.unauthorized;
    },
    landlines,
    failNext(count, status, code) {
      failures = { left: count, status, code };
    },
    next: (to) =>
      new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no text message for ${to}`)), 10_000);
        waiters.push({
          to,
          resolve: (msg) => {
            clearTimeout(t);
            resolve(msg);
          },
        });
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
