-- A claim can also be refused because the token's node name or MAC was taken by another node
-- after the token was made; those refusals are logged like every other attempt. SQLite cannot
-- change a CHECK constraint in place, so the table is rebuilt with its rows. Shared by the Rust
-- and Python backends: never edit once landed.

CREATE TABLE adoption_attempts_new (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    mac      TEXT    NOT NULL,
    token_id INTEGER,
    outcome  TEXT    NOT NULL CHECK (outcome IN ('adopted', 'replaced', 'unknown_token', 'reused', 'wrong_mac',
                                                 'expired', 'invalid', 'mac_taken', 'name_taken')),
    address  TEXT
);
INSERT INTO adoption_attempts_new (id, at, mac, token_id, outcome, address)
    SELECT id, at, mac, token_id, outcome, address FROM adoption_attempts;
DROP TABLE adoption_attempts;
ALTER TABLE adoption_attempts_new RENAME TO adoption_attempts;
