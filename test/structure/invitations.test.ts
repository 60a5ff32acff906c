// /api/user-invitations/ against a real worker and a real SMTP server on loopback: owners invite by
// email, the message carries the accept link, the invitee accepts and holds the role; refusals for
// every bad path (permissions, wrong roles, bad input, used/canceled/expired links, a failed send),
// and D1 never holds the invitee's address in the clear.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { eq } from "drizzle-orm";
import type { ParsedMail } from "mailparser";
import { startWorkerHost, type WorkerHost } from "../../scripts/lib/worker-host.ts";
import { userInvitations } from "../../src/db/schema/index.ts";
import { createUser } from "../../src/structure/users.ts";
import { Api, dbOf, login, staffApi, userApi } from "../helpers/api.ts";
import { type Mailbox, startMailbox } from "../helpers/mailbox.ts";

const REFUSED = "refused@example.org";
const linkIn = (m: ParsedMail) => {
  const url = m.text?.match(/https?:\/\/\S+\/invitations\/([0-9a-f]{32})\b/);
  assert.ok(url, `no accept link in: ${m.text}`);
  return { url: url[0], uuid: url[1]! };
};

let host: WorkerHost;
let smtp: Mailbox;
/** The next message to `to`, awaited if it has not arrived. */
const mailTo = (to: string) => smtp.take(to);
before(async () => {
  // One address the server refuses, to see a failed send leave nothing behind.
  smtp = await startMailbox({ auth: { user: "mailer", password: "smtp-pass-8" }, refuse: [REFUSED] });
  host = await startWorkerHost({ vars: smtp.transport });
});
after(async () => {
  await host?.dispose();
  await smtp?.close();
});

async function orgWithOwner(name: string) {
  const owner = await userApi(host);
  const org = await owner.expect(201, owner.post("/api/customers/", { name }));
  return { owner, org };
}

