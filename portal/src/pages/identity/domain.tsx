// The domain scope (needed by service providers): for one of the caller's organizations, the API
// issues a token to publish as a DNS TXT record or as a file at the domain's well-known URL, then
// checks either on "Verify". The token is shown only here and now (the API keeps just its hash),
// so leaving the page means starting again. Other pages can send providers straight here with
// /identity?org=<customer uuid>#domain.
import { useState } from "preact/hooks";
import { list, post } from "../../api/client.ts";
import type { Customer } from "../../api/models.ts";
import { s } from "../../i18n/en.ts";
import { useAsync } from "../../lib/async.ts";
import { useLocation } from "../../lib/router.ts";
import { check, filled, REQUIRED } from "../../lib/validate.ts";
import { FormErrors, SelectField, TextField } from "../../ui/field.tsx";
import { when } from "../../ui/format.tsx";
import { useForm } from "../../ui/form.ts";
import { AsyncView, Empty, Notice } from "../../ui/states.tsx";
import type { Scope } from "./scopes.tsx";

interface Started {
  domain: string;
  customer_uuid: string;
  token: string;
  expires_at: string;
  dns_record: { name: string; type: string; value: string };
  well_known_url: string;
}

type DomainScopeRow = Scope & { customer_uuid?: string | null };

export function DomainScope({ scopes, onVerified }: { scopes: Scope[]; onVerified: () => void }) {
  const orgs = useAsync(() => list<Customer>("/api/customers/", { page_size: 100, o: "name" }), []);
  return (
    <section id="domain" aria-labelledby="domain-h" class="panel" data-testid="domain-scope">
      <h2 id="domain-h">{s.domain.title}</h2>
      <p>{s.domain.intro}</p>
      <AsyncView a={orgs}>
        {(o) =>
          o.items.length === 0 ? (
            <Empty>{s.domain.noOrganization}</Empty>
          ) : (
            <DomainFlow orgs={o.items} scopes={scopes as DomainScopeRow[]} onVerified={onVerified} />
          )
        }
      </AsyncView>
    </section>
  );
}

function DomainFlow({
  orgs,
  scopes,
  onVerified,
}: {
  orgs: Customer[];
  scopes: DomainScopeRow[];
  onVerified: () => void;
}) {
  const wanted = useLocation().query.get("org");
  const [orgUuid, setOrgUuid] = useState(orgs.find((x) => x.uuid === wanted)?.uuid ?? orgs[0]!.uuid);
  const [domain, setDomain] = useState("");
  const [started, setStarted] = useState<Started | null>(null);
  const [verified, setVerified] = useState<string | null>(null);
  const startForm = useForm();
  const verifyForm = useForm();
  const org = orgs.find((x) => x.uuid === orgUuid) ?? orgs[0]!;
  const proven = scopes.filter((x) => x.scope === "domain" && x.status === "verified" && x.customer_uuid === org.uuid);
  // A token belongs to one organization and domain: editing either asks for a new one.
  const reset = () => {
    setStarted(null);
    setVerified(null);
  };

  const start = (e: Event) => {
    e.preventDefault();
    const local = check({ domain: [[filled(domain), REQUIRED]] });
    if (Object.keys(local).length) return startForm.setFields(local);
    void startForm.run(async () => {
      reset();
      setStarted(await post<Started>("/api/identity/domain/start/", undefined, { domain: domain.trim(), customer: org.url }));
    }, ["domain", "customer"]);
  };
  const verify = (method: "dns" | "http") =>
    verifyForm.run(async () => {
      if (!started) return;
      const r = await post<{ subject: string; method: string }>("/api/identity/domain/verify/", undefined, {
        domain: started.domain,
        customer: org.url,
        method,
      });
      setStarted(null);
      setVerified(s.domain.verified(r.subject, r.method));
      onVerified();
    }, ["domain", "customer", "method"]);

  return (
    <>
      {proven.length > 0 && (
        <>
          <h3>{s.domain.provenTitle(org.name)}</h3>
          <ul data-testid="verified-domains">
            {proven.map((x) => (
              <li key={x.uuid}>
                {s.domain.provenItem(x.subject, x.method ?? "", when(x.verified_at))}
              </li>
            ))}
          </ul>
        </>
      )}
      <form noValidate onSubmit={start}>
        <SelectField
          label={s.domain.organization}
          name="domain-org"
          value={org.uuid}
          onValue={(v) => {
            setOrgUuid(v);
            reset();
          }}
          options={orgs.map((x) => ({ value: x.uuid, label: x.name }))}
          errors={startForm.fields.customer}
        />
        <TextField
          label={s.domain.domain}
          name="domain"
          hint={s.domain.domainHint}
          autoComplete="off"
          value={domain}
          onValue={(v) => {
            setDomain(v);
            reset();
          }}
          errors={startForm.fields.domain}
          required
        />
        <FormErrors messages={startForm.general} />
        <button type="submit" disabled={startForm.busy}>
          {s.domain.start}
        </button>
      </form>
      {verified && <Notice kind="ok">{verified}</Notice>}
      {started && (
        <div data-testid="domain-challenge">
          <h3>{s.domain.publishTitle(started.domain)}</h3>
          <p>{s.domain.publishIntro}</p>
          <dl class="facts">
            <dt>{s.domain.txtName}</dt>
            <dd>
              <code data-testid="txt-name">{started.dns_record.name}</code>
            </dd>
            <dt>{s.domain.txtType}</dt>
            <dd>{started.dns_record.type}</dd>
            <dt>{s.domain.txtValue}</dt>
            <dd>
              <code data-testid="txt-value">{started.dns_record.value}</code>
            </dd>
            <dt>{s.domain.wellKnownUrl}</dt>
            <dd>
              <code data-testid="well-known-url">{started.well_known_url}</code>
            </dd>
            <dt>{s.domain.wellKnownBody}</dt>
            <dd>
              <code>{started.token}</code>
            </dd>
            <dt>{s.domain.expires}</dt>
            <dd>{when(started.expires_at)}</dd>
          </dl>
          <FormErrors
            messages={[
              ...verifyForm.general,
              ...(verifyForm.fields.domain ?? []),
              ...(verifyForm.fields.customer ?? []),
              ...(verifyForm.fields.method ?? []),
            ]}
          />
          <div class="toolbar">
            <button type="button" class="primary" disabled={verifyForm.busy} onClick={() => verify("dns")}>
              {s.domain.verifyDns}
            </button>
            <button type="button" disabled={verifyForm.busy} onClick={() => verify("http")}>
              {s.domain.verifyHttp}
            </button>
          </div>
        </div>
      )}
    </>
  );
}
