// The shell: skip link, header navigation (by role), and the route table.
import type { ComponentChildren, FunctionComponent } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { useProviderAccess } from "./auth/provider-access.ts";
import { ProviderOnly } from "./auth/provider-guard.tsx";
import { logOut, type Session, useSession } from "./auth/session.ts";
import { s } from "./i18n/en.ts";
import { match, navigate, useLocation } from "./lib/router.ts";
import { AdminAudit, AdminBroadcast, AdminOrders, AdminOrgs, AdminResources, AdminUserDetail, AdminUsers } from "./pages/admin.tsx";
import { AdminReports } from "./pages/admin-reports.tsx";
import { AdminRoles } from "./pages/admin-roles.tsx";
import { Login, Signup } from "./pages/auth.tsx";
import { CartPage, Checkout } from "./pages/checkout.tsx";
import { Dashboard } from "./pages/dashboard.tsx";
import { Events } from "./pages/events.tsx";
import { Identity } from "./pages/identity.tsx";
import { SsoCallback } from "./pages/identity/sso.tsx";
import { InvitationAccept } from "./pages/invitation-accept.tsx";
import { Keys } from "./pages/keys.tsx";
import { Landing } from "./pages/landing.tsx";
import { Marketplace } from "./pages/marketplace.tsx";
import { NotificationsPage } from "./pages/notifications.tsx";
import { OfferingPage } from "./pages/offering.tsx";
import { OrderDetail, Orders } from "./pages/orders.tsx";
import { OrganizationPage } from "./pages/organization.tsx";
import { ProviderExecutorKey } from "./pages/provider-executor-key.tsx";
import { ProviderImport } from "./pages/provider-import.tsx";
import { ProviderOfferingDetail, ProviderOfferings } from "./pages/provider-offerings.tsx";
import { ProviderOrders } from "./pages/provider-orders.tsx";
import { ProviderPage } from "./pages/provider-page.tsx";
import { ProviderReport } from "./pages/provider-report.tsx";
import { ProviderResources } from "./pages/provider-resources.tsx";
import { Projects } from "./pages/projects.tsx";
import { ResourceDetail, Resources } from "./pages/resources.tsx";
import { TeamPage } from "./pages/team.tsx";
import { WalletBalance, WalletPage } from "./pages/wallet.tsx";
import { OfferingWizard } from "./pages/wizard.tsx";
import { Loading } from "./ui/states.tsx";

// Routes carry at most one parameter, the object's uuid.
type Params = { uuid: string };
interface Route {
  pattern: string;
  page: FunctionComponent<Params>;
  signedIn?: boolean;
  /** Provider workspace: only for providers (and staff); "report" also for support. */
  provider?: "workspace" | "report";
}

const ROUTES: Route[] = [
  { pattern: "/", page: Landing },
  { pattern: "/marketplace", page: Marketplace },
  { pattern: "/offerings/:uuid", page: OfferingPage },
  { pattern: "/offerings/:uuid/order", page: Checkout, signedIn: true },
  { pattern: "/cart", page: CartPage, signedIn: true },
  { pattern: "/providers/:uuid", page: ProviderPage },
  { pattern: "/login", page: Login },
  { pattern: "/signup", page: Signup },
  { pattern: "/sso/callback", page: SsoCallback },
  { pattern: "/wallet", page: WalletPage },
  { pattern: "/wallet/balance", page: WalletBalance, signedIn: true },
  { pattern: "/dashboard", page: Dashboard, signedIn: true },
  { pattern: "/orders", page: Orders, signedIn: true },
  { pattern: "/orders/:uuid", page: OrderDetail, signedIn: true },
  { pattern: "/resources", page: Resources, signedIn: true },
  { pattern: "/resources/:uuid", page: ResourceDetail, signedIn: true },
  { pattern: "/projects", page: Projects, signedIn: true },
  { pattern: "/keys", page: Keys, signedIn: true },
  { pattern: "/events", page: Events, signedIn: true },
  { pattern: "/identity", page: Identity, signedIn: true },
  { pattern: "/organization", page: OrganizationPage, signedIn: true },
  { pattern: "/team", page: TeamPage, signedIn: true },
  { pattern: "/notifications", page: NotificationsPage, signedIn: true },
  { pattern: "/invitations/:uuid", page: InvitationAccept },
  { pattern: "/provider/offerings", page: ProviderOfferings, signedIn: true, provider: "workspace" },
  { pattern: "/provider/offerings/new", page: OfferingWizard, signedIn: true },
  { pattern: "/provider/executor-key", page: ProviderExecutorKey, signedIn: true, provider: "workspace" },
  { pattern: "/provider/import", page: ProviderImport, signedIn: true, provider: "workspace" },
  { pattern: "/provider/offerings/:uuid", page: ProviderOfferingDetail, signedIn: true, provider: "workspace" },
  { pattern: "/provider/orders", page: ProviderOrders, signedIn: true, provider: "workspace" },
  { pattern: "/provider/resources", page: ProviderResources, signedIn: true, provider: "workspace" },
  { pattern: "/admin/users", page: AdminUsers, signedIn: true },
  { pattern: "/admin/organizations", page: AdminOrgs, signedIn: true },
  { pattern: "/admin/users/:uuid", page: AdminUserDetail, signedIn: true },
  { pattern: "/admin/broadcast", page: AdminBroadcast, signedIn: true },
  { pattern: "/admin/orders", page: AdminOrders, signedIn: true },
  { pattern: "/admin/resources", page: AdminResources, signedIn: true },
  { pattern: "/admin/audit", page: AdminAudit, signedIn: true },
  { pattern: "/admin/roles", page: AdminRoles, signedIn: true },
  { pattern: "/admin/reports", page: AdminReports, signedIn: true },
  { pattern: "/provider/report", page: ProviderReport, signedIn: true, provider: "report" },
];

