// The organization's team in a real browser: the owner edits the organization's details (the API's
// refusal beside its field), invites by email; the message goes through a real SMTP server on
// loopback; the invitee opens the link, signs up, opens it again and accepts; they appear in the team
// with the role, the invitation reads accepted, the owner's notifications say who joined; a second
// invitation is canceled and sent again.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ensurePortal } from "../../scripts/lib/build-worker.ts";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { createUser } from "../../src/structure/users.ts";
import { dbOf, login } from "../helpers/api.ts";
import { type Mailbox, startMailbox } from "../helpers/mailbox.ts";
import { assertAccessible, type BrowserSession, launch, step } from "./browser.ts";

/** The text of the next mail to `to`, awaited if it has not arrived. */
const mailTo = async (to: string) => (await smtp.take(to)).text ?? "";

const suffix = Math.random().toString(36).slice(2, 7);
const ORG = `Helix Team ${suffix}`;
let host: WorkerHost;
let browser: BrowserSession;
let smtp: Mailbox;

before(async () => {
  await ensurePortal();
  smtp = await startMailbox({ auth: { user: "mailer", password: "smtp-pass-team" } });
  host = await startWorkerHost({ portal: true, vars: smtp.transport });
  await createUser(dbOf(host), { username: "olga", password: "olga-password-1", email: "olga@example.org", firstName: "Olga", lastName: "Owner" });
  const olga = await login(host, "olga", "olga-password-1");
  await olga.expect(201, olga.post("/api/customers/", { name: ORG }));
  browser = await launch(host.url);
});
after(async () => {
  await browser?.close();
  await host?.dispose();
  await smtp?.close();
});

