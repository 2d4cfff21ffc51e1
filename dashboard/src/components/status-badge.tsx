import type { ReactNode } from "react";

export type Tone = "ok" | "warn" | "bad" | "muted" | "info";

/** A short coloured label: "online", "stale", "failed". */
export function StatusBadge({ tone, children }: { tone: Tone; children: ReactNode }) {
  return <span className={`badge badge--${tone}`}>{children}</span>;
}
