// The top-level guard of the provider workspace pages: someone who is not a provider, opening one
// directly, is told what the page is for and where to register, instead of an empty list.
import type { ComponentChildren } from "preact";
import { s } from "../i18n/en.ts";
import { ErrorBox, Loading } from "../ui/states.tsx";
import { refreshProviderAccess, useProviderAccess } from "./provider-access.ts";
import { useSession } from "./session.ts";

/** Where a signed-in user without a provider organization registers one (the offering wizard). */
export const REGISTER_PROVIDER = "/provider/offerings/new";

export function ProviderOnly({
  children,
  support = false,
}: {
  children: ComponentChildren;
  support?: boolean;
}) {
  const session = useSession();
  const access = useProviderAccess();
  // Support staff read every provider's report (the API lets them), not the rest of the workspace.
  if (support && session.status === "user" && session.user.is_support) return <>{children}</>;
  if (access.status === "loading") return <Loading />;
  if (access.status === "error") return <ErrorBox error={access.error} retry={refreshProviderAccess} />;
  if (access.status === "provider") return <>{children}</>;
  return (
    <section class="state provider-only" aria-labelledby="provider-only-h">
      <h1 id="provider-only-h">{s.providerOnly.title}</h1>
      <p>{s.providerOnly.lead}</p>
      <div class="buttons">
        <a class="button primary" href={REGISTER_PROVIDER}>
          {s.providerOnly.register}
        </a>
        <a class="button" href="/marketplace">
          {s.providerOnly.marketplace}
        </a>
      </div>
    </section>
  );
}
