import { Suspense } from "react";
import { NavLink, Outlet } from "react-router";
import { RequireSession, UserMenu, useCan, useRecheckSession } from "../features/auth";
import { ServerInfo } from "../features/health";
import { LiveIndicator, LiveProvider, useDashboardState } from "../features/live-state";

function Nav() {
  const canUsers = useCan("users.manage");
  const canTokens = useCan("tokens.manage");
  const canBackups = useCan("backups.view");
  const canSchedules = useCan("schedules.view");
  const links: [string, string, boolean][] = [
    ["/", "Overview", true],
    ["/charts", "Charts", true],
    ["/nodes", "Nodes", true],
    ["/schedules", "Schedules", canSchedules],
    ["/commands", "Commands", true],
    ["/backups", "Backups", canBackups],
    ["/users", "Users", canUsers],
    ["/tokens", "API tokens", canTokens],
  ];
  return (
    <nav className="nav" aria-label="Main">
      {links
        .filter(([, , shown]) => shown)
        .map(([to, label]) => (
          <NavLink key={to} to={to} end={to === "/"} className="nav__link">
            {label}
          </NavLink>
        ))}
    </nav>
  );
}

function SiteName() {
  const state = useDashboardState();
  return <span className="topbar__site">{state.data?.site.name ?? "Farm Controller"}</span>;
}

function Shell() {
  const recheckSession = useRecheckSession();
  return (
    <LiveProvider onStreamRefused={recheckSession}>
      <div className="shell">
        <header className="topbar">
          <div className="topbar__inner">
            <NavLink to="/" className="topbar__brand">
              <SiteName />
            </NavLink>
            <LiveIndicator />
            <UserMenu />
          </div>
          <div className="topbar__inner">
            <Nav />
          </div>
        </header>
        <main className="shell__main">
          <Suspense fallback={<p className="muted">Loading…</p>}>
            <Outlet />
          </Suspense>
        </main>
        <footer className="shell__footer">
          <ServerInfo />
        </footer>
      </div>
    </LiveProvider>
  );
}

/** The frame of every logged-in page: header with site, live status, user and navigation. */
export function Layout() {
  return (
    <RequireSession>
      <Shell />
    </RequireSession>
  );
}