test("team: owner invites by email, the invitee signs up through the mailed link, accepts and is listed with the role", { timeout: 180_000 }, async () => {
  const owner = await browser.person();
  const o = owner.page;
  await o.goto("/login?next=/organization");
  await o.getByLabel("Username").fill("olga");
  await o.getByLabel("Password").fill("olga-password-1");
  await o.getByRole("button", { name: "Log in" }).click();

  await step(o, "organization details: the API's refusal beside the field, then saved", async () => {
    await o.getByRole("heading", { name: "Organization", level: 1 }).waitFor();
    await o.getByRole("heading", { name: "Details" }).waitFor();
    assert.equal(await o.getByLabel("Name", { exact: true }).inputValue(), ORG);
    await o.getByLabel("Country code").fill("EST");
    await o.getByLabel("Phone number").fill("+372 5555 0101");
    await o.getByRole("button", { name: "Save" }).click();
    await o.locator(".field.invalid").getByText("Ensure this field has no more than 2 characters.").waitFor();
    assert.equal(await o.getByLabel("Country code").getAttribute("aria-invalid"), "true");
    await o.getByLabel("Country code").fill("EE");
    await o.getByRole("button", { name: "Save" }).click();
    await o.getByText("Organization details saved.").waitFor();
    await assertAccessible(o, "organization");
  });

  await step(o, "team lists the owner; an invitation by email is sent and listed as pending", async () => {
    await o.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Team" }).click();
    await o.getByRole("heading", { name: "Team", level: 1 }).waitFor();
    await o.getByRole("cell", { name: "olga", exact: true }).waitFor();
    await o.getByRole("row", { name: /olga/ }).getByRole("cell", { name: "Organization owner", exact: true }).waitFor();
    await o.getByRole("heading", { name: "Invitations" }).waitFor();
    await o.getByText("No invitations.").waitFor();
    // The client's check first, then the API's.
    await o.getByLabel("Email address", { exact: true }).fill("not-an-address");
    await o.getByRole("button", { name: "Send invitation" }).click();
    await o.locator(".field.invalid").getByText("Enter a valid email address.").waitFor();
    await o.getByLabel("Email address", { exact: true }).fill("Nina@Example.org");
    await o.getByLabel("Role", { exact: true }).selectOption({ label: "Organization manager" });
    await o.getByLabel("Message (optional)").fill("Welcome to the team, Nina.");
    await o.getByRole("button", { name: "Send invitation" }).click();
    await o.getByText("Invitation sent to nina@example.org.").waitFor();
    const row = o.getByRole("row", { name: /nina@example\.org/ });
    await row.getByText("Pending").waitFor();
    await row.getByRole("cell", { name: "Organization manager", exact: true }).waitFor();
    await assertAccessible(o, "team");
  });

  const text = await mailTo("nina@example.org");
  assert.match(text, new RegExp(`Olga Owner invited you to join the organization "${ORG}"`));
  assert.match(text, /Welcome to the team, Nina\./);
  const link = text.match(/http:\/\/\S+\/invitations\/[0-9a-f]{32}/)?.[0];
  assert.ok(link, `no link in ${text}`);
  assert.ok(link.startsWith(host.url), link);

  const invitee = await browser.person({ width: 390, height: 844 });
  const n = invitee.page;
  await step(n, "the link, before signing in: who it was sent to and how to accept", async () => {
    await n.goto(link);
    await n.getByRole("heading", { name: "Invitation" }).waitFor();
    await n.getByText("This invitation was sent to nina@example.org.").waitFor();
    await n.getByRole("link", { name: "Log in to accept" }).waitFor();
    await assertAccessible(n, "invitation (anonymous)");
  });
  await step(n, "the invitee signs up", async () => {
    await n.getByRole("link", { name: "Create an account" }).click();
    await n.getByLabel("Username").fill("nina");
    await n.getByLabel("Email").fill("nina@example.org");
    await n.getByLabel("Password").fill("nina-password-1");
    await n.getByLabel("First name").fill("Nina");
    await n.getByRole("button", { name: "Sign up" }).click();
    await n.getByRole("heading", { name: "Welcome, Nina" }).waitFor();
  });
  await step(n, "signed in, the link says what the invitation is for", async () => {
    await n.goto(link);
    await n.getByText(`Olga Owner invited you to join the organization ${ORG} as Organization manager.`).waitFor();
    await assertAccessible(n, "invitation (signed in)");
  });
  await step(n, "the invitee accepts and sees the team with their role", async () => {
    await n.getByRole("button", { name: "Accept invitation" }).click();
    await n.getByText(`You joined ${ORG}.`).waitFor();
    await n.getByRole("link", { name: "Go to the team" }).click();
    await n.getByRole("heading", { name: "Team", level: 1 }).waitFor();
    // At phone width each cell is a card line whose label is part of its name: the role by its test id.
    await n.getByRole("row", { name: /nina/ }).getByTestId("member-role").filter({ hasText: "Organization manager" }).waitFor();
  });
  await step(n, "the used link says it can no longer be accepted", async () => {
    await n.goto(link);
    await n.getByText("This invitation can no longer be accepted (accepted).").waitFor();
  });

  await step(o, "the owner's team lists the new manager; the invitation reads accepted", async () => {
    await o.reload();
    const member = o.getByRole("row", { name: /nina@example\.org/ }).filter({ has: o.getByTestId("member-role") });
    await member.getByRole("cell", { name: "Organization manager", exact: true }).waitFor();
    await o.getByRole("row", { name: /nina@example\.org/ }).getByText("Accepted").waitFor();
  });

  await step(o, "the owner changes the new member's role, through add_user then delete_user", async () => {
    const member = () => o.getByRole("row", { name: /nina@example\.org/ }).filter({ has: o.getByTestId("member-role") });
    await member().getByLabel("New role for nina").selectOption({ label: "Organization support" });
    await member().getByRole("button", { name: "Change role" }).click();
    await o.getByText("Role of nina changed.").waitFor();
    await member().getByTestId("member-role").filter({ hasText: "Organization support" }).waitFor();
    assert.equal(await member().count(), 1, "the old role is gone");
  });

  await step(o, "a second invitation is canceled, then sent again", async () => {
    await o.getByLabel("Email address", { exact: true }).fill("pavel@example.org");
    await o.getByRole("button", { name: "Send invitation" }).click();
    await o.getByText("Invitation sent to pavel@example.org.").waitFor();
    await mailTo("pavel@example.org");
    await o.getByRole("button", { name: "Cancel the invitation to pavel@example.org" }).click();
    await o.getByText("Invitation to pavel@example.org canceled.").waitFor();
    await o.getByRole("row", { name: /pavel@example\.org/ }).getByText("Canceled").waitFor();
    // Filtered by the API: only canceled ones.
    await o.getByLabel(/^State/).selectOption("canceled");
    await o.getByRole("row", { name: /nina@example\.org.*Accepted/ }).waitFor({ state: "detached" });
    await o.getByRole("button", { name: "Resend the invitation to pavel@example.org" }).click();
    await o.getByText("Invitation to pavel@example.org sent again.").waitFor();
    await mailTo("pavel@example.org");
    await o.getByLabel(/^State/).selectOption("pending");
    await o.getByRole("row", { name: /pavel@example\.org/ }).getByText("Pending").waitFor();
  });

  await step(o, "the owner removes the member", async () => {
    await o.getByRole("button", { name: "Remove nina (Organization support)" }).click();
    await o.getByText("nina removed from the organization.").waitFor();
    await o.getByRole("row", { name: /nina@example\.org/ }).filter({ has: o.getByTestId("member-role") }).waitFor({ state: "detached" });
  });

  await step(o, "notifications tell the owner who joined", async () => {
    await o.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Notifications" }).click();
    await o.getByRole("heading", { name: "Notifications" }).waitFor();
    await o.getByRole("cell", { name: `nina joined ${ORG} as CUSTOMER.MANAGER` }).waitFor();
    await o.getByRole("cell", { name: `olga invited someone as CUSTOMER.MANAGER to ${ORG}` }).first().waitFor();
    await assertAccessible(o, "notifications");
  });
});
