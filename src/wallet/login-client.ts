// Signing in to the API with a wallet from Node (the scorer beside a validator): the wallet-auth
// challenge signed ADR-036 style with the mnemonic's key, exchanged for an API token. The account is
// the one linked to that address (made on first sign-in), which for a validator's operator address
// is what the identity scoring endpoints recognise.
import { Secp256k1HdWallet, type StdSignDoc } from "@cosmjs/amino";
import { BECH32_PREFIX } from "./adr036.ts";

export async function walletLogin(apiUrl: string, mnemonic: string, prefix = BECH32_PREFIX): Promise<{ token: string; address: string }> {
  const wallet = await Secp256k1HdWallet.fromMnemonic(mnemonic, { prefix });
  const [acct] = await wallet.getAccounts();
  const address = acct!.address;
  const call = async (path: string, body: unknown) => {
    const res = await fetch(new URL(path, apiUrl), { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
    return json;
  };
  const ch = await call("/api/wallet-auth/challenge/", { address });
  const signed = await wallet.signAmino(address, ch.sign_doc as StdSignDoc);
  const login = await call("/api/wallet-auth/login/", { nonce: ch.nonce, address, pub_key: signed.signature.pub_key.value, signature: signed.signature.signature });
  if (typeof login.token !== "string") throw new Error("/api/wallet-auth/login/: no token in the answer");
  return { token: login.token, address };
}
