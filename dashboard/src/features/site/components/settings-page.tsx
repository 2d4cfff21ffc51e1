import type { ReactNode } from "react";
import { ErrorMessage } from "../../../components/error-message";
import { PageHeader } from "../../../components/page-header";
import { formatDateTime } from "../../../lib/format";
import { usePageTitle } from "../../../lib/use-page-title";
import { ChangePasswordForm, useCan } from "../../auth";
import { useSite, type Site } from "../api/get-site";
import { UNIT_LABELS } from "../site-form";
import { SiteSettingsForm } from "./site-settings-form";

/** The site's settings for a role that may only look at them. */
function SiteFacts({ site }: { site: Site }) {
  const facts: [string, ReactNode][] = [
    ["Site name", site.name],
    ["Time zone", site.timezone],
    ["Units", UNIT_LABELS[site.units]],
    ["Last changed", formatDateTime(site.updated_at)],
  ];
  return (
    <section className="card" aria-labelledby="site-settings-title">
      <h2 id="site-settings-title" className="card__title">
        Site
      </h2>
      <dl className="facts">
        {facts.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <p className="small muted">Your role can see the site's settings but not change them.</p>
    </section>
  );
}

/** Site settings (name, time zone, units) and the logged-in user's password. */
export function SettingsPage() {
  usePageTitle("Settings");
  const site = useSite();
  const canConfigure = useCan("config.write");
  const canView = useCan("nodes.view");
  return (
    <>
      <PageHeader title="Settings" />
      {canView &&
        (site.isError ? (
          <ErrorMessage error={site.error} onRetry={() => void site.refetch()} retrying={site.isFetching} />
        ) : !site.data ? (
          <p className="muted">Loading…</p>
        ) : canConfigure ? (
          <SiteSettingsForm site={site.data} />
        ) : (
          <SiteFacts site={site.data} />
        ))}
      <ChangePasswordForm />
    </>
  );
}
