// On the provider's offering page, each folded like the overview editor: its location
// (update_location) and its screenshots (uploaded to
// /api/marketplace-screenshots/, shown on the public offering page). The browser checks the type
// and size first, as the API does, so a wrong file is named before it is sent.
import { useState } from "preact/hooks";
import { del, failureOf, post } from "../api/client.ts";
import type { Offering } from "../api/models.ts";
import { currentToken } from "../auth/token.ts";
import { s } from "../i18n/en.ts";
import { REQUIRED } from "../lib/validate.ts";
import { FormErrors, TextArea, TextField } from "../ui/field.tsx";
import { useForm } from "../ui/form.ts";
import { DataTable, useListing } from "../ui/listing.tsx";
import { Notice } from "../ui/states.tsx";

const t = s.adminTools;
export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"];
export const MAX_IMAGE_BYTES = 4 * 1024 * 1024;

export interface Screenshot {
  uuid: string;
  name: string;
  description: string;
  image: string;
  created: string;
  size: number;
}

export function OfferingLocation({ offering, onSaved }: { offering: Offering; onSaved: () => void }) {
  const [lat, setLat] = useState(offering.latitude == null ? "" : String(offering.latitude));
  const [lon, setLon] = useState(offering.longitude == null ? "" : String(offering.longitude));
  const [saved, setSaved] = useState(false);
  const form = useForm();
  const num = (v: string) => (v.trim() === "" || Number.isNaN(Number(v)) ? v : Number(v));
  return (
    <details class="panel">
      <summary>{t.location}</summary>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void form.run(async () => {
            setSaved(false);
            await post(
              "/api/marketplace-provider-offerings/{uuid}/update_location/",
              { uuid: offering.uuid },
              { latitude: num(lat), longitude: num(lon) },
            );
            setSaved(true);
            onSaved();
          }, ["latitude", "longitude"]);
        }}
      >
        <TextField
          label={t.latitude}
          name="loc-lat"
          inputMode="decimal"
          required
          value={lat}
          onValue={setLat}
          errors={form.fields.latitude}
        />
        <TextField
          label={t.longitude}
          name="loc-lon"
          inputMode="decimal"
          required
          value={lon}
          onValue={setLon}
          errors={form.fields.longitude}
        />
        <FormErrors messages={form.general} />
        {saved && <Notice kind="ok">{t.locationSaved}</Notice>}
        <button type="submit" disabled={form.busy}>
          {s.common.save}
        </button>
      </form>
    </details>
  );
}

async function uploadScreenshot(fields: {
  name: string;
  description: string;
  offering: string;
  image: File;
}) {
  const body = new FormData();
  body.append("name", fields.name);
  body.append("description", fields.description);
  body.append("offering", fields.offering);
  body.append("image", fields.image);
  const token = currentToken();
  const res = await fetch("/api/marketplace-screenshots/", {
    method: "POST",
    body,
    headers: token ? { Authorization: `Token ${token}` } : {},
  });
  if (!res.ok) throw failureOf(res.status, await res.json().catch(() => null));
}

export function OfferingScreenshots({ offering }: { offering: Offering }) {
  const listing = useListing<Screenshot>("/api/marketplace-screenshots/", {
    base: { offering_uuid: offering.uuid },
    ordering: "created",
  });
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [inputKey, setInputKey] = useState(0);
  const [done, setDone] = useState(false);
  const form = useForm();
  const fileErrors = form.fields.image;
  return (
    <details class="panel">
      <summary>{t.screenshots}</summary>
      <DataTable
        listing={listing}
        caption={t.screenshots}
        empty={t.noScreenshots}
        columns={[
          { label: t.screenshotName, render: (x) => x.name },
          {
            label: t.screenshots,
            render: (x) => <img src={x.image} alt={x.name} class="thumb" width={96} />,
          },
          {
            label: t.delete,
            render: (x) => (
              <button
                type="button"
                aria-label={t.remove(x.name)}
                disabled={form.busy}
                onClick={() =>
                  form.run(async () => {
                    await del("/api/marketplace-screenshots/{uuid}/", { uuid: x.uuid });
                    listing.result.reload();
                  })
                }
              >
                {t.delete}
              </button>
            ),
          },
        ]}
      />
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setDone(false);
          const errs: Record<string, string[]> = {};
          if (!name.trim()) errs.name = [REQUIRED];
          if (!file) errs.image = [t.fileType];
          else if (!IMAGE_TYPES.includes(file.type)) errs.image = [t.fileType];
          else if (file.size > MAX_IMAGE_BYTES) errs.image = [t.fileTooBig];
          if (Object.keys(errs).length || !file) return form.setFields(errs);
          void form.run(async () => {
            await uploadScreenshot({ name: name.trim(), description, offering: offering.url, image: file });
            setName("");
            setDescription("");
            setFile(null);
            setInputKey((k) => k + 1);
            setDone(true);
            listing.result.reload();
          }, ["name", "description", "image", "offering"]);
        }}
      >
        <TextField
          label={t.screenshotName}
          name="shot-name"
          required
          value={name}
          onValue={setName}
          errors={form.fields.name}
        />
        <TextArea
          label={t.screenshotDescription}
          name="shot-description"
          rows={2}
          value={description}
          onValue={setDescription}
          errors={form.fields.description}
        />
        <div class={`field${fileErrors?.length ? " invalid" : ""}`}>
          <label for="shot-file">{t.screenshotFile}</label>
          <input
            key={inputKey}
            id="shot-file"
            type="file"
            accept={IMAGE_TYPES.join(",")}
            aria-invalid={fileErrors?.length ? "true" : undefined}
            aria-describedby={fileErrors?.length ? "shot-file-err" : undefined}
            onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)}
          />
          {fileErrors?.map((m) => (
            <small key={m} id="shot-file-err" class="field-error" role="alert">
              {m}
            </small>
          ))}
        </div>
        <FormErrors messages={[...form.general, ...(form.fields.offering ?? [])]} />
        {done && <Notice kind="ok">{t.uploaded}</Notice>}
        <button type="submit" disabled={form.busy}>
          {t.upload}
        </button>
      </form>
    </details>
  );
}