/**
 * The main navigation in display order: everyone, then signed-in users, the provider workspace for
 * providers (support staff get its report), then staff and support.
 */
function navLinks(
  user: { is_staff?: boolean; is_support?: boolean } | null | undefined,
  provider: boolean,
): [string, string][] {
  const links: [string, string][] = [["/marketplace", s.nav.marketplace]];
  if (!user) return links;
  links.push(
    ["/dashboard", s.nav.dashboard],
    ["/orders", s.nav.orders],
    ["/cart", s.cart.nav],
    ["/resources", s.nav.resources],
    ["/projects", s.nav.projects],
    ["/organization", s.nav.organization],
    ["/team", s.nav.team],
    ["/notifications", s.nav.notifications],
    ["/keys", s.nav.keys],
    ["/events", s.nav.events],
    ["/identity", s.nav.identity],
    ["/wallet/balance", s.nav.wallet],
  );
  if (provider)
    links.push(
      ["/provider/offerings", s.nav.providerOfferings],
      ["/provider/import", s.waldurImport.nav],
      ["/provider/orders", s.nav.providerOrders],
      ["/provider/resources", s.nav.providerResources],
    );
  if (provider || user.is_support) links.push(["/provider/report", s.adminTools.navReport]);
  if (user.is_staff) links.push(["/admin/roles", s.adminRoles.nav]);
  if (user.is_staff || user.is_support) links.push(
      ["/admin/users", s.nav.adminUsers],
      ["/admin/organizations", s.nav.adminOrgs],
      ["/admin/broadcast", s.adminTools.navBroadcast],
      ["/admin/orders", s.adminTools.navOrders],
      ["/admin/resources", s.adminTools.navResources],
      ["/admin/audit", s.adminTools.navAudit],
      ["/admin/reports", s.adminReports.nav],
    );
  return links;
}

function NavLink({ href, children, path }: { href: string; children: ComponentChildren; path: string }) {
  const current = path === href || (href !== "/" && path.startsWith(`${href}/`));
  return (
    <li>
      <a href={href} aria-current={current ? "page" : undefined}>
        {children}
      </a>
    </li>
  );
}

function Header({ session, path }: { session: Session; path: string }) {
  const user = session.status === "user" ? session.user : null;
  // Hidden until the answer is in: offering then withdrawing the items would shift the menu.
  const provider = useProviderAccess().status === "provider";
  return (
    <header class="top">
      <a class="brand" href="/">
        {s.appName}
      </a>
      <nav aria-label={s.nav.main}>
        <ul>
          {navLinks(user, provider).map(([href, label]) => (
            <NavLink key={href} href={href} path={path}>
              {label}
            </NavLink>
          ))}
        </ul>
      </nav>
      <div class="account">
        {user ? (
          <>
            <span class="who">{user.username}</span>
            <button
              type="button"
              onClick={async () => {
                await logOut();
                navigate("/");
              }}
            >
              {s.nav.logout}
            </button>
          </>
        ) : session.status === "anonymous" ? (
          <>
            <a href="/login">{s.nav.login}</a>
            <a class="button" href="/signup">
              {s.nav.signup}
            </a>
          </>
        ) : null}
      </div>
    </header>
  );
}

export function App() {
  const loc = useLocation();
  const session = useSession();
  const mainRef = useRef<HTMLElement>(null);
  const firstPath = useRef(loc.path);
  // Move focus to the new page's content after in-app navigation, so keyboard and screen-reader
  // users land there (not on first load: the skip link comes first then).
  useEffect(() => {
    if (loc.path !== firstPath.current) mainRef.current?.focus({ preventScroll: true });
    firstPath.current = "";
  }, [loc.path]);
  let body: ComponentChildren = <p>{s.state.notFound}</p>;
  for (const r of ROUTES) {
    const params = match(r.pattern, loc.path);
    if (!params) continue;
    if (r.signedIn && session.status === "loading") body = <Loading />;
    else if (r.signedIn && session.status !== "user") {
      body = (
        <p>
          {s.state.signInNeeded}{" "}
          <a href={`/login?next=${encodeURIComponent(loc.path + location.search)}`}>{s.nav.login}</a>
        </p>
      );
    } else {
      const Page = r.page;
      body = <Page key={loc.path} uuid={params.uuid ?? ""} />;
      if (r.provider) body = <ProviderOnly support={r.provider === "report"}>{body}</ProviderOnly>;
    }
    break;
  }
  return (
    <>
      <a class="skip" href="#main">
        {s.skipToContent}
      </a>
      <Header session={session} path={loc.path} />
      <main id="main" ref={mainRef} tabIndex={-1}>
        {body}
      </main>
    </>
  );
}
