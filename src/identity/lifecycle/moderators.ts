// Who moderates identity: staff and support users, the same people support requests without a
// provider go to (src/secrets/recipients.ts moderatorIds). Roles in src/auth are per organization,
// project or offering; there is no global "moderator" grant, so the account flags are the model.
import type { User } from "../../auth/session.ts";
import { requireUser } from "../../auth/session.ts";
import { permissionDenied } from "../../http/errors.ts";

export const isModerator = (u: User | null) => !!u && u.isActive && (u.isStaff || u.isSupport);

export function requireModerator(u: User | null): User {
  const me = requireUser(u);
  if (!isModerator(me)) throw permissionDenied("Only moderators (staff or support users) may do this.");
  return me;
}
