// The identity network: validators whose X25519 encryption keys (published in x/roles) captures
// are sealed to, from VE_IDENTITY_VALIDATORS:
//   [{"validator": "virtenginevaloper1…", "public_key": "<base64url X25519>", "key_version": 1}, …]
// Only these validators (and nobody at the edge) can open a captured image.
import { fromBech32 } from "@cosmjs/encoding";
import * as v from "valibot";
import { BECH32_PREFIX } from "../../bridge/chain/client.ts";
import { hex } from "../../crypto/bytes.ts";
import { keyId } from "../../crypto/keys.ts";
import type { IdentityEnv } from "../scopes/common.ts";
import { b64urlDecode } from "../sso/id-token.ts";

export class ValidatorConfigError extends Error {}

export interface IdentityValidator {
  validator: string;
  publicKey: Uint8Array<ArrayBuffer>;
  keyId: string;
  keyVersion: number;
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

export async function identityValidators(env: IdentityEnv): Promise<IdentityValidator[] | null> {
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
      return { validator: x.validator, publicKey: key, keyId: hex(await keyId(key)), keyVersion: x.key_version };
    }),
  );
}
