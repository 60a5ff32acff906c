// ADR-036 off-chain signatures: a wallet signs arbitrary data as an amino StdSignDoc with one
// MsgSignData, empty chain id, zero account number/sequence and no fee — what Keplr's signArbitrary
// and Cosmos wallets produce. Verifying it proves control of a bech32 address without any chain call.
import { makeSignDoc, pubkeyToAddress, serializeSignDoc, type StdSignDoc } from "@cosmjs/amino";
import { Secp256k1, Secp256k1Signature, sha256 } from "@cosmjs/crypto";
import { fromBase64, fromBech32, toBase64 } from "@cosmjs/encoding";

export const BECH32_PREFIX = "virtengine";

export function adr036SignDoc(signer: string, data: string): StdSignDoc {
  return makeSignDoc(
    [{ type: "sign/MsgSignData", value: { signer, data: toBase64(new TextEncoder().encode(data)) } }],
    { gas: "0", amount: [] },
    "",
    "",
    0,
    0,
  );
}

export type VerifyResult = { ok: true } | { ok: false; field: string; message: string };

/** Checks the address format, that the public key hashes to it, and the signature over the sign doc. */
export async function verifyAdr036(
  address: string,
  data: string,
  pubKeyB64: string,
  signatureB64: string,
): Promise<VerifyResult> {
  try {
    if (fromBech32(address, 90).prefix !== BECH32_PREFIX) {
      return { ok: false, field: "address", message: `Address must start with ${BECH32_PREFIX}1.` };
    }
  } catch {
    return { ok: false, field: "address", message: "Not a valid bech32 address." };
  }
  let pubkey: Uint8Array;
  let sig: Uint8Array;
  try {
    pubkey = fromBase64(pubKeyB64);
    sig = fromBase64(signatureB64);
  } catch {
    return { ok: false, field: "signature", message: "Public key and signature must be base64." };
  }
  if (pubkey.length !== 33) return { ok: false, field: "pub_key", message: "Expected a 33-byte compressed secp256k1 key." };
  if (sig.length !== 64) return { ok: false, field: "signature", message: "Expected a 64-byte signature." };
  const derived = pubkeyToAddress({ type: "tendermint/PubKeySecp256k1", value: pubKeyB64 }, BECH32_PREFIX);
  if (derived !== address) return { ok: false, field: "pub_key", message: "Public key does not belong to the address." };
  const hash = sha256(serializeSignDoc(adr036SignDoc(address, data)));
  const good = await Secp256k1.verifySignature(Secp256k1Signature.fromFixedLength(sig), hash, pubkey);
  return good ? { ok: true } : { ok: false, field: "signature", message: "Signature does not match." };
}

