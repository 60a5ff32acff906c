// The audit trail the API keeps of every change the user may see, filtered by text and dates.
import { useState } from "preact/hooks";
import type { EventRecord } from "../api/models.ts";
import { s } from "../i18n/en.ts";
import { TextField } from "../ui/field.tsx";
import { when } from "../ui/format.tsx";
import { DataTable, SearchBox, useListing } from "../ui/listing.tsx";

export function Events() {
  const listing = useListing<EventRecord & { context?: { user_username?: string } }>("/api/events/");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  return (
    <section>
      <h1>{s.events.title}</h1>
      <div class="toolbar">
        <SearchBox listing={listing} param="message" label={s.events.message} />
        <form
          class="search"
          onSubmit={(e) => {
            e.preventDefault();
            listing.setFilter("created_from", from ? new Date(from).toISOString() : "");
            listing.setFilter("created_to", to ? new Date(`${to}T23:59:59`).toISOString() : "");
          }}
        >
          <TextField label={s.events.from} name="events-from" type="date" value={from} onValue={setFrom} />
          <TextField label={s.events.to} name="events-to" type="date" value={to} onValue={setTo} />
          <button type="submit">{s.list.filter}</button>
        </form>
      </div>
      <DataTable
        listing={listing}
        caption={s.events.title}
        columns={[
          { label: s.events.when, render: (e) => when(e.created) },
          { label: s.events.type, render: (e) => <code>{e.event_type}</code> },
          { label: s.events.message, render: (e) => e.message },
          { label: s.events.user, render: (e) => e.context?.user_username ?? "—" },
        ]}
      />
    </section>
  );
}
