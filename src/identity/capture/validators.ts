// The identity network: validators whose X25519 encryption keys captures are sealed to. Only these
// validators (and nobody at the edge) can open a captured image.
//
// With a chain (VE_CHAIN_RPC set) the set is the chain's: every bonded validator's current x/roles
// encryption key (src/bridge/chain/identity-keys.ts, cached briefly), and VE_IDENTITY_VALIDATORS
// is ignored, so a deployment cannot seal identity data to keys the staking set does not vouch for.
// Without a chain, and only in local mode (VE_MODE=local: `VE_CHAIN=off npm start`, tests that run
// no localnet), the set comes from that variable instead:
//   [{"validator": "virtenginevaloper1…", "public_key": "<base64url X25519>", "key_version": 1}, …]
import { fromBech32 } from "@cosmjs/encoding";
import * as v from "valibot";
import { BECH32_PREFIX } from "../../bridge/chain/client.ts";
import { identityNetworkKeys, IdentityKeysError } from "../../bridge/chain/identity-keys.ts";
import { hex } from "../../crypto/bytes.ts";
import { keyId } from "../../crypto/keys.ts";
import type { IdentityEnv } from "../scopes/common.ts";
import { b64urlDecode } from "../sso/id-token.ts";

/** The set cannot be had (misconfigured, chain unreachable, no keyed validator): uploads answer 503. */
export class ValidatorConfigError extends Error {}

export interface IdentityValidator {
  validator: string;
  /** Where the key came from: the bonded set on chain, or the local-mode configuration. */
  source: "chain" | "config";
  publicKey: Uint8Array<ArrayBuffer>;
  keyId: string;
  keyVersion: number;
  /** The operator's account address (chain source): the wallet a scorer must sign in with. */
  account?: string;
}

const schema = v.pipe(
  v.array(
    v.object({
      validator: v.pipe(
        v.string(),
        v.check((a) => {
          try {
            return fromBech32(a, 90).prefix === `${BECH32_PREFIX}valoper`;
          } catch {
            return false;
          }
        }, `a ${BECH32_PREFIX}valoper1… address`),
      ),
      public_key: v.string(),
      key_version: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(0xffffffff)),
    }),
  ),
  v.minLength(1, "at least one validator"),
  v.maxLength(100),
);

/**
 * The identity network's keys: the chain's bonded set when a chain is configured, else (local mode
 * only) VE_IDENTITY_VALIDATORS. Null when neither is there; throws ValidatorConfigError when the
 * set cannot be had.
 */
export async function identityValidators(env: IdentityEnv): Promise<IdentityValidator[] | null> {
  const rpc = env.VE_CHAIN_RPC;
  if (typeof rpc === "string" && rpc.trim() !== "") return chainValidators(rpc.trim(), typeof env.VE_CHAIN_PREFIX === "string" && env.VE_CHAIN_PREFIX ? env.VE_CHAIN_PREFIX : BECH32_PREFIX);
  // The configured fallback: a fixed key list, acceptable only where no chain runs (local mode).
  if (env.VE_MODE !== "local") {
    if (typeof env.VE_IDENTITY_VALIDATORS === "string" && env.VE_IDENTITY_VALIDATORS.trim() !== "") {
      throw new ValidatorConfigError("VE_IDENTITY_VALIDATORS is honoured only in local mode; elsewhere the identity network's keys come from chain (set VE_CHAIN_RPC)");
    }
    return null;
  }
  return configValidators(env);
}

async function chainValidators(rpcUrl: string, prefix: string): Promise<IdentityValidator[]> {
  let keys: Awaited<ReturnType<typeof identityNetworkKeys>>;
  try {
    keys = await identityNetworkKeys(rpcUrl, prefix);
  } catch (e) {
    // IdentityKeysError names what failed; anything else is an unexpected answer from the node.
    const why = e instanceof IdentityKeysError ? e.message : `unexpected error: ${(e as Error).message}`;
    throw new ValidatorConfigError(`the identity network's keys could not be read from chain: ${why}`);
  }
  if (keys.length === 0) throw new ValidatorConfigError("no bonded validator has registered an encryption key on chain (x/roles)");
  return Promise.all(
    keys.map(async (k) => ({
      validator: k.validator,
      source: "chain" as const,
      publicKey: k.publicKey.slice(),
      keyId: hex(await keyId(k.publicKey)),
      keyVersion: k.keyVersion,
      account: k.account,
    })),
  );
}

async function configValidators(env: IdentityEnv): Promise<IdentityValidator[] | null> {
  const raw = env.VE_IDENTITY_VALIDATORS;
  if (typeof raw !== "string" || raw.trim() === "") return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ValidatorConfigError("VE_IDENTITY_VALIDATORS is not valid JSON");
  }
  const r = v.safeParse(schema, json);
  if (!r.success) {
    const i = r.issues[0]!;
    throw new ValidatorConfigError(`VE_IDENTITY_VALIDATORS ${(i.path ?? []).map((p) => String(p.key)).join(".")}: ${i.message}`);
  }
  return Promise.all(
    r.output.map(async (x, i) => {
      const key = b64urlDecode(x.public_key);
      if (key?.length !== 32) throw new ValidatorConfigError(`VE_IDENTITY_VALIDATORS ${i}.public_key: not a base64url X25519 key`);
      return { validator: x.validator, source: "config" as const, publicKey: key, keyId: hex(await keyId(key)), keyVersion: x.key_version };
    }),
  );
}
