// Staff and support: users (search, sort, deactivate or reactivate) and organizations.
import { patch } from "../api/client.ts";
import type { Customer, User } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { FormErrors } from "../ui/field.tsx";
import { useForm } from "../ui/form.ts";
import { when } from "../ui/format.tsx";
import { DataTable, SearchBox, useListing } from "../ui/listing.tsx";

export function AdminUsers() {
  const listing = useListing<User>("/api/users/", { ordering: "username" });
  const form = useForm();
  return (
    <section>
      <h1>{s.admin.users}</h1>
      <SearchBox listing={listing} param="query" label={s.list.search} />
      <FormErrors messages={form.general} />
      <DataTable
        listing={listing}
        caption={s.admin.users}
        columns={[
          { label: s.admin.username, sort: "username", render: (u) => u.username },
          { label: s.admin.fullName, render: (u) => u.full_name },
          { label: s.admin.email, sort: "email", render: (u) => u.email },
          { label: s.admin.staff, render: (u) => (u.is_staff ? s.common.yes : s.common.no) },
          {
            label: s.admin.active,
            sort: "is_active",
            render: (u) => (u.is_active ? s.common.yes : s.common.no),
          },
          { label: s.admin.joined, sort: "date_joined", render: (u) => when(u.date_joined) },
          {
            label: s.admin.deactivate,
            render: (u) => (
              <button
                type="button"
                disabled={form.busy}
                aria-label={`${u.is_active ? s.admin.deactivate : s.admin.activate} ${u.username}`}
                onClick={() =>
                  form.run(async () => {
                    await patch("/api/users/{uuid}/", { uuid: u.uuid }, { is_active: !u.is_active });
                    listing.result.reload();
                  })
                }
              >
                {u.is_active ? s.admin.deactivate : s.admin.activate}
              </button>
            ),
          },
        ]}
      />
    </section>
  );
}

export function AdminOrgs() {
  const listing = useListing<Customer>("/api/customers/", { ordering: "name" });
  return (
    <section>
      <h1>{s.admin.orgs}</h1>
      <SearchBox listing={listing} param="name" label={s.list.search} />
      <DataTable
        listing={listing}
        caption={s.admin.orgs}
        columns={[
          { label: s.admin.name, sort: "name", render: (c) => c.name },
          { label: s.common.abbreviation, sort: "abbreviation", render: (c) => c.abbreviation ?? "" },
          { label: s.admin.created, sort: "created", render: (c) => when(c.created) },
        ]}
      />
    </section>
  );
}
