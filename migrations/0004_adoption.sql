-- Node adoption and replacement. Shared by the Rust and Python backends: never edit once landed.

-- Nodes that announced themselves (or were found over mDNS) and are not adopted yet.
CREATE TABLE adoption_candidates (
    mac           TEXT    PRIMARY KEY, -- lower-case, colon-separated
    model         TEXT    NOT NULL,
    agent_version TEXT    NOT NULL,
    ip            TEXT,
    source        TEXT    NOT NULL CHECK (source IN ('announce', 'mdns')),
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL
);

-- Single-use tokens that let the device with `mac` claim a node: a new one named `name`, or,
-- for a replacement, the existing node `node_id` with its sensors, outputs and history.
CREATE TABLE adoption_tokens (
    id         INTEGER PRIMARY KEY,
    mac        TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    node_id    INTEGER REFERENCES nodes (id) ON DELETE CASCADE,
    token_hash TEXT    NOT NULL UNIQUE,
    created_by TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);

-- Every claim attempt, whatever its outcome.
CREATE TABLE adoption_attempts (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    mac      TEXT    NOT NULL,
    token_id INTEGER,
    outcome  TEXT    NOT NULL CHECK (outcome IN ('adopted', 'replaced', 'unknown_token', 'reused', 'wrong_mac', 'expired', 'invalid')),
    address  TEXT
);
