// npm run wallet:new — makes a new account on this machine and prints its 24-word mnemonic once.
// Nothing is written anywhere: whoever runs it writes the words down; they are the only backup of
// both the signing key and the encryption key.
import { toBase64 } from "@cosmjs/encoding";
import { newAccount } from "./mnemonic.ts";

const account = await newAccount();
const json = process.argv.includes("--json");
if (json) {
  process.stdout.write(`${JSON.stringify({ address: account.address, mnemonic: account.mnemonic, encryption_public_key: toBase64(account.encryptionPublicKey) })}\n`);
} else {
  process.stdout.write(
    [
      `address                ${account.address}`,
      `encryption public key  ${toBase64(account.encryptionPublicKey)}`,
      "mnemonic (shown once; write it down, anyone holding it controls the account):",
      `  ${account.mnemonic}`,
      "",
    ].join("\n"),
  );
}
