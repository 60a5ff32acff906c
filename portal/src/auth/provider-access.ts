// Whether the signed-in user works for a service provider, which decides if the provider workspace
// (nav items and /provider/* pages) is offered. As in Waldur HomePort: staff always; otherwise an
// owner or manager of an organization registered as a service provider (the roles the API lets
// manage offerings and orders). Worked out once per session from the permissions /api/users/me/
// already returned: a user with no such role costs no request, others one service-provider lookup.
import { useEffect } from "preact/hooks";
import { get, list } from "../api/client.ts";
import type { User } from "../api/models.ts";
import { changes, useExternal } from "../lib/external.ts";
import { currentUser, useSession } from "./session.ts";
import { onTokenChange } from "./token.ts";

export type ProviderAccess =
  | { status: "loading" }
  | { status: "provider" }
  | { status: "none" }
  | { status: "error"; error: Error };

interface Permission {
  scope_type: string;
  role_name: string;
  customer_uuid: string;
  expiration_time: string | null;
}

const MANAGING_ROLES = new Set(["CUSTOMER.OWNER", "CUSTOMER.MANAGER"]);

/** Organizations the user owns or manages by an unexpired role. */
export function managedOrganizations(permissions: readonly Permission[], now = Date.now()): string[] {
  const uuids = permissions
    .filter(
      (p) =>
        p.scope_type === "customer" &&
        MANAGING_ROLES.has(p.role_name) &&
        (p.expiration_time === null || Date.parse(p.expiration_time) > now),
    )
    .map((p) => p.customer_uuid);
  return [...new Set(uuids)];
}

async function decide(user: User, permissions: readonly Permission[]): Promise<boolean> {
  if (user.is_staff) return true;
  const orgs = managedOrganizations(permissions);
  if (!orgs.length) return false;
  return (await list("/api/marketplace-service-providers/", { customer_uuid: orgs, page_size: 1 })).count > 0;
}

// The answer for one session user object: session.ts makes a new one on every log-in, so a new
// user (or the same one signed in again) is always asked afresh.
let entry: { user: User; access: ProviderAccess; run: number } | null = null;
let runs = 0;
const accessChanges = changes();
const notify = accessChanges.notify;

function start(user: User, permissions: () => Promise<readonly Permission[]>) {
  const run = ++runs;
  entry = {
    user,
    access: entry?.user === user && entry.access.status !== "error" ? entry.access : { status: "loading" },
    run,
  };
  notify();
  permissions()
    .then((p) => decide(user, p))
    .then(
      (yes): ProviderAccess => ({ status: yes ? "provider" : "none" }),
      (error: Error): ProviderAccess => ({ status: "error", error }),
    )
    .then((access) => {
      // A later run (log-out, a refresh) owns the answer now.
      if (entry?.run !== run) return;
      entry = { user, access, run };
      notify();
    });
}

const sessionPermissions = (user: User) => async () =>
  (user as User & { permissions?: Permission[] }).permissions ?? [];

onTokenChange(() => {
  entry = null;
  runs++;
  notify();
});

/**
 * Asks again, with fresh roles from the API: after the user registers an organization as a
 * provider, or to retry a failed check. Keeps showing the previous answer meanwhile.
 */
export function refreshProviderAccess() {
  const user = currentUser();
  if (!user) return;
  start(
    user,
    async () =>
      (await get<{ permissions?: Permission[] }>("/api/users/me/", undefined, { field: "permissions" }))
        .permissions ?? [],
  );
}

/** The provider access of the signed-in user; "none" when nobody is signed in. */
export function useProviderAccess(): ProviderAccess {
  const session = useSession();
  useExternal(() => entry, accessChanges);
  const user = session.status === "user" ? session.user : null;
  useEffect(() => {
    if (user && entry?.user !== user) start(user, sessionPermissions(user));
  }, [user]);
  if (session.status === "loading") return { status: "loading" };
  if (!user) return { status: "none" };
  return entry?.user === user ? entry.access : { status: "loading" };
}
