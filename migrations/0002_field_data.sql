-- Field data: the site, nodes with their sensors and outputs, output commands, and metrics
-- with hourly rollups. Shared by the Rust and Python backends: never edit once landed.
-- Times are INTEGER epoch milliseconds UTC. Output states are integers: a relay is 0 (off)
-- or 1 (on); a level output is 0 to 100 (percent).

CREATE TABLE site (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    name       TEXT    NOT NULL,
    timezone   TEXT    NOT NULL, -- IANA name, e.g. America/Los_Angeles
    units      TEXT    NOT NULL CHECK (units IN ('metric', 'imperial')),
    updated_at INTEGER NOT NULL
);
INSERT INTO site (id, name, timezone, units, updated_at) VALUES (1, 'My farm', 'UTC', 'metric', 0);

CREATE TABLE nodes (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT    NOT NULL UNIQUE,
    mac                  TEXT    NOT NULL UNIQUE, -- lower-case, colon-separated
    model                TEXT    NOT NULL,
    agent_version        TEXT    NOT NULL,
    ip                   TEXT,
    heartbeat_interval_s INTEGER NOT NULL DEFAULT 30 CHECK (heartbeat_interval_s BETWEEN 5 AND 3600),
    uptime_s             INTEGER,
    token_hash           TEXT    NOT NULL UNIQUE, -- sha256 of the node's bearer token
    adopted_at           INTEGER NOT NULL,
    last_seen_at         INTEGER,
    retired_at           INTEGER,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);

CREATE TABLE sensors (
    id             INTEGER PRIMARY KEY,
    node_id        INTEGER NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    key            TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('temperature', 'humidity', 'soil_moisture', 'pressure', 'flow',
                                                    'level', 'voltage', 'current', 'power', 'generic')),
    unit           TEXT    NOT NULL,
    interval_s     INTEGER NOT NULL DEFAULT 60 CHECK (interval_s BETWEEN 1 AND 86400),
    retention_days INTEGER NOT NULL DEFAULT 30 CHECK (retention_days BETWEEN 1 AND 3650),
    last_value     REAL,
    last_ts        INTEGER,
    removed_at     INTEGER, -- removed sensors keep their history until retention deletes it
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX sensors_node_key ON sensors (node_id, key) WHERE removed_at IS NULL;

CREATE TABLE outputs (
    id             INTEGER PRIMARY KEY,
    node_id        INTEGER NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    key            TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    kind           TEXT    NOT NULL CHECK (kind IN ('relay', 'level')),
    default_state  INTEGER NOT NULL,
    desired_state  INTEGER NOT NULL,
    reported_state INTEGER,
    reported_at    INTEGER,
    removed_at     INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
);
CREATE UNIQUE INDEX outputs_node_key ON outputs (node_id, key) WHERE removed_at IS NULL;

CREATE TABLE commands (
    id           INTEGER PRIMARY KEY,
    output_id    INTEGER NOT NULL REFERENCES outputs (id) ON DELETE CASCADE,
    node_id      INTEGER NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
    state        INTEGER NOT NULL,
    source       TEXT    NOT NULL CHECK (source IN ('user', 'api_token', 'schedule', 'reconciliation')),
    requested_by TEXT,   -- username, token name or schedule name
    status       TEXT    NOT NULL CHECK (status IN ('queued', 'delivered', 'confirmed', 'failed', 'expired')),
    created_at   INTEGER NOT NULL,
    delivered_at INTEGER,
    finished_at  INTEGER, -- when it became confirmed, failed or expired
    error        TEXT
);
CREATE INDEX commands_output ON commands (output_id, id);
CREATE INDEX commands_open ON commands (node_id, status, id) WHERE status IN ('queued', 'delivered');

-- Raw readings; (sensor_id, ts) is the key, so a re-sent reading is stored once.
CREATE TABLE metrics (
    sensor_id INTEGER NOT NULL,
    ts        INTEGER NOT NULL,
    value     REAL    NOT NULL,
    PRIMARY KEY (sensor_id, ts)
) WITHOUT ROWID;

-- One row per sensor and UTC hour, kept current on ingest and kept after raw rows expire.
CREATE TABLE metrics_hourly (
    sensor_id INTEGER NOT NULL,
    hour      INTEGER NOT NULL, -- start of the hour, epoch ms
    min       REAL    NOT NULL,
    max       REAL    NOT NULL,
    sum       REAL    NOT NULL,
    count     INTEGER NOT NULL,
    PRIMARY KEY (sensor_id, hour)
) WITHOUT ROWID;
