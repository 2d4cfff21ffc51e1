import { useMemo, useState, type FormEvent } from "react";
import { formErrors, withLocalProblems } from "../../../api/field-errors";
import { keysOf } from "../../../api/enums";
import { Field, FormSummary } from "../../../components/field";
import { formatDateTime } from "../../../lib/format";
import type { Site } from "../api/get-site";
import { useUpdateSite } from "../api/update-site";
import {
  browserTimeZones,
  checkSiteForm,
  filterTimeZones,
  SITE_FORM_FIELDS,
  siteToForm,
  timeZoneList,
  toSiteUpdate,
  UNIT_LABELS,
  type SiteForm,
  type Units,
} from "../site-form";

/** The zone picker: a search box narrowing a list, so no one scrolls through 400 zones. */
function TimeZonePicker({
  zones,
  value,
  onChange,
  control,
}: {
  zones: readonly string[];
  value: string;
  onChange: (zone: string) => void;
  control: { id: string; "aria-invalid": boolean; "aria-describedby": string | undefined };
}) {
  const [query, setQuery] = useState("");
  const matches = filterTimeZones(zones, query);
  return (
    <div className="tz-picker">
      <input
        type="search"
        aria-label="Search time zones"
        placeholder="Search: berlin, los angeles…"
        autoCapitalize="none"
        spellCheck={false}
        value={query}
        onChange={(e) => {
          const next = e.target.value;
          setQuery(next);
          // One match left: take it, so typing a city is enough.
          const found = filterTimeZones(zones, next);
          if (found.length === 1 && found[0]) onChange(found[0]);
        }}
      />
      <select {...control} size={6} value={value} onChange={(e) => onChange(e.target.value)} data-timezone-list="">
        {/* The chosen zone stays in the list while a search hides it, so the list never shows another as chosen. */}
        {value && !matches.includes(value) && (
          <option value={value}>{value.replace(/_/g, " ")} (chosen)</option>
        )}
        {matches.map((zone) => (
          <option key={zone} value={zone}>
            {zone.replace(/_/g, " ")}
          </option>
        ))}
      </select>
      <p className="small muted" aria-live="polite">
        {matches.length === 0
          ? "No zone matches that search."
          : `${matches.length} of ${zones.length} zones. Chosen: `}
        {matches.length > 0 && <strong data-timezone-chosen="">{value}</strong>}
      </p>
    </div>
  );
}

/** PATCH /api/site: the site's name, time zone and units, with problems next to the fields. */
export function SiteSettingsForm({ site }: { site: Site }) {
  const update = useUpdateSite();
  const [form, setForm] = useState<SiteForm>(() => siteToForm(site));
  const [tried, setTried] = useState(false);
  const zones = useMemo(() => timeZoneList(browserTimeZones(), site.timezone), [site.timezone]);
  const local = tried ? checkSiteForm(form, zones) : {};
  const errors = withLocalProblems(local, formErrors(update.error, SITE_FORM_FIELDS));
  const unchanged = Object.keys(toSiteUpdate(form, site)).length === 0;

  const set = <K extends keyof SiteForm>(key: K, value: SiteForm[K]) => {
    update.reset();
    setForm((f) => ({ ...f, [key]: value }));
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (Object.keys(checkSiteForm(form, zones)).length > 0) return;
    const body = toSiteUpdate(form, site);
    if (Object.keys(body).length === 0) return;
    update.mutate(body, { onSuccess: (saved) => setForm(siteToForm(saved)) });
  };

  const e = errors.byField;
  return (
    <form className="form card" onSubmit={submit} noValidate aria-labelledby="site-settings-title">
      <h2 id="site-settings-title" className="card__title">
        Site
      </h2>
      <FormSummary
        text={errors.summary ?? (Object.keys(local).length > 0 ? "Please correct the fields marked below." : null)}
      />
      <div className="form__grid">
        <Field label="Site name" error={e.name} hint="Shown in the header and on the overview.">
          {(c) => <input {...c} value={form.name} maxLength={200} onChange={(ev) => set("name", ev.target.value)} />}
        </Field>
        <Field label="Units" error={e.units}>
          {(c) => (
            <select {...c} value={form.units} onChange={(ev) => set("units", ev.target.value as Units)}>
              {keysOf(UNIT_LABELS).map((units) => (
                <option key={units} value={units}>
                  {UNIT_LABELS[units]}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field
        label="Time zone"
        error={e.timezone}
        hint="Schedules' times are wall-clock times in this zone, daylight saving included."
      >
        {(c) => <TimeZonePicker zones={zones} value={form.timezone} onChange={(z) => set("timezone", z)} control={c} />}
      </Field>
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={update.isPending || unchanged}>
          {update.isPending ? "Saving…" : "Save site settings"}
        </button>
        {unchanged && !update.isSuccess && <span className="small muted">No changes yet.</span>}
        {update.isSuccess && (
          <span className="small tone--ok" role="status" data-saved="">
            Saved at {formatDateTime(update.data.updated_at)}.
          </span>
        )}
      </div>
    </form>
  );
}
