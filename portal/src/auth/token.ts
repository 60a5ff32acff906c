// Where the API token lives: sessionStorage by default (gone with the tab), localStorage only when
// the user asked to stay signed in. The only other secret in web storage is an SSO flow's one-use
// binding, kept in this tab's sessionStorage across the provider's redirect (pages/identity/sso.tsx).
const KEY = "virtengine.token";
const listeners = new Set<() => void>();

export function currentToken(): string | null {
  return sessionStorage.getItem(KEY) ?? localStorage.getItem(KEY);
}

export function keepToken(token: string, remember: boolean) {
  (remember ? localStorage : sessionStorage).setItem(KEY, token);
  (remember ? sessionStorage : localStorage).removeItem(KEY);
  for (const l of listeners) l();
}

export function signedOut() {
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
  for (const l of listeners) l();
}

export function onTokenChange(l: () => void): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}
