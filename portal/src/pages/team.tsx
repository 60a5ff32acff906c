// An organization's team: members with their roles (changed with add_user then delete_user, removed
// with delete_user), and invitations by email to the organization or one of its projects (sent,
// listed with their state, canceled, sent again). Lists page, sort and filter through the API.
import { useState } from "preact/hooks";
import { list, post } from "../api/client.ts";
import { PROJECT_ROLES, type Project } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { check, emailOk, filled, REQUIRED } from "../lib/validate.ts";
import { FormErrors, SelectField, TextArea, TextField } from "../ui/field.tsx";
import { useForm } from "../ui/form.ts";
import { StateBadge, when } from "../ui/format.tsx";
import { ChoiceFilter, DataTable, SearchBox, useListing } from "../ui/listing.tsx";
import { AsyncView, Empty, ErrorBox, Notice } from "../ui/states.tsx";
import { OrgPicker, useOrgChoice } from "./organization.tsx";

const CUSTOMER_ROLES = ["CUSTOMER.OWNER", "CUSTOMER.MANAGER", "CUSTOMER.SUPPORT"] as const;
const INVITATION_STATES = ["pending", "accepted", "canceled", "expired"] as const;
const roleLabel = (r: string) => s.invitations.roles[r] ?? r;

interface Member {
  uuid: string;
  user_uuid: string;
  user_username: string;
  user_full_name: string;
  user_email: string;
  role_name: string;
  created: string;
}

interface Invitation {
  uuid: string;
  email: string;
  scope_type: "customer" | "project";
  scope_name: string;
  role_name: string;
  state: string;
  created: string;
  expires: string;
  created_by_username: string;
}

export function TeamPage() {
  const choice = useOrgChoice();
  return (
    <section>
      <h1>{s.team.title}</h1>
      <AsyncView a={choice.orgs}>
        {(o) =>
          o.items.length === 0 ? (
            <Empty>{s.organization.none}</Empty>
          ) : (
            <>
              <OrgPicker choice={choice} />
              <Team
                key={choice.current}
                org={o.items.find((x) => x.uuid === choice.current) ?? o.items[0]!}
              />
            </>
          )
        }
      </AsyncView>
    </section>
  );
}

function Team({ org }: { org: { uuid: string; name: string; url: string } }) {
  const members = useListing<Member>("/api/customers/{uuid}/list_users/", { pathParams: { uuid: org.uuid } });
  const invitations = useListing<Invitation>("/api/user-invitations/", {
    base: { customer_uuid: org.uuid },
    ordering: "-created",
  });
  const [notice, setNotice] = useState("");
  const [failure, setFailure] = useState<Error | null>(null);
  // One place runs a row action: its outcome shows above the tables and the lists reload.
  const act = async (action: () => Promise<unknown>, done: string) => {
    setNotice("");
    setFailure(null);
    try {
      await action();
      setNotice(done);
    } catch (e) {
      setFailure(e as Error);
    }
    members.result.reload();
    invitations.result.reload();
  };
  return (
    <>
      {notice && <Notice kind="ok">{notice}</Notice>}
      {failure && <ErrorBox error={failure} />}
      <section aria-labelledby="members-h">
        <h2 id="members-h">{s.team.members}</h2>
        <DataTable
          listing={members}
          caption={s.team.members}
          empty={s.team.noMembers}
          columns={[
            { label: s.team.username, render: (m) => m.user_username },
            { label: s.team.fullName, render: (m) => m.user_full_name || "—" },
            { label: s.team.email, render: (m) => m.user_email || "—" },
            { label: s.team.role, render: (m) => <span data-testid="member-role">{roleLabel(m.role_name)}</span> },
            { label: s.team.since, render: (m) => when(m.created) },
            { label: s.common.actions, render: (m) => <MemberActions org={org.uuid} member={m} act={act} /> },
          ]}
        />
      </section>
      <section aria-labelledby="invitations-h">
        <h2 id="invitations-h">{s.invitations.title}</h2>
        <InviteForm org={org} onSent={(email) => act(async () => undefined, s.invitations.sent(email))} />
        <div class="toolbar">
          <SearchBox listing={invitations} param="email" label={s.invitations.searchEmail} />
          <ChoiceFilter listing={invitations} param="state" label={s.invitations.state} choices={INVITATION_STATES} />
        </div>
        <DataTable
          listing={invitations}
          caption={s.invitations.title}
          empty={s.invitations.none}
          columns={[
            { label: s.invitations.email, render: (i) => i.email },
            { label: s.invitations.scopeCol, render: (i) => i.scope_name },
            { label: s.invitations.role, sort: "role_name", render: (i) => roleLabel(i.role_name) },
            {
              label: s.invitations.state,
              sort: "state",
              render: (i) => <StateBadge state={s.invitations.states[i.state] ?? i.state} />,
            },
            { label: s.invitations.created, sort: "created", render: (i) => when(i.created) },
            { label: s.invitations.expires, sort: "expires", render: (i) => when(i.expires) },
            { label: s.invitations.by, render: (i) => i.created_by_username || "—" },
            {
              label: s.common.actions,
              render: (i) => (
                <span class="actions">
                  {i.state === "pending" && (
                    <button
                      type="button"
                      aria-label={s.invitations.cancelFor(i.email)}
                      onClick={() =>
                        act(() => post("/api/user-invitations/{uuid}/cancel/", { uuid: i.uuid }), s.invitations.canceled(i.email))
                      }
                    >
                      {s.invitations.cancel}
                    </button>
                  )}
                  {i.state !== "accepted" && (
                    <button
                      type="button"
                      aria-label={s.invitations.resendFor(i.email)}
                      onClick={() =>
                        act(() => post("/api/user-invitations/{uuid}/send/", { uuid: i.uuid }), s.invitations.resent(i.email))
                      }
                    >
                      {s.invitations.resend}
                    </button>
                  )}
                </span>
              ),
            },
          ]}
        />
      </section>
    </>
  );
}

