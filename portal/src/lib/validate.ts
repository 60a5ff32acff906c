// Client-side checks that mirror the API's own rules (src/routes/auth.ts, catalog schemas), so a
// form says what is wrong before the round trip; the API's answer still wins when it disagrees.
export type Errors = Record<string, string[]>;

export const REQUIRED = "This field may not be blank.";

export function check(rules: Record<string, [boolean, string][]>): Errors {
  const out: Errors = {};
  for (const [field, list] of Object.entries(rules)) {
    const failed = list.filter(([ok]) => !ok).map(([, msg]) => msg);
    if (failed.length) out[field] = failed.slice(0, 1);
  }
  return out;
}

export const filled = (v: string) => v.trim().length > 0;
export const usernameOk = (v: string) => /^[\w.@+-]+$/.test(v);
export const emailOk = (v: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v);
export const decimalOk = (v: string) => /^\d{1,18}(\.\d{1,10})?$/.test(v.trim());
