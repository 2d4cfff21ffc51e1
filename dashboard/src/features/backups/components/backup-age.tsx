import { Link } from "react-router";
import { RelativeTime } from "../../../components/relative-time";
import { useNow } from "../../../lib/use-now";
import { useBackups } from "../api/list-backups";
import { backupIsTooOld, newestVerified } from "../backup-words";

/** The overview's line about backups: the newest verified one's age, a warning past two days. */
export function BackupAge() {
  const backups = useBackups();
  const now = useNow();
  if (!backups.data) return <p className="muted">{backups.isError ? "Backups could not be loaded." : "Loading…"}</p>;
  const newest = newestVerified(backups.data.items);
  const old = backupIsTooOld(newest, now);
  return (
    <div className={old ? "alert alert--error" : ""} data-backup-age={old ? "old" : "ok"}>
      <p>
        {newest ? (
          <>
            Newest verified backup: <RelativeTime iso={newest.created_at} />.
            {old && " That is more than two days ago: take one now."}
          </>
        ) : (
          "There is no verified backup yet: take one now."
        )}{" "}
        <Link to="/backups">Backups</Link>
      </p>
    </div>
  );
}
