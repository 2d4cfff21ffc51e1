-- The first-run setup wizard and the backup settings it chooses. Shared by the Rust and Python
-- backends: never edit once landed. Times are INTEGER epoch milliseconds UTC.

-- The wizard's progress: written in the same transaction that creates the first admin. The
-- browser that created the admin holds a cookie whose SHA-256 is `token_hash`; with it, that
-- browser (and only it) finishes the remaining steps. Finishing sets `completed_at` and clears
-- the token. No row: the wizard never ran (an admin made with `user create`, or the demo).
CREATE TABLE setup_wizard (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    admin_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   TEXT,
    created_at   INTEGER NOT NULL,
    completed_at INTEGER
);

-- Where backups go and when the daily one runs. No row: the server's configuration decides
-- (backup_dir, backup_time); the row, once written, wins over it.
CREATE TABLE backup_settings (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    dir        TEXT    NOT NULL, -- absolute path
    daily_at   TEXT,             -- 'HH:MM' in the site's time zone; NULL: no scheduled backups
    updated_at INTEGER NOT NULL
);