test("owner invites by email; the mailed link accepts once and grants the role; the address is sealed in D1", async () => {
  const { owner, org } = await orgWithOwner("Invite Org A");
  const email = "New.Colleague@Example.org";
  const inv = await owner.expect(
    201,
    owner.post("/api/user-invitations/", { scope: org.url, role: "CUSTOMER.MANAGER", email, extra_invitation_text: "Welcome aboard" }),
  );
  assert.equal(inv.state, "pending");
  assert.equal(inv.email, "new.colleague@example.org");
  assert.equal(inv.scope_type, "customer");
  assert.equal(inv.scope_uuid, org.uuid);
  assert.equal(inv.customer_name, "Invite Org A");
  assert.equal(inv.role_name, "CUSTOMER.MANAGER");
  assert.equal(inv.created_by_username, owner.username);
  assert.ok(Date.parse(inv.expires) > Date.now() + 6.9 * 86_400_000);

  const msg = await mailTo("new.colleague@example.org");
  assert.equal(msg.subject, "Invitation to Invite Org A on VirtEngine");
  assert.match(msg.text ?? "", /Organization manager \(CUSTOMER\.MANAGER\)/);
  assert.match(msg.text ?? "", /Welcome aboard/);
  const link = linkIn(msg);
  assert.equal(link.uuid, inv.uuid);
  assert.equal(link.url, `${host.url}/invitations/${inv.uuid}`);

  // Sealed and hashed: no column holds the address, in any case.
  const row = (await dbOf(host).select().from(userInvitations).where(eq(userInvitations.uuid, inv.uuid)).get())!;
  assert.match(row.emailSealed, /^v2\./);
  assert.match(row.emailHash, /^[0-9a-f]{64}$/);
  assert.ok(!JSON.stringify(row).toLowerCase().includes("colleague"));

  // Anyone holding the link may check it, without signing in.
  const anon = new Api(host);
  assert.deepEqual(await anon.expect(200, anon.post(`/api/user-invitations/${inv.uuid}/check/`)), {
    email: "new.colleague@example.org",
    civil_number_required: false,
  });
  assert.equal((await anon.post(`/api/user-invitations/${inv.uuid}/accept/`)).status, 401);
  assert.equal((await anon.get(`/api/user-invitations/${inv.uuid}/details/`)).status, 401);

  const invitee = await userApi(host);
  const details = await invitee.expect(200, invitee.get(`/api/user-invitations/${inv.uuid}/details/`));
  assert.equal(details.scope_name, "Invite Org A");
  assert.equal(details.role_description, "Organization manager");
  assert.equal(details.state, "pending");
  assert.equal(details.email, undefined);
  // The invitee sees the invitation only through its link, not in lists or by retrieve.
  assert.equal((await invitee.get(`/api/user-invitations/${inv.uuid}/`)).status, 404);

  const accepted = await invitee.expect(200, invitee.post(`/api/user-invitations/${inv.uuid}/accept/`));
  assert.equal(accepted.role_name, "CUSTOMER.MANAGER");
  const team = await owner.expect(200, owner.get(`/api/customers/${org.uuid}/list_users/`));
  const member = team.find((m: { user_uuid: string }) => m.user_uuid === invitee.uuid);
  assert.equal(member?.role_name, "CUSTOMER.MANAGER");
  // The new manager now sees the organization.
  await invitee.expect(200, invitee.get(`/api/customers/${org.uuid}/`));

  // Used: refused everywhere, naming why.
  const again = await invitee.post(`/api/user-invitations/${inv.uuid}/accept/`);
  assert.equal(again.status, 400);
  assert.equal(again.body.detail, "This invitation has already been accepted.");
  const other = await userApi(host);
  assert.equal((await other.post(`/api/user-invitations/${inv.uuid}/accept/`)).body.detail, "This invitation has already been accepted.");
  assert.equal((await anon.post(`/api/user-invitations/${inv.uuid}/check/`)).status, 400);
  assert.equal((await owner.post(`/api/user-invitations/${inv.uuid}/cancel/`)).status, 400);
  assert.equal((await owner.post(`/api/user-invitations/${inv.uuid}/send/`)).body.detail, "This invitation has already been accepted.");
  assert.equal((await owner.expect(200, owner.get(`/api/user-invitations/${inv.uuid}/`))).state, "accepted");
  assert.equal((await anon.post("/api/user-invitations/0123456789abcdef0123456789abcdef/check/")).status, 404);
  assert.equal((await anon.post("/api/user-invitations/not-a-uuid/check/")).status, 404);

  // The organization's feed tells the owner who joined; a stranger asking for it gets nothing.
  const feed = await owner.expect(200, owner.get(`/api/events/?customer_uuid=${org.uuid}&page_size=50`));
  const types = feed.map((e: { event_type: string }) => e.event_type);
  assert.ok(types.includes("user_invitation_created"), types.join());
  const joined = feed.find((e: { event_type: string }) => e.event_type === "role_granted");
  assert.equal(joined?.context.user_username, invitee.username);
  assert.match(joined?.message, /joined Invite Org A as CUSTOMER\.MANAGER/);
  assert.ok(!JSON.stringify(feed).includes("colleague"));
  // The feed reaches every member: it must not carry the uuid, which is what accepting needs.
  assert.ok(!JSON.stringify(feed).includes(inv.uuid));
  assert.deepEqual(await other.expect(200, other.get(`/api/events/?customer_uuid=${org.uuid}`)), []);
});

