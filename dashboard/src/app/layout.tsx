import { Suspense } from "react";
import { NavLink, Outlet } from "react-router";
import { useOpenAlarmCount } from "../features/alarms";
import { RequireSession, UserMenu, useCan, useRecheckSession } from "../features/auth";
import { ServerInfo } from "../features/health";
import { LiveIndicator, LiveProvider, useDashboardState } from "../features/live-state";

function Nav() {
  const canUsers = useCan("users.manage");
  const canTokens = useCan("tokens.manage");
  const canBackups = useCan("backups.view");
  const canSchedules = useCan("schedules.view");
  const canLogs = useCan("logs.view");
  const canAlarms = useCan("alarms.view");
  const openAlarms = useOpenAlarmCount();
  const links: [string, string, boolean][] = [
    ["/", "Overview", true],
    ["/charts", "Charts", true],
    ["/nodes", "Nodes", true],
    ["/schedules", "Schedules", canSchedules],
    ["/commands", "Commands", true],
    ["/action-log", "Action log", canLogs],
    ["/alarms", "Alarms", canAlarms],
    ["/backups", "Backups", canBackups],
    ["/users", "Users", canUsers],
    ["/tokens", "API tokens", canTokens],
    ["/settings", "Settings", true],
  ];
  return (
    <nav className="nav" aria-label="Main">
      {links
        .filter(([, , shown]) => shown)
        .map(([to, label]) => (
          <NavLink key={to} to={to} end={to === "/"} className="nav__link">
            {label}
            {to === "/alarms" && openAlarms !== null && (
              <>
                <span className="nav__count" aria-hidden="true">
                  {openAlarms}
                </span>
                <span className="visually-hidden"> ({openAlarms} open)</span>
              </>
            )}
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
          <div className="topbar__inner topbar__inner--head">
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
