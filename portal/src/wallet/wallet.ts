// Wallet sign-in (ADR-036) from a recovery phrase, entirely in the browser: the phrase and the
// signing key never leave this page, only the address, public key and signature go to the API.
// The same phrase yields the account's encryption key, kept here like any key made in this browser.
// Loaded lazily: the secp256k1 and BIP-39 code stays out of the first-load bundle.
import { type StdSignDoc, serializeSignDoc } from "@cosmjs/amino";
import { Secp256k1, sha256 } from "@cosmjs/crypto";
import { toBase64 } from "@cosmjs/encoding";
import { deriveFromMnemonic } from "../../../src/crypto/keys.ts";
import { newMnemonic, signingKeyFromMnemonic } from "../../../src/wallet/mnemonic.ts";
import { ApiFailure, post } from "../api/client.ts";
import type { User } from "../api/models.ts";
import { keepToken } from "../auth/token.ts";
import { adoptKey } from "../crypto/keystore.ts";

export { newMnemonic };

export async function walletSignIn(
  mnemonic: string,
  remember: boolean,
): Promise<{ created: boolean; user: User }> {
  const key = await signingKeyFromMnemonic(mnemonic);
  if (!key.ok) throw new ApiFailure(400, { mnemonic: [key.error] }, []);
  const { address, pubkey, privkey } = key.value;
  try {
    const ch = await post<{ nonce: string; sign_doc: StdSignDoc }>("/api/wallet-auth/challenge/", undefined, {
      address,
    });
    const sig = await Secp256k1.createSignature(sha256(serializeSignDoc(ch.sign_doc)), privkey);
    const signature = toBase64(new Uint8Array([...sig.r(32), ...sig.s(32)]));
    const res = await post<{ token: string; created: boolean; user: User }>(
      "/api/wallet-auth/login/",
      undefined,
      {
        address,
        nonce: ch.nonce,
        pub_key: toBase64(pubkey),
        signature,
      },
    );
    keepToken(res.token, remember);
    const enc = await deriveFromMnemonic(mnemonic);
    if (enc.ok) await adoptKey(res.user.uuid, enc.value);
    return { created: res.created, user: res.user };
  } finally {
    privkey.fill(0);
  }
}

/** Three distinct word positions (1-based) the user must type back to prove they wrote the phrase down. */
export function confirmationPositions(words: number): number[] {
  const picked = new Set<number>();
  const rnd = new Uint32Array(1);
  while (picked.size < 3) {
    crypto.getRandomValues(rnd);
    picked.add((rnd[0]! % words) + 1);
  }
  return [...picked].sort((a, b) => a - b);
}