test("who may invite: owners to the organization and its projects, project managers admins and members only", async () => {
  const { owner, org } = await orgWithOwner("Invite Org B");
  const proj = await owner.expect(201, owner.post("/api/projects/", { name: "Invite Proj B", customer: org.url }));
  const pm = await userApi(host);
  await owner.expect(201, owner.post(`/api/projects/${proj.uuid}/add_user/`, { user: pm.uuid, role: "PROJECT.MANAGER" }));
  const mgr = await userApi(host);
  await owner.expect(201, owner.post(`/api/customers/${org.uuid}/add_user/`, { user: mgr.uuid, role: "CUSTOMER.MANAGER" }));
  const stranger = await userApi(host);

  const member = await pm.expect(201, pm.post("/api/user-invitations/", { scope: proj.url, role: "PROJECT.MEMBER", email: "pm-invitee@example.org" }));
  assert.equal(member.scope_type, "project");
  assert.equal(member.customer_uuid, org.uuid);
  await mailTo("pm-invitee@example.org");
  // A project manager may not make managers, nor invite to the organization.
  assert.equal((await pm.post("/api/user-invitations/", { scope: proj.url, role: "PROJECT.MANAGER", email: "x@example.org" })).status, 403);
  assert.equal((await pm.post("/api/user-invitations/", { scope: org.url, role: "CUSTOMER.MANAGER", email: "x@example.org" })).status, 403);
  // An organization manager is not an owner.
  assert.equal((await mgr.post("/api/user-invitations/", { scope: org.url, role: "CUSTOMER.MANAGER", email: "x@example.org" })).status, 403);
  // Someone with no role there does not see the organization at all.
  assert.deepEqual(
    (await stranger.post("/api/user-invitations/", { scope: org.url, role: "CUSTOMER.OWNER", email: "x@example.org" })).body,
    { scope: ["Invalid hyperlink - Object does not exist."] },
  );
  assert.equal(smtp.messages.filter((m) => m.text?.includes("x@example.org")).length, 0);

  // Managing: the project manager cancels and resends their project's invitation; the org manager and
  // a stranger cannot see it; the owner sees both the project's and the organization's.
  assert.equal((await mgr.get(`/api/user-invitations/${member.uuid}/`)).status, 404);
  assert.equal((await stranger.post(`/api/user-invitations/${member.uuid}/cancel/`)).status, 404);
  assert.equal((await stranger.post(`/api/user-invitations/${member.uuid}/send/`)).status, 404);
  assert.deepEqual(await stranger.expect(200, stranger.get("/api/user-invitations/")), []);
  const own = await owner.expect(201, owner.post("/api/user-invitations/", { scope: org.url, role: "CUSTOMER.OWNER", email: "co-owner@example.org" }));
  await mailTo("co-owner@example.org");
  const ownerList = await owner.expect(200, owner.get(`/api/user-invitations/?customer_uuid=${org.uuid}`));
  assert.deepEqual(ownerList.map((i: { uuid: string }) => i.uuid).sort(), [member.uuid, own.uuid].sort());
  const pmList = await pm.expect(200, pm.get("/api/user-invitations/"));
  assert.deepEqual(pmList.map((i: { uuid: string }) => i.uuid), [member.uuid]);
  // Support sees everything but manages nothing.
  await createUser(dbOf(host), { username: "inv-support", password: "support-pass-1", isSupport: true });
  const support = await login(host, "inv-support", "support-pass-1");
  await support.expect(200, support.get(`/api/user-invitations/${own.uuid}/`));
  assert.equal((await support.post(`/api/user-invitations/${own.uuid}/cancel/`)).status, 403);

  // The project member accepts: the project role, and the project is now theirs to see.
  const joiner = await userApi(host);
  await joiner.expect(200, joiner.post(`/api/user-invitations/${member.uuid}/accept/`));
  const team = await owner.expect(200, owner.get(`/api/projects/${proj.uuid}/list_users/`));
  assert.equal(team.find((m: { user_uuid: string }) => m.user_uuid === joiner.uuid)?.role_name, "PROJECT.MEMBER");
  await joiner.expect(200, joiner.get(`/api/projects/${proj.uuid}/`));
  const projFeed = await pm.expect(200, pm.get(`/api/events/?project_uuid=${proj.uuid}`));
  assert.ok(projFeed.some((e: { event_type: string }) => e.event_type === "role_granted"));
  // A project role opens the project's feed, not the whole organization's.
  assert.deepEqual(await pm.expect(200, pm.get(`/api/events/?customer_uuid=${org.uuid}`)), []);
  assert.ok((await owner.expect(200, owner.get(`/api/events/?customer_uuid=${org.uuid}`))).some((e: { event_type: string }) => e.event_type === "role_granted"));
});

