// Organizations and projects: create them, list them with the API's paging and ordering, and see
// a project's team.
import { useState } from "preact/hooks";
import { list, post } from "../api/client.ts";
import { type Customer, PROJECT_ROLES, type Project } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { money } from "../lib/money.ts";
import { check, filled, REQUIRED } from "../lib/validate.ts";
import { FormErrors, SelectField, TextField } from "../ui/field.tsx";
import { useForm } from "../ui/form.ts";
import { when } from "../ui/format.tsx";
import { DataTable, SearchBox, useListing } from "../ui/listing.tsx";
import { AsyncView, Empty, Notice } from "../ui/states.tsx";

export function Projects() {
  const orgs = useAsync(() => list<Customer>("/api/customers/", { page_size: 100, o: "name" }), []);
  const projects = useListing<Project>("/api/projects/", { ordering: "name" });
  const [team, setTeam] = useState<Project | null>(null);
  return (
    <section>
      <h1>{s.projects.title}</h1>
      <div class="grid2">
        <NewOrganization onDone={orgs.reload} />
        <AsyncView a={orgs}>
          {(o) =>
            o.items.length ? (
              <NewProject
                orgs={o.items}
                onDone={() => {
                  projects.result.reload();
                }}
              />
            ) : (
              <Empty />
            )
          }
        </AsyncView>
      </div>
      <h2>{s.projects.title}</h2>
      <SearchBox listing={projects} param="name" label={s.list.search} />
      <DataTable
        listing={projects}
        caption={s.projects.title}
        columns={[
          { label: s.projects.projectName, sort: "name", render: (p) => p.name },
          { label: s.projects.organization, render: (p) => p.customer_name },
          { label: s.projects.estimate, render: (p) => money(p.billing_price_estimate?.total ?? "0") },
          { label: s.orders.created, sort: "created", render: (p) => when(p.created) },
          {
            label: s.projects.team,
            render: (p) => (
              <button type="button" onClick={() => setTeam(p)} aria-label={`${s.projects.team}: ${p.name}`}>
                {s.projects.team}
              </button>
            ),
          },
        ]}
      />
      {team && <Team project={team} />}
    </section>
  );
}

/**
 * A panel that creates something named through the API: the name is checked as the API checks it,
 * and the API's field errors land beside `fields` (the name and whatever `extra` renders before it).
 */
function CreateNamed(props: {
  title: string;
  label: string;
  id: string;
  fields: string[];
  extra?: (errors: Record<string, string[] | undefined>) => preact.ComponentChildren;
  create: (name: string) => Promise<unknown>;
  onDone: () => void;
}) {
  const [name, setName] = useState("");
  const form = useForm();
  return (
    <form
      class="panel"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const errs = check({ name: [[filled(name), REQUIRED]] });
        if (Object.keys(errs).length) return form.setFields(errs);
        void form.run(async () => {
          await props.create(name.trim());
          setName("");
          props.onDone();
        }, props.fields);
      }}
    >
      <h2>{props.title}</h2>
      {props.extra?.(form.fields)}
      <TextField label={props.label} name={props.id} value={name} onValue={setName} errors={form.fields.name} required />
      <FormErrors messages={form.general} />
      <button type="submit" disabled={form.busy}>
        {s.projects.create}
      </button>
    </form>
  );
}

function NewOrganization({ onDone }: { onDone: () => void }) {
  return (
    <CreateNamed
      title={s.projects.newOrg}
      label={s.projects.orgName}
      id="org-name"
      fields={["name"]}
      create={(name) => post("/api/customers/", undefined, { name })}
      onDone={onDone}
    />
  );
}

function NewProject({ orgs, onDone }: { orgs: Customer[]; onDone: () => void }) {
  const [customer, setCustomer] = useState(orgs[0]!.url);
  return (
    <CreateNamed
      title={s.projects.newProject}
      label={s.projects.projectName}
      id="project-name"
      fields={["name", "customer"]}
      extra={(errors) => (
        <SelectField
          label={s.projects.organization}
          name="project-customer"
          value={customer}
          onValue={setCustomer}
          options={orgs.map((o) => ({ value: o.url, label: o.name }))}
          errors={errors.customer}
        />
      )}
      create={(name) => post("/api/projects/", undefined, { name, customer })}
      onDone={onDone}
    />
  );
}

interface Member {
  uuid: string;
  user_username: string;
  user_full_name: string;
  role_name: string;
}

function Team({ project }: { project: Project }) {
  const members = useListing<Member>("/api/projects/{uuid}/list_users/", {
    pathParams: { uuid: project.uuid },
  });
  const [user, setUser] = useState("");
  const [role, setRole] = useState<string>("PROJECT.MEMBER");
  const [added, setAdded] = useState(false);
  const form = useForm();
  return (
    <section aria-labelledby="team-h">
      <h2 id="team-h">
        {s.projects.team}: {project.name}
      </h2>
      <DataTable
        listing={members}
        caption={s.projects.team}
        columns={[
          { label: s.admin.username, render: (m) => m.user_username },
          { label: s.admin.fullName, render: (m) => m.user_full_name },
          { label: s.projects.role, render: (m) => m.role_name },
        ]}
      />
      <form
        class="panel"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const errs = check({
            user: [[/^[0-9a-f]{32}$/.test(user.trim().replace(/-/g, "")), s.projects.userHint]],
          });
          if (Object.keys(errs).length) return form.setFields(errs);
          void form.run(async () => {
            setAdded(false);
            await post(
              "/api/projects/{uuid}/add_user/",
              { uuid: project.uuid },
              { user: user.trim().replace(/-/g, ""), role },
            );
            setUser("");
            setAdded(true);
            members.result.reload();
          }, ["user", "role"]);
        }}
      >
        <h3>{s.projects.addMember}</h3>
        <TextField
          label={s.projects.user}
          name="member-user"
          value={user}
          onValue={setUser}
          hint={s.projects.userHint}
          errors={form.fields.user}
          required
        />
        <SelectField
          label={s.projects.role}
          name="member-role"
          value={role}
          onValue={setRole}
          options={PROJECT_ROLES.map((r) => ({ value: r, label: r }))}
          errors={form.fields.role}
        />
        <FormErrors messages={form.general} />
        {added && <Notice kind="ok">{s.projects.memberAdded}</Notice>}
        <button type="submit" disabled={form.busy}>
          {s.projects.addMember}
        </button>
      </form>
    </section>
  );
}
