// What people write in the lifecycle (appeal reasons, review notes, moderators' decision reasons)
// may say anything about a person's identity, so D1 holds it sealed to the executor key
// (src/secrets/sealed-json.ts), bound to its record and field; the API opens it for those who may
// read it (the account, moderators).
import { openJson, type SecretEnv, sealJson } from "../../secrets/sealed-json.ts";

const ref = (recordId: string, field: string) => ({
  kind: "identity-lifecycle" as const,
  recordId: `${recordId}:${field}`,
});

export async function sealText(
  env: SecretEnv,
  recordId: string,
  field: string,
  text: string,
): Promise<string> {
  return text === "" ? "" : sealJson(env, ref(recordId, field), { text });
}

export async function openText(
  env: SecretEnv,
  recordId: string,
  field: string,
  sealed: string | null,
): Promise<string | null> {
  if (sealed === null) return null;
  if (sealed === "") return "";
  const v = await openJson(env, ref(recordId, field), sealed);
  return typeof v.text === "string" ? v.text : null;
}
