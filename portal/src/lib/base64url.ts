// base64url without padding, as the API takes keys, signatures and envelopes. Chunked, so a large
// envelope does not overflow the argument list of String.fromCharCode.
export function toB64url(b: Uint8Array): string {
  let out = "";
  for (let i = 0; i < b.length; i += 0x8000) out += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(out).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export const fromB64url = (t: string): Uint8Array => Uint8Array.from(atob(t.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
