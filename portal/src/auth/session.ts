// The signed-in user, read from /api/users/me/ whenever the token changes.
import { get, post } from "../api/client.ts";
import type { User } from "../api/models.ts";
import { changes, useExternal } from "../lib/external.ts";
import { currentToken, keepToken, onTokenChange, signedOut } from "./token.ts";

export type Session = { status: "loading" } | { status: "anonymous" } | { status: "user"; user: User };

let session: Session = { status: currentToken() ? "loading" : "anonymous" };
const sessionChanges = changes();
const set = (s: Session) => {
  session = s;
  sessionChanges.notify();
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
  return useExternal(() => session, sessionChanges);
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
