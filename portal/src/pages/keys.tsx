// The user's keys: SSH public keys (added and removed through /api/keys/), the encryption key this
// browser holds for opening access details, and the API token.
import { useState } from "preact/hooks";
import { del, get, post } from "../api/client.ts";
import type { SshKey, User } from "../api/models.ts";
import { useSession } from "../auth/session.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { check, filled, REQUIRED } from "../lib/validate.ts";
import { FormErrors, TextArea, TextField } from "../ui/field.tsx";
import { useForm } from "../ui/form.ts";
import { when } from "../ui/format.tsx";
import { DataTable, useListing } from "../ui/listing.tsx";
import { AsyncView } from "../ui/states.tsx";

export function Keys() {
  const session = useSession();
  if (session.status !== "user") return null;
  return (
    <section>
      <h1>{s.keys.title}</h1>
      <section aria-labelledby="acct-h">
        <h2 id="acct-h">{s.keys.account}</h2>
        <dl class="facts">
          <dt>{s.admin.username}</dt>
          <dd>{session.user.username}</dd>
          <dt>{s.keys.userId}</dt>
          <dd>
            <code data-testid="user-id">{session.user.uuid}</code>
          </dd>
        </dl>
      </section>
      <SshKeys />
      <EncryptionKey user={session.user} />
      <ApiToken user={session.user} />
    </section>
  );
}

function SshKeys() {
  const listing = useListing<SshKey>("/api/keys/", { ordering: "name" });
  const [name, setName] = useState("");
  const [publicKey, setPublicKey] = useState("");
  const form = useForm();
  const remove = useForm();
  return (
    <section aria-labelledby="ssh-h">
      <h2 id="ssh-h">{s.keys.ssh}</h2>
      <FormErrors messages={remove.general} />
      <DataTable
        listing={listing}
        caption={s.keys.ssh}
        columns={[
          { label: s.keys.sshName, sort: "name", render: (k) => k.name },
          {
            label: s.keys.fingerprint,
            render: (k) => <code>{k.fingerprint_sha256 ?? k.fingerprint_md5}</code>,
          },
          {
            label: s.keys.remove,
            render: (k) => (
              <button
                type="button"
                aria-label={`${s.keys.remove} ${k.name}`}
                onClick={() =>
                  remove.run(async () => {
                    await del("/api/keys/{uuid}/", { uuid: k.uuid });
                    listing.result.reload();
                  })
                }
              >
                {s.keys.remove}
              </button>
            ),
          },
        ]}
      />
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const errs = check({
            name: [[filled(name), REQUIRED]],
            public_key: [[filled(publicKey), REQUIRED]],
          });
          if (Object.keys(errs).length) return form.setFields(errs);
          void form.run(async () => {
            await post("/api/keys/", undefined, { name: name.trim(), public_key: publicKey.trim() });
            setName("");
            setPublicKey("");
            listing.result.reload();
          }, ["name", "public_key"]);
        }}
      >
        <TextField
          label={s.keys.sshName}
          name="ssh-name"
          value={name}
          onValue={setName}
          errors={form.fields.name}
          required
        />
        <TextArea
          label={s.keys.sshPublic}
          name="ssh-public"
          rows={3}
          value={publicKey}
          onValue={setPublicKey}
          errors={form.fields.public_key}
          required
        />
        <FormErrors messages={form.general} />
        <button type="submit" disabled={form.busy}>
          {s.keys.sshAdd}
        </button>
      </form>
    </section>
  );
}

function EncryptionKey({ user }: { user: User }) {
  const a = useAsync(async () => {
    const ks = await import("../crypto/keystore.ts");
    const k = await ks.loadKey(user.uuid);
    return k ? ks.keyLabel(k) : null;
  }, [user.uuid]);
  const form = useForm();
  return (
    <section aria-labelledby="enc-h">
      <h2 id="enc-h">{s.keys.encryption}</h2>
      <AsyncView a={a}>
        {(label) =>
          label ? (
            <p>{s.keys.encryptionHave(label)}</p>
          ) : (
            <>
              <p>{s.keys.encryptionNone}</p>
              <FormErrors messages={form.general} />
              <button
                type="button"
                disabled={form.busy}
                onClick={() =>
                  form.run(async () => {
                    const ks = await import("../crypto/keystore.ts");
                    await ks.createKey(user.uuid);
                    a.reload();
                  })
                }
              >
                {s.keys.encryptionCreate}
              </button>
            </>
          )
        }
      </AsyncView>
    </section>
  );
}

function ApiToken({ user }: { user: User }) {
  const [shown, setShown] = useState(false);
  const a = useAsync(
    () => (shown ? get<User>("/api/users/{uuid}/", { uuid: user.uuid }) : Promise.resolve(null)),
    [shown],
  );
  return (
    <section aria-labelledby="tok-h">
      <h2 id="tok-h">{s.keys.apiToken}</h2>
      <button type="button" aria-expanded={shown} onClick={() => setShown(!shown)}>
        {shown ? s.keys.tokenHide : s.keys.tokenShow}
      </button>
      {shown && (
        <AsyncView a={a}>
          {(u) =>
            u && (
              <p>
                <code>{u.token}</code>
                <br />
                {s.keys.tokenExpires}: {when(u.token_expires_at)}
              </p>
            )
          }
        </AsyncView>
      )}
    </section>
  );
}