test("bad input is refused naming the field, and nothing is sent or kept", async () => {
  const { owner, org } = await orgWithOwner("Invite Org C");
  const proj = await owner.expect(201, owner.post("/api/projects/", { name: "Invite Proj C", customer: org.url }));
  const before = smtp.messages.length;
  const empty = await owner.post("/api/user-invitations/", {});
  assert.equal(empty.status, 400);
  for (const f of ["scope", "role", "email"]) assert.ok(f in empty.body, `${f} not named: ${JSON.stringify(empty.body)}`);
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ scope: org.url, role: "CUSTOMER.OWNER", email: "not-an-address" }, "email", /valid email/],
    [{ scope: org.url, role: "CUSTOMER.OWNER", email: 42 }, "email", /string/],
    [{ scope: org.url, role: "CUSTOMER.KING", email: "a@example.org" }, "role", /not a valid choice/],
    [{ scope: org.url, role: "PROJECT.MEMBER", email: "a@example.org" }, "role", /cannot be granted in a organization|cannot be granted in an? organization/],
    [{ scope: proj.url, role: "CUSTOMER.OWNER", email: "a@example.org" }, "role", /cannot be granted in a project/],
    [{ scope: `${host.url}/api/users/${owner.uuid}/`, role: "CUSTOMER.OWNER", email: "a@example.org" }, "scope", /Incorrect URL match/],
    [{ scope: "nonsense", role: "CUSTOMER.OWNER", email: "a@example.org" }, "scope", /No URL match/],
    [{ scope: org.url, role: "CUSTOMER.OWNER", email: "a@example.org", extra_invitation_text: "x".repeat(251) }, "extra_invitation_text", /250/],
    [{ scope: org.url, role: "CUSTOMER.OWNER", email: `${"a".repeat(250)}@example.org` }, "email", /254/],
  ];
  for (const [payload, field, message] of cases) {
    const r = await owner.post("/api/user-invitations/", payload);
    assert.equal(r.status, 400, JSON.stringify(payload));
    assert.match(String(r.body[field]), message, `${field}: ${JSON.stringify(r.body)}`);
  }
  assert.equal((await owner.call("POST", "/api/user-invitations/", "{oops")).status, 400);
  assert.equal((await owner.post("/api/user-invitations/", ["a"])).status, 400);
  assert.equal((await owner.get("/api/user-invitations/?state=bogus")).status, 400);
  assert.equal((await owner.get("/api/user-invitations/?customer_uuid=zzz")).status, 400);
  assert.equal((await new Api(host).get("/api/user-invitations/")).status, 401);

  // A send the mail server refuses: 503, and no invitation is left behind.
  const r = await owner.post("/api/user-invitations/", { scope: org.url, role: "CUSTOMER.MANAGER", email: REFUSED });
  assert.equal(r.status, 503);
  assert.match(r.body.detail, /could not be sent/);
  assert.equal(smtp.messages.length, before);
  assert.deepEqual(await owner.expect(200, owner.get(`/api/user-invitations/?customer_uuid=${org.uuid}`)), []);

  // One pending invitation per address, scope and role (whatever the case of the address).
  await owner.expect(201, owner.post("/api/user-invitations/", { scope: org.url, role: "CUSTOMER.MANAGER", email: "dup@example.org" }));
  await mailTo("dup@example.org");
  const dup = await owner.post("/api/user-invitations/", { scope: org.url, role: "CUSTOMER.MANAGER", email: "DUP@example.org" });
  assert.equal(dup.status, 400);
  assert.match(dup.body.email[0], /already exists/);
  await owner.expect(201, owner.post("/api/user-invitations/", { scope: org.url, role: "CUSTOMER.OWNER", email: "dup@example.org" }));
  await mailTo("dup@example.org");
});

test("cancel, expiry and resend: refused while unusable, usable again after a resend", async () => {
  const { owner, org } = await orgWithOwner("Invite Org D");
  const inv = await owner.expect(201, owner.post("/api/user-invitations/", { scope: org.url, role: "CUSTOMER.MANAGER", email: "late@example.org" }));
  await mailTo("late@example.org");
  const invitee = await userApi(host);
  const anon = new Api(host);

  await owner.expect(200, owner.post(`/api/user-invitations/${inv.uuid}/cancel/`));
  assert.equal((await owner.post(`/api/user-invitations/${inv.uuid}/cancel/`)).body.detail, "This invitation has been canceled.");
  const canceled = await invitee.post(`/api/user-invitations/${inv.uuid}/accept/`);
  assert.equal(canceled.status, 400);
  assert.equal(canceled.body.detail, "This invitation has been canceled.");
  assert.equal((await anon.post(`/api/user-invitations/${inv.uuid}/check/`)).body.detail, "This invitation has been canceled.");

  // Resend brings it back as pending with a new message carrying the same link.
  const sent = await owner.expect(200, owner.post(`/api/user-invitations/${inv.uuid}/send/`));
  assert.equal(sent.state, "pending");
  assert.equal(linkIn(await mailTo("late@example.org")).uuid, inv.uuid);

  // Past its expiry it reads as expired (no write needed) and is refused.
  await dbOf(host).update(userInvitations).set({ expires: new Date(Date.now() - 1000).toISOString() }).where(eq(userInvitations.uuid, inv.uuid));
  assert.equal((await owner.expect(200, owner.get(`/api/user-invitations/${inv.uuid}/`))).state, "expired");
  const expired = await invitee.post(`/api/user-invitations/${inv.uuid}/accept/`);
  assert.equal(expired.status, 400);
  assert.equal(expired.body.detail, "This invitation has expired.");
  assert.equal((await anon.post(`/api/user-invitations/${inv.uuid}/check/`)).body.detail, "This invitation has expired.");
  assert.equal((await owner.post(`/api/user-invitations/${inv.uuid}/cancel/`)).status, 400);
  const byState = async (state: string) =>
    (await owner.expect(200, owner.get(`/api/user-invitations/?customer_uuid=${org.uuid}&state=${state}`))).map((i: { uuid: string }) => i.uuid);
  assert.deepEqual(await byState("expired"), [inv.uuid]);
  assert.deepEqual(await byState("pending"), []);

  await owner.expect(200, owner.post(`/api/user-invitations/${inv.uuid}/send/`));
  await mailTo("late@example.org");
  assert.deepEqual(await byState("pending"), [inv.uuid]);
  await invitee.expect(200, invitee.post(`/api/user-invitations/${inv.uuid}/accept/`));
  assert.deepEqual(await byState("accepted"), [inv.uuid]);
});

