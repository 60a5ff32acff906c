// The signed-in user, read from /api/users/me/ whenever the token changes.
import { useEffect, useState } from "preact/hooks";
import { get, post } from "../api/client.ts";
import type { User } from "../api/models.ts";
import { currentToken, keepToken, onTokenChange, signedOut } from "./token.ts";

export type Session = { status: "loading" } | { status: "anonymous" } | { status: "user"; user: User };

let session: Session = { status: currentToken() ? "loading" : "anonymous" };
const listeners = new Set<() => void>();
const set = (s: Session) => {
  session = s;
  for (const l of listeners) l();
};

async function refresh() {
  if (!currentToken()) return set({ status: "anonymous" });
  set({ status: "loading" });
  try {
    set({ status: "user", user: await get<User>("/api/users/me/") });
  } catch {
    set({ status: "anonymous" });
  }
}
onTokenChange(refresh);
void refresh();

export function useSession(): Session {
  const [, bump] = useState(0);
  const shown = session;
  useEffect(() => {
    const l = () => bump((n) => n + 1);
    listeners.add(l);
    // Effects run after paint: /users/me/ may have answered in between, with no listener to tell.
    // Without this check the page stays on "Loading…" for good.
    if (session !== shown) l();
    return () => listeners.delete(l);
  }, []);
  return session;
}

export const currentUser = (): User | null => (session.status === "user" ? session.user : null);

export async function logIn(username: string, password: string, remember: boolean) {
  const { token } = await post<{ token: string }>("/api-auth/password/", undefined, { username, password });
  keepToken(token, remember);
}

export async function signUp(fields: {
  username: string;
  email: string;
  password: string;
  first_name: string;
  last_name: string;
}) {
  const created = await post<User & { token: string }>("/api-auth/registration/", undefined, fields);
  keepToken(created.token, false);
}

export async function logOut() {
  try {
    await post("/api-auth/logout/");
  } finally {
    signedOut();
  }
}
