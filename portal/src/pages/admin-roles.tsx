// Role nominations and account suspension on chain (x/roles), for genesis and administrator
// accounts. The Msgs are signed here, in the browser, with the administrator's own recovery phrase
// (never sent, never stored); the API only reads chain state and relays the signed bytes unchanged
// (POST /api/chain/broadcast/), because the node's RPC is not reachable from the browser.
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiFailure, get } from "../api/client.ts";
import { s } from "../i18n/en.ts";
import { useAsync } from "../lib/async.ts";
import { check, filled } from "../lib/validate.ts";
import { FormErrors, SelectField, TextArea, TextField } from "../ui/field.tsx";
import { errorsFor, useForm } from "../ui/form.ts";
import { DataTable, useListing } from "../ui/listing.tsx";
import { AsyncView, Notice } from "../ui/states.tsx";
import type { AdminAction, ChainInfo } from "./admin-roles-sign.ts";

export const ROLES = ["ADMINISTRATOR", "MODERATOR", "SERVICE_PROVIDER", "CUSTOMER", "SUPPORT_AGENT", "STAKER"] as const;
const ACTIONS = ["nominate", "revoke", "suspend", "reactivate"] as const;

interface ChainAccountView {
  address: string;
  exists: boolean;
  roles: { role: string; granted_by: string; granted_at_height: number }[];
  state: string;
  reason: string;
  updated_by: string;
  updated_at_height: number | null;
}
interface Member {
  uuid: string;
  address: string;
  role: string;
  granted_by: string;
  granted_at_height: number;
}

/** Bech32 addresses are one long word: they break anywhere rather than widen a phone screen. */
const ADDRESS_STYLE = { overflowWrap: "anywhere", wordBreak: "break-all" } as const;

const roleLabel = (r: string) => s.adminRoles.roles[r as keyof typeof s.adminRoles.roles] ?? r;
const stateLabel = (st: string) => s.adminRoles.states[st as keyof typeof s.adminRoles.states] ?? st;

export function AdminRoles() {
  const info = useAsync(() => get<ChainInfo>("/api/chain/info/"), []);
  const [lookup, setLookup] = useState("");
  const [bump, setBump] = useState(0);
  return (
    <section aria-labelledby="roles-h">
      <h1 id="roles-h">{s.adminRoles.title}</h1>
      <p class="muted">{s.adminRoles.intro}</p>
      <AsyncView a={info}>
        {(chain) => (
          <div class="with-aside">
            <div>
              <ActionForm
                chain={chain}
                onDone={(addr) => {
                  setLookup(addr);
                  setBump((n) => n + 1);
                }}
              />
              <AccountLookup address={lookup} onAddress={setLookup} bump={bump} />
            </div>
            <Members bump={bump} />
          </div>
        )}
      </AsyncView>
    </section>
  );
}

function ActionForm({ chain, onDone }: { chain: ChainInfo; onDone: (address: string) => void }) {
  const [mnemonic, setMnemonic] = useState("");
  const [action, setAction] = useState<(typeof ACTIONS)[number]>("nominate");
  const [address, setAddress] = useState("");
  const [role, setRole] = useState<string>("MODERATOR");
  const [reason, setReason] = useState("");
  const [done, setDone] = useState("");
  const form = useForm();
  const addrOk = (a: string) => new RegExp(`^${chain.prefix}1[02-9ac-hj-np-z]{38,58}$`).test(a.trim());

  async function submit() {
    setDone("");
    const errs = check({
      mnemonic: [[filled(mnemonic), s.adminRoles.phraseNeeded]],
      address: [[addrOk(address), s.adminRoles.addressInvalid(chain.prefix)]],
      reason: [[action !== "suspend" || filled(reason), s.adminRoles.reasonNeeded]],
    });
    form.setFields(errs);
    if (Object.keys(errs).length) return;
    await form.run(async () => {
      // The signing code (secp256k1, BIP-39, protobuf codecs) loads only when it is needed.
      const { signAndBroadcast } = await import("./admin-roles-sign.ts");
      const act: AdminAction =
        action === "nominate" || action === "revoke"
          ? { kind: action, address: address.trim(), role }
          : { kind: "state", address: address.trim(), state: action === "suspend" ? "SUSPENDED" : "ACTIVE", reason: reason.trim() };
      try {
        const r = await signAndBroadcast(chain, mnemonic, act);
        setDone(s.adminRoles.done(r.txhash, r.height));
        onDone(address.trim());
      } catch (e) {
        if (e instanceof ApiFailure && e.fields.mnemonic) throw e;
        if (e instanceof ApiFailure) throw new ApiFailure(e.status, {}, [...e.general, ...Object.values(e.fields).flat()]);
        throw e;
      }
    }, ["mnemonic", "address", "reason"]);
    // One phrase, one transaction: it does not stay on the page once used.
    setMnemonic("");
  }

  return (
    <form
      noValidate
      aria-labelledby="act-h"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 id="act-h">{s.adminRoles.actTitle}</h2>
      <Notice>{s.adminRoles.phraseNotice}</Notice>
      <TextArea
        label={s.adminRoles.phrase}
        name="mnemonic"
        value={mnemonic}
        onValue={setMnemonic}
        errors={errorsFor(form.fields, "mnemonic")}
      />
      <SelectField
        label={s.adminRoles.action}
        name="action"
        value={action}
        onValue={(v) => setAction(v as (typeof ACTIONS)[number])}
        options={ACTIONS.map((a) => ({ value: a, label: s.adminRoles.actions[a] }))}
      />
      <TextField
        label={s.adminRoles.address}
        name="address"
        value={address}
        onValue={setAddress}
        errors={errorsFor(form.fields, "address")}
        placeholder={`${chain.prefix}1…`}
        required
      />
      {(action === "nominate" || action === "revoke") && (
        <SelectField
          label={s.adminRoles.role}
          name="role"
          value={role}
          onValue={setRole}
          options={ROLES.map((r) => ({ value: r, label: roleLabel(r) }))}
        />
      )}
      {(action === "suspend" || action === "reactivate") && (
        <TextField
          label={s.adminRoles.reason}
          name="reason"
          value={reason}
          onValue={setReason}
          errors={errorsFor(form.fields, "reason")}
          required={action === "suspend"}
        />
      )}
      <FormErrors messages={form.general} />
      {done && (
        <div class="state ok" role="status">
          <p>{done}</p>
        </div>
      )}
      <div class="buttons">
        <button type="submit" class="primary" disabled={form.busy}>
          {form.busy ? s.adminRoles.signing : s.adminRoles.sign}
        </button>
      </div>
    </form>
  );
}

