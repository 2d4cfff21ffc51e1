import { formatAgo, formatDateTime } from "../lib/format";
import { useNow } from "../lib/use-now";

/** "5 min ago", with the full date and time on hover; `fallback` when there is no time. */
export function RelativeTime({ iso, fallback = "never" }: { iso: string | null | undefined; fallback?: string }) {
  const now = useNow();
  if (!iso) return <span className="muted">{fallback}</span>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatAgo(iso, now)}
    </time>
  );
}