test("list: pagination, ordering and filters through the API's parameters", async () => {
  const { owner, org } = await orgWithOwner("Invite Org E");
  const proj = await owner.expect(201, owner.post("/api/projects/", { name: "Invite Proj E", customer: org.url }));
  const made: { uuid: string }[] = [];
  for (let i = 0; i < 3; i++) {
    made.push(await owner.expect(201, owner.post("/api/user-invitations/", { scope: org.url, role: "CUSTOMER.MANAGER", email: `list${i}@example.org` })));
    await mailTo(`list${i}@example.org`);
  }
  made.push(await owner.expect(201, owner.post("/api/user-invitations/", { scope: proj.url, role: "PROJECT.ADMIN", email: "list-p@example.org" })));
  await mailTo("list-p@example.org");
  await owner.expect(200, owner.post(`/api/user-invitations/${made[0]!.uuid}/cancel/`));

  const page1 = await owner.get(`/api/user-invitations/?customer_uuid=${org.uuid}&page_size=3&o=-created`);
  assert.equal(page1.headers.get("x-result-count"), "4");
  assert.equal(page1.body.length, 3);
  assert.equal(page1.body[0].uuid, made[3]!.uuid);
  const page2 = await owner.expect(200, owner.get(`/api/user-invitations/?customer_uuid=${org.uuid}&page_size=3&page=2&o=-created`));
  assert.deepEqual(page2.map((i: { uuid: string }) => i.uuid), [made[0]!.uuid]);
  const asc = await owner.expect(200, owner.get(`/api/user-invitations/?customer_uuid=${org.uuid}&o=created`));
  assert.deepEqual(asc.map((i: { uuid: string }) => i.uuid), made.map((m) => m.uuid));

  const q = async (params: string) =>
    (await owner.expect(200, owner.get(`/api/user-invitations/?customer_uuid=${org.uuid}&${params}`))).map((i: { uuid: string }) => i.uuid).sort();
  assert.deepEqual(await q("scope_type=project"), [made[3]!.uuid]);
  assert.deepEqual(await q(`project_uuid=${proj.uuid}`), [made[3]!.uuid]);
  assert.deepEqual(await q(`scope=${encodeURIComponent(proj.url)}`), [made[3]!.uuid]);
  assert.deepEqual(await q("role_name=CUSTOMER.MANAGER"), made.slice(0, 3).map((m) => m.uuid).sort());
  assert.deepEqual(await q("state=canceled"), [made[0]!.uuid]);
  assert.deepEqual(await q("state=pending&state=canceled"), made.map((m) => m.uuid).sort());
  assert.deepEqual(await q("email=LIST1@example.org"), [made[1]!.uuid]);
  assert.deepEqual(await q("email_exact=list1@example.org"), [made[1]!.uuid]);
  assert.deepEqual(await q("email=list1"), []);
  const fields = await owner.expect(200, owner.get(`/api/user-invitations/?customer_uuid=${org.uuid}&field=uuid&field=state&page_size=1`));
  assert.deepEqual(Object.keys(fields[0]).sort(), ["state", "uuid"]);

  const staff = await staffApi(host);
  assert.equal((await staff.get(`/api/user-invitations/?customer_uuid=${org.uuid}`)).headers.get("x-result-count"), "4");
});
