// Records where an account's tokens are used from (identity_session_sightings), for the score's
// device and network consistency. Called by the authentication middleware on a token's first use
// and on its once-a-minute sliding-expiry refresh, so ordinary reads stay reads.
//
// What is kept: keyed hashes (the deployment's identity key, bound to the account uuid) of the
// client's network (/24 for IPv4, /48 for IPv6, from Cloudflare's CF-Connecting-IP, which the edge
// sets and clients cannot) and of its User-Agent. Hashes from two accounts cannot be compared, and
// neither the address nor the agent string can be read back.
import { sql } from "drizzle-orm";
import type { Db } from "../../app-env.ts";
import { identitySessionSightings } from "../../db/schema/index.ts";
import { nowIso } from "../../http/ids.ts";
import { type IdentityEnv, secretHash } from "../scopes/common.ts";

/** The client's network: "a.b.c.0/24", "xxxx:xxxx:xxxx::/48", or "unknown". */
export function networkOf(ip: string | undefined | null): string {
  const s = (ip ?? "").trim().toLowerCase();
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (v4) {
    const o = v4.slice(1, 5).map(Number);
    if (o.every((x) => x <= 255)) return `${o[0]}.${o[1]}.${o[2]}.0/24`;
    return "unknown";
  }
  if (!/^[0-9a-f:]+$/.test(s) || !s.includes(":")) return "unknown";
  const halves = s.split("::");
  if (halves.length > 2) return "unknown";
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return "unknown";
  const groups = [...head, ...Array(missing).fill("0"), ...tail];
  if (groups.some((g) => g.length === 0 || g.length > 4)) return "unknown";
  return `${groups
    .slice(0, 3)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/48`;
}

/** The client software as it names itself (trimmed, bounded); "unknown" when it does not. */
export function deviceOf(userAgent: string | undefined | null): string {
  const s = (userAgent ?? "").trim().slice(0, 512);
  return s || "unknown";
}

let warned = false;

/** Counts one sighting of the account from this request's network and device. Never throws. */
export async function recordSighting(
  db: Db,
  env: IdentityEnv,
  user: { id: number; uuid: string },
  headers: { get(name: string): string | null },
): Promise<void> {
  try {
    const network = (
      await secretHash(env, `session-network/${user.uuid}`, networkOf(headers.get("cf-connecting-ip")))
    ).slice(0, 32);
    const device = (
      await secretHash(env, `session-device/${user.uuid}`, deviceOf(headers.get("user-agent")))
    ).slice(0, 32);
    const now = nowIso();
    await db
      .insert(identitySessionSightings)
      .values({
        userId: user.id,
        networkHash: network,
        deviceHash: device,
        firstSeen: now,
        lastSeen: now,
        hits: 1,
      })
      .onConflictDoUpdate({
        target: [
          identitySessionSightings.userId,
          identitySessionSightings.networkHash,
          identitySessionSightings.deviceHash,
        ],
        set: { lastSeen: now, hits: sql`${identitySessionSightings.hits} + 1` },
      });
  } catch (e) {
    // A missing identity key or a failed write must not turn a valid token into an error.
    if (!warned) console.error(`identity signals: session sighting not recorded: ${(e as Error).message}`);
    warned = true;
  }
}
