// The customer's access detail: a kubeconfig scoped to their namespace. Written by hand (no YAML
// library in the Worker bundle); every scalar is a JSON string, which is valid double-quoted YAML.
export interface KubeconfigInput {
  server: string;
  /** base64 PEM (certificate-authority-data), when the cluster has a private CA. */
  caData?: string;
  namespace: string;
  user: string;
  token: string;
}

export function buildKubeconfig(k: KubeconfigInput): string {
  const q = (s: string) => JSON.stringify(s);
  const ctx = `${k.user}@${k.namespace}`;
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${q(k.namespace)}`,
    "  cluster:",
    `    server: ${q(k.server)}`,
    ...(k.caData ? [`    certificate-authority-data: ${q(k.caData)}`] : []),
    "users:",
    `- name: ${q(ctx)}`,
    "  user:",
    `    token: ${q(k.token)}`,
    "contexts:",
    `- name: ${q(ctx)}`,
    "  context:",
    `    cluster: ${q(k.namespace)}`,
    `    namespace: ${q(k.namespace)}`,
    `    user: ${q(ctx)}`,
    `current-context: ${q(ctx)}`,
    "",
  ].join("\n");
}

/** base64 of a UTF-8 string without Buffer (workerd). */
export function base64(s: string): string {
  let bin = "";
  for (const b of new TextEncoder().encode(s)) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** Decodes a Secret data value (base64 of UTF-8 bytes). */
export function unbase64(s: string): string {
  const bin = atob(s);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}
