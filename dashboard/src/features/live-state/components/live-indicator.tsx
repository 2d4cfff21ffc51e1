import { useLiveStatus } from "./live-provider";

const TEXT = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…" } as const;

/** A small dot and word: are the numbers on this page updating by themselves? */
export function LiveIndicator() {
  const status = useLiveStatus();
  return (
    <span
      className={`live live--${status}`}
      role="status"
      data-live-status={status}
      title={status === "live" ? "Updates arrive as they happen" : "Live updates paused; retrying"}
    >
      <span className="live__dot" aria-hidden="true" />
      {TEXT[status]}
    </span>
  );
}