function AccountLookup({ address, onAddress, bump }: { address: string; onAddress: (a: string) => void; bump: number }) {
  const [typed, setTyped] = useState(address);
  const [shownFor, setShownFor] = useState(address);
  if (address !== shownFor) {
    setShownFor(address);
    setTyped(address);
  }
  const acct = useAsync(
    async () => (address ? get<ChainAccountView>("/api/chain/accounts/{address}/", { address }) : null),
    [address, bump],
  );
  return (
    <section aria-labelledby="lookup-h">
      <h2 id="lookup-h">{s.adminRoles.lookupTitle}</h2>
      <form
        class="search"
        onSubmit={(e) => {
          e.preventDefault();
          onAddress(typed.trim());
        }}
      >
        <label>
          <span class="sr-only">{s.adminRoles.lookupLabel}</span>
          <input
            type="search"
            placeholder={s.adminRoles.lookupLabel}
            value={typed}
            onInput={(e) => setTyped((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit">{s.adminRoles.lookup}</button>
      </form>
      <AsyncView a={acct}>
        {(a) =>
          a && (
            <dl class="facts" aria-label={s.adminRoles.accountOf(a.address)}>
              <dt>{s.adminRoles.address}</dt>
              <dd class="mono" style={ADDRESS_STYLE}>{a.address}</dd>
              <dt>{s.adminRoles.state}</dt>
              <dd data-testid="account-state">{stateLabel(a.state)}</dd>
              {a.reason && (
                <>
                  <dt>{s.adminRoles.reason}</dt>
                  <dd>{a.reason}</dd>
                </>
              )}
              <dt>{s.adminRoles.rolesHeld}</dt>
              <dd data-testid="account-roles">{a.roles.length ? a.roles.map((r) => roleLabel(r.role)).join(", ") : s.adminRoles.noRoles}</dd>
              {!a.exists && (
                <>
                  <dt>{s.adminRoles.note}</dt>
                  <dd>{s.adminRoles.unknownAccount}</dd>
                </>
              )}
            </dl>
          )
        }
      </AsyncView>
    </section>
  );
}

function Members({ bump }: { bump: number }) {
  const listing = useListing<Member>("/api/chain/role-members/", { filters: { role: "MODERATOR" }, pageSize: 10 });
  // After a signed change, read the members again.
  const seen = useRef(bump);
  const reload = listing.result.reload;
  useEffect(() => {
    if (seen.current !== bump) reload();
    seen.current = bump;
  }, [bump, reload]);
  return (
    <section aria-labelledby="members-h">
      <h2 id="members-h">{s.adminRoles.membersTitle}</h2>
      <label class="filter">
        {s.adminRoles.membersOf}{" "}
        <select
          value={String(listing.filters.role ?? "")}
          onChange={(e) => listing.setFilter("role", (e.target as HTMLSelectElement).value)}
        >
          {["GENESIS_ACCOUNT", ...ROLES].map((r) => (
            <option key={r} value={r}>
              {roleLabel(r)}
            </option>
          ))}
        </select>
      </label>
      <DataTable
        listing={listing}
        caption={s.adminRoles.membersTitle}
        empty={s.adminRoles.noMembers}
        columns={[
          { label: s.adminRoles.address, render: (m) => <span class="mono" style={ADDRESS_STYLE}>{m.address}</span> },
          { label: s.adminRoles.grantedBy, render: (m) => (m.granted_by ? <span class="mono" style={ADDRESS_STYLE}>{m.granted_by}</span> : s.adminRoles.genesis) },
          { label: s.adminRoles.height, render: (m) => m.granted_at_height },
        ]}
      />
    </section>
  );
}
