/** Formatting shared by every page: times, sensor values, output states. */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "42 s ago", "5 min ago", "3 h ago", "12 d ago"; "in 5 min" for the future. */
export function formatAgo(iso: string, nowMs: number): string {
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return "unknown";
  const delta = nowMs - then;
  const size = Math.abs(delta);
  let amount: string;
  if (size < 5 * SECOND) return "just now";
  else if (size < MINUTE) amount = `${Math.floor(size / SECOND)} s`;
  else if (size < HOUR) amount = `${Math.floor(size / MINUTE)} min`;
  else if (size < DAY) amount = `${Math.floor(size / HOUR)} h`;
  else amount = `${Math.floor(size / DAY)} d`;
  return delta >= 0 ? `${amount} ago` : `in ${amount}`;
}

/** A date and time in this browser's locale and time zone, for tooltips and tables. */
export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** Fraction digits that keep about three significant figures: 1012, 15.5, 3.27. */
export function fractionDigits(value: number): number {
  const size = Math.abs(value);
  if (size >= 100 || size === 0) return 0;
  if (size >= 10) return 1;
  return 2;
}

/** A reading with its unit: "15.5 °C", "1012 hPa", "0 L/min"; "–" when there is none. */
export function formatValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  const number = value.toLocaleString("en-US", {
    maximumFractionDigits: fractionDigits(value),
    useGrouping: false,
  });
  return unit ? `${number} ${unit}` : number;
}

/** Seconds as "3 d 4 h", "2 h 5 min", "45 s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}