function MemberActions({
  org,
  member,
  act,
}: {
  org: string;
  member: Member;
  act: (action: () => Promise<unknown>, done: string) => Promise<void>;
}) {
  const [role, setRole] = useState(member.role_name);
  const who = member.user_username;
  const grant = (r: string, path: "/api/customers/{uuid}/add_user/" | "/api/customers/{uuid}/delete_user/") =>
    post(path, { uuid: org }, { user: member.user_uuid, role: r });
  return (
    <span class="actions">
      <label>
        <span class="sr-only">{s.team.newRoleFor(who)}</span>
        <select value={role} onChange={(e) => setRole((e.target as HTMLSelectElement).value)}>
          {CUSTOMER_ROLES.map((r) => (
            <option key={r} value={r}>
              {roleLabel(r)}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        disabled={role === member.role_name}
        onClick={() =>
          act(async () => {
            // Granted first: the member never goes without a role, and the last owner stays until replaced.
            await grant(role, "/api/customers/{uuid}/add_user/");
            await grant(member.role_name, "/api/customers/{uuid}/delete_user/");
          }, s.team.changed(who))
        }
      >
        {s.team.changeRole}
      </button>
      <button
        type="button"
        aria-label={s.team.removeFor(who, roleLabel(member.role_name))}
        onClick={() => act(() => grant(member.role_name, "/api/customers/{uuid}/delete_user/"), s.team.removed(who))}
      >
        {s.team.remove}
      </button>
    </span>
  );
}

function InviteForm({ org, onSent }: { org: { uuid: string; name: string; url: string }; onSent: (email: string) => void }) {
  const projects = useAsync(
    () => list<Project>("/api/projects/", { customer: org.uuid, page_size: 100, o: "name" }),
    [org.uuid],
  );
  const [email, setEmail] = useState("");
  const [scope, setScope] = useState(org.url);
  const [role, setRole] = useState<string>("CUSTOMER.MANAGER");
  const [message, setMessage] = useState("");
  const form = useForm();
  const roles = scope === org.url ? CUSTOMER_ROLES : PROJECT_ROLES;
  const projectItems = projects.status === "ok" ? projects.data.items : [];
  return (
    <form
      class="panel"
      noValidate
      aria-labelledby="invite-h"
      onSubmit={(e) => {
        e.preventDefault();
        const errs = check({
          email: [
            [filled(email), REQUIRED],
            [emailOk(email.trim()), "Enter a valid email address."],
          ],
        });
        if (Object.keys(errs).length) return form.setFields(errs);
        void form.run(async () => {
          const to = email.trim();
          await post("/api/user-invitations/", undefined, { scope, role, email: to, extra_invitation_text: message.trim() });
          setEmail("");
          setMessage("");
          onSent(to.toLowerCase());
        }, ["email", "scope", "role", "extra_invitation_text"]);
      }}
    >
      <h3 id="invite-h">{s.invitations.invite}</h3>
      <TextField
        label={s.invitations.email}
        name="invite-email"
        type="email"
        autoComplete="off"
        value={email}
        onValue={setEmail}
        errors={form.fields.email}
        required
      />
      <SelectField
        label={s.invitations.scope}
        name="invite-scope"
        value={scope}
        onValue={(v) => {
          setScope(v);
          setRole(v === org.url ? "CUSTOMER.MANAGER" : "PROJECT.MEMBER");
        }}
        options={[
          { value: org.url, label: s.invitations.wholeOrg(org.name) },
          ...projectItems.map((p) => ({ value: p.url, label: s.invitations.project(p.name) })),
        ]}
        errors={form.fields.scope}
      />
      <SelectField
        label={s.invitations.role}
        name="invite-role"
        value={role}
        onValue={setRole}
        options={roles.map((r) => ({ value: r, label: roleLabel(r) }))}
        errors={form.fields.role}
      />
      <TextArea
        label={`${s.invitations.message} (${s.common.optional})`}
        name="invite-message"
        rows={2}
        value={message}
        onValue={setMessage}
        errors={form.fields.extra_invitation_text}
      />
      <FormErrors messages={form.general} />
      <button type="submit" class="primary" disabled={form.busy}>
        {s.invitations.send}
      </button>
    </form>
  );
}
