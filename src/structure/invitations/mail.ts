// The invitation message: who invites, to what, with which role, and the portal link that accepts it.
// The link carries the invitation uuid, which is what accepting needs: the message is the proof of
// being invited, so the body never goes to a log.
import { ApiError } from "../../http/errors.ts";
import type { IdentityEnv } from "../../identity/scopes/common.ts";
import { configuredMail, MailSendError, sendSmtp } from "../../identity/scopes/mail.ts";
import { ROLE_DESCRIPTIONS } from "./store.ts";

export interface InvitationMail {
  to: string;
  uuid: string;
  inviter: string;
  scopeName: string;
  scopeType: "customer" | "project";
  role: string;
  expires: string;
  extraText: string;
  /** Origin of the portal (the same Worker serves it). */
  portal: string;
}

export const acceptLink = (portal: string, uuid: string) => `${portal}/invitations/${uuid}`;

export function invitationText(m: InvitationMail): { subject: string; text: string } {
  const what = m.scopeType === "customer" ? "organization" : "project";
  const role = ROLE_DESCRIPTIONS[m.role] ?? m.role;
  const lines = [
    `${m.inviter} invited you to join the ${what} "${m.scopeName}" on VirtEngine as ${role} (${m.role}).`,
    "",
    ...(m.extraText ? [m.extraText, ""] : []),
    "To accept, open this link and sign in or create an account:",
    acceptLink(m.portal, m.uuid),
    "",
    `The invitation expires on ${m.expires.slice(0, 16).replace("T", " ")} UTC. If you did not expect it, ignore this message.`,
    "",
  ];
  return { subject: `Invitation to ${m.scopeName} on VirtEngine`, text: lines.join("\n") };
}

/**
 * Sends the message: 503 "not configured" when the deployment has no mail transport (no retry can
 * help), 503 "try again later" when the send fails.
 */
export async function sendInvitation(env: IdentityEnv, m: InvitationMail): Promise<void> {
  const settings = configuredMail(env, "Email is not configured on this deployment, so invitations cannot be sent.");
  const { subject, text } = invitationText(m);
  try {
    await sendSmtp(settings, { to: m.to, subject: subject.replace(/[\r\n]+/g, " "), text });
  } catch (e) {
    if (e instanceof MailSendError) {
      console.error(`user invitation ${m.uuid}: ${e.message}`);
      throw new ApiError(503, { detail: "The invitation email could not be sent; try again later." });
    }
    throw e;
  }
}
