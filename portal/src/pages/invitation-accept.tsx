// The page the emailed link opens. Without a session: whether the invitation still works (the
// public check) and the way to log in or sign up. Signed in: what it is for, and Accept.
import { useState } from "preact/hooks";
import { get, post } from "../api/client.ts";
import { useSession } from "../auth/session.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { FormErrors } from "../ui/field.tsx";
import { useForm } from "../ui/form.ts";
import { AsyncView, Loading, Notice } from "../ui/states.tsx";

interface Details {
  scope_type: "customer" | "project";
  scope_name: string;
  customer_uuid: string;
  customer_name: string;
  role_name: string;
  created_by_full_name: string;
  created_by_username: string;
  state: string;
}

export function InvitationAccept({ uuid }: { uuid: string }) {
  const session = useSession();
  return (
    <section class="narrow">
      <h1>{s.invitations.acceptTitle}</h1>
      {session.status === "loading" ? <Loading /> : session.status === "user" ? <Accept uuid={uuid} /> : <Check uuid={uuid} />}
    </section>
  );
}

function Check({ uuid }: { uuid: string }) {
  const check = useAsync(
    () => post<{ email: string }>("/api/user-invitations/{uuid}/check/", { uuid }),
    [uuid],
  );
  const here = `/invitations/${uuid}`;
  return (
    <AsyncView a={check}>
      {(c) => (
        <>
          <p>{s.invitations.sentTo(c.email)}</p>
          <p>{s.invitations.signInToAccept}</p>
          <p class="actions">
            <a class="button primary" href={`/login?next=${encodeURIComponent(here)}`}>
              {s.invitations.logInToAccept}
            </a>{" "}
            <a class="button" href="/signup">
              {s.invitations.signUpToAccept}
            </a>
          </p>
          <p class="hint">{s.invitations.afterSignUp}</p>
        </>
      )}
    </AsyncView>
  );
}

function Accept({ uuid }: { uuid: string }) {
  const details = useAsync(() => get<Details>("/api/user-invitations/{uuid}/details/", { uuid }), [uuid]);
  const [joined, setJoined] = useState<Details | null>(null);
  const form = useForm();
  return (
    <AsyncView a={details}>
      {(d) => {
        const what =
          d.scope_type === "customer"
            ? s.invitations.organizationWord(d.scope_name)
            : s.invitations.projectWord(d.scope_name, d.customer_name);
        const role = s.invitations.roles[d.role_name] ?? d.role_name;
        if (joined) {
          return (
            <>
              <Notice kind="ok">{s.invitations.accepted(joined.scope_name)}</Notice>
              <p>
                {joined.scope_type === "customer" ? (
                  <a href={`/team?org=${joined.customer_uuid}`}>{s.invitations.toTeam}</a>
                ) : (
                  <a href="/projects">{s.invitations.toProjects}</a>
                )}
              </p>
            </>
          );
        }
        if (d.state !== "pending") return <p class="state error" role="alert">{s.invitations.unusable(s.invitations.states[d.state] ?? d.state)}</p>;
        return (
          <form
            class="panel"
            onSubmit={(e) => {
              e.preventDefault();
              void form.run(async () => {
                await post("/api/user-invitations/{uuid}/accept/", { uuid });
                setJoined(d);
              });
            }}
          >
            <p>{s.invitations.offer(d.created_by_full_name || d.created_by_username, what, role)}</p>
            <FormErrors messages={form.general} />
            <button type="submit" class="primary" disabled={form.busy}>
              {s.invitations.accept}
            </button>
          </form>
        );
      }}
    </AsyncView>
  );
}
