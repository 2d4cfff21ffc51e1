import { Link } from "react-router";
import type { components } from "../../../api/schema";
import { RelativeTime } from "../../../components/relative-time";
import { useNow } from "../../../lib/use-now";
import { backupIsTooOld } from "../backup-words";

type BackupHealth = components["schemas"]["BackupHealth"];

/**
 * The overview's line about backups, from the dashboard state: the newest verified one's age,
 * and a warning past two days (kept current by the clock between refreshes).
 */
export function BackupAge({ health, linkToBackups }: { health: BackupHealth; linkToBackups: boolean }) {
  const now = useNow();
  const newest = health.newest_verified_at;
  const old = health.stale || backupIsTooOld(newest ? { created_at: newest } : null, now);
  return (
    <div className={old ? "alert alert--error" : ""} data-backup-age={old ? "old" : "ok"}>
      <p>
        {newest ? (
          <>
            Newest verified backup: <RelativeTime iso={newest} />.
            {old && " That is more than two days ago: take one now."}
          </>
        ) : (
          "There is no verified backup yet: take one now."
        )}
        {linkToBackups && (
          <>
            {" "}
            <Link to="/backups">Backups</Link>
          </>
        )}
      </p>
    </div>
  );
}
