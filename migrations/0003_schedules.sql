-- Schedules, what the engine decided and why, and alarms.
-- Shared by the Rust and Python backends: never edit once landed. Times are epoch ms UTC.

CREATE TABLE schedules (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL UNIQUE,
    enabled           INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    priority          INTEGER NOT NULL DEFAULT 0,
    timezone          TEXT,    -- IANA name; NULL means the site's
    recurrence        TEXT    NOT NULL, -- JSON: {"type": "weekly", "blocks": [...]} or {"type": "rrule", ...}
    conditions        TEXT,    -- JSON: {"mode": "all"|"any", "rules": [...]}, NULL for none
    actions           TEXT    NOT NULL, -- JSON array of actions
    missed_run_policy TEXT    NOT NULL DEFAULT 'skip' CHECK (missed_run_policy IN ('skip', 'run_once')),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

-- Runs started by hand ("run now"), or to catch up a missed occurrence.
CREATE TABLE schedule_runs (
    id          INTEGER PRIMARY KEY,
    schedule_id INTEGER NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    start_at    INTEGER NOT NULL,
    end_at      INTEGER NOT NULL,
    reason      TEXT    NOT NULL CHECK (reason IN ('manual', 'catch_up')),
    requested_by TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX schedule_runs_end ON schedule_runs (end_at);

-- Which schedule occurrence holds each output now; survives restarts so the engine knows what
-- to hand back to the default state. No foreign key to schedules: a claim of a deleted
-- schedule must outlive it until the engine has returned the output to its default.
CREATE TABLE schedule_claims (
    output_id        INTEGER PRIMARY KEY REFERENCES outputs (id) ON DELETE CASCADE,
    schedule_id      INTEGER NOT NULL,
    occurrence_start INTEGER NOT NULL,
    occurrence_end   INTEGER NOT NULL,
    state            INTEGER NOT NULL
);

-- Every engine decision: fired, ended, skipped (with the reason), missed, with its context.
CREATE TABLE action_logs (
    id               INTEGER PRIMARY KEY,
    at               INTEGER NOT NULL,
    schedule_id      INTEGER REFERENCES schedules (id) ON DELETE SET NULL,
    schedule_name    TEXT    NOT NULL,
    occurrence_start INTEGER,
    outcome          TEXT    NOT NULL CHECK (outcome IN ('fired', 'ended', 'skipped', 'missed')),
    reason           TEXT,   -- skipped: condition_false, stale, conflict, disabled
    output_ids       TEXT    NOT NULL DEFAULT '[]', -- JSON array
    command_ids      TEXT    NOT NULL DEFAULT '[]', -- JSON array
    detail           TEXT    NOT NULL DEFAULT '{}'  -- JSON: values seen, winner, notes
);
CREATE INDEX action_logs_schedule ON action_logs (schedule_id, id);
CREATE INDEX action_logs_occurrence ON action_logs (schedule_id, occurrence_start);

CREATE TABLE alarms (
    id              INTEGER PRIMARY KEY,
    schedule_id     INTEGER REFERENCES schedules (id) ON DELETE SET NULL,
    severity        TEXT    NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
    message         TEXT    NOT NULL,
    raised_at       INTEGER NOT NULL,
    acknowledged_at INTEGER,
    acknowledged_by TEXT
);
CREATE INDEX alarms_open ON alarms (acknowledged_at, id);

-- The engine's own bookkeeping: the last instant it evaluated (to detect downtime).
CREATE TABLE engine_state (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    evaluated_at INTEGER
);
INSERT INTO engine_state (id, evaluated_at) VALUES (1, NULL);
