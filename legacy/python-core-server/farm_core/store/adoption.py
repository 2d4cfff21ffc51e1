"""SQL for adoption: announcements, single-use tokens, claims (new nodes and replacements), and
node bundles."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field

from farm_core.db import Database, is_unique_violation
from farm_core.domain.adoption import (
    BUNDLE_VERSION,
    CANDIDATE_TTL_MS,
    AdoptionToken,
    BundleOutput,
    BundleSensor,
    Candidate,
    NodeBundle,
    StoredSchedule,
)
from farm_core.domain.errors import Conflict, DomainError, Forbidden, NotFound, TokenExpired, Unauthenticated
from farm_core.domain.outputs import Command, CommandSource, Output, Requester
from farm_core.store import commands as command_sql
from farm_core.store import nodes as node_sql
from farm_core.store import outputs as output_sql
from farm_core.store import sensors as sensor_sql
from farm_core.store.nodes import NewOutput, NewSensor, insert_output, insert_sensor


@dataclass(frozen=True, slots=True)
class Announcement:
    mac: str
    model: str
    agent_version: str
    ip: str | None


@dataclass(frozen=True, slots=True)
class Claim:
    mac: str
    token_hash: str
    model: str
    agent_version: str
    sensors: list[NewSensor]
    outputs: list[NewOutput]
    # Digest of the node token issued by this claim.
    node_token_hash: str
    address: str | None


@dataclass(slots=True)
class Claimed:
    node_id: int
    replaced: bool
    bundle: NodeBundle
    # Commands bringing a replacement's outputs to their desired states.
    commands: list[Command] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """A request for an adoption token: a new node named `name`, or a replacement of `node_id`."""

    mac: str
    name: str | None
    node_id: int | None
    token_hash: str
    by: str
    expires_at: int


SCHEDULE_COLUMNS = (
    "id, name, enabled, priority, timezone, recurrence, conditions, actions, missed_run_policy, created_at, updated_at"
)


def schedules_all(conn: sqlite3.Connection) -> list[StoredSchedule]:
    """Every schedule, by id (Rust's `store::schedules::list_all`)."""
    return [
        StoredSchedule(r[0], r[1], bool(r[2]), r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10])
        for r in conn.execute(f"SELECT {SCHEDULE_COLUMNS} FROM schedules ORDER BY id")
    ]


def _sets_outputs(schedule: StoredSchedule) -> list[int]:
    return [a["output_id"] for a in json.loads(schedule.actions) if a.get("type") == "set_output"]


def bundle(conn: sqlite3.Connection, node_id: int) -> NodeBundle:
    row = conn.execute("SELECT name, heartbeat_interval_s FROM nodes WHERE id = ?", (node_id,)).fetchone()
    if row is None:
        raise NotFound("node")
    sensors = [
        BundleSensor(s.key, s.name, s.kind, s.unit, s.interval_s, s.retention_days)
        for s in sensor_sql.list_of(conn, node_id)
    ]
    outputs = output_sql.list_of(conn, node_id)
    output_ids = {o.id for o in outputs}
    schedules = [s for s in schedules_all(conn) if any(o in output_ids for o in _sets_outputs(s))]
    return NodeBundle(
        BUNDLE_VERSION,
        row[0],
        row[1],
        sensors,
        [BundleOutput(o.key, o.name, o.kind, o.default_state, o.desired_state) for o in outputs],
        schedules,
    )


def _log_attempt(
    conn: sqlite3.Connection, now: int, mac: str, token_id: int | None, outcome: str, address: str | None
) -> None:
    conn.execute(
        "INSERT INTO adoption_attempts (at, mac, token_id, outcome, address) VALUES (?, ?, ?, ?, ?)",
        (now, mac, token_id, outcome, address),
    )


def _announce(conn: sqlite3.Connection, a: Announcement, now: int) -> None:
    conn.execute(
        "INSERT INTO adoption_candidates (mac, model, agent_version, ip, source, first_seen_at, last_seen_at)"
        " VALUES (?1, ?2, ?3, ?4, 'announce', ?5, ?5)"
        " ON CONFLICT (mac) DO UPDATE SET model = excluded.model, agent_version = excluded.agent_version,"
        " ip = excluded.ip, source = 'announce', last_seen_at = excluded.last_seen_at",
        (a.mac, a.model, a.agent_version, a.ip, now),
    )


def _candidates(conn: sqlite3.Connection, now: int) -> list[Candidate]:
    return [
        Candidate(*r)
        for r in conn.execute(
            "SELECT mac, model, agent_version, ip, source, first_seen_at, last_seen_at FROM adoption_candidates c"
            " WHERE last_seen_at > ? AND NOT EXISTS (SELECT 1 FROM nodes n WHERE n.mac = c.mac)"
            " ORDER BY last_seen_at DESC, mac",
            (now - CANDIDATE_TTL_MS,),
        )
    ]


def _token_create(conn: sqlite3.Connection, request: TokenRequest, now: int) -> AdoptionToken:
    conn.execute("BEGIN IMMEDIATE")
    try:
        mac_owner = conn.execute("SELECT id FROM nodes WHERE mac = ?", (request.mac,)).fetchone()
        if request.node_id is not None:
            node = node_sql.get(conn, request.node_id, now)
            if node.retired_at is not None:
                raise Conflict("node is retired")
            if mac_owner is not None:
                raise Conflict("a node with this MAC exists")
            name = node.name
        else:
            name = request.name or ""
            if mac_owner is not None:
                raise Conflict("a node with this MAC exists")
            if conn.execute("SELECT EXISTS (SELECT 1 FROM nodes WHERE name = ?)", (name,)).fetchone()[0]:
                raise Conflict("node name is taken")
        try:
            cursor = conn.execute(
                "INSERT INTO adoption_tokens (mac, name, node_id, token_hash, created_by, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (request.mac, name, request.node_id, request.token_hash, request.by, now, request.expires_at),
            )
        except sqlite3.IntegrityError as err:
            if is_unique_violation(err):
                raise Conflict("token collision; try again") from None
            raise
        token = AdoptionToken(cursor.lastrowid, request.mac, name, request.node_id, request.expires_at)
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return token


def _claim_in(conn: sqlite3.Connection, claim: Claim, now: int) -> Claimed:
    token = conn.execute(
        "SELECT id, mac, name, node_id, expires_at, used_at FROM adoption_tokens WHERE token_hash = ?",
        (claim.token_hash,),
    ).fetchone()
    # Refusals are logged and committed too: an operator can see who tried what.
    if token is None:
        raise _Refused(None, "unknown_token", Unauthenticated("unknown adoption token"))
    token_id, mac, name, node_id, expires_at, used_at = token
    if used_at is not None:
        raise _Refused(token_id, "reused", Conflict("this adoption token was already used"))
    if mac != claim.mac:
        raise _Refused(token_id, "wrong_mac", Forbidden("this token belongs to another device"))
    if now >= expires_at:
        raise _Refused(token_id, "expired", TokenExpired())
    # The name or MAC may have been taken since the token was made: refuse, logged.
    mac_owner = conn.execute("SELECT id FROM nodes WHERE mac = ?", (mac,)).fetchone()
    if mac_owner is not None and mac_owner[0] != node_id:
        raise _Refused(token_id, "mac_taken", Conflict("a node with this MAC exists"))
    if node_id is None and conn.execute("SELECT EXISTS (SELECT 1 FROM nodes WHERE name = ?)", (name,)).fetchone()[0]:
        raise _Refused(token_id, "name_taken", Conflict("node name is taken"))
    conn.execute("UPDATE adoption_tokens SET used_at = ?2 WHERE id = ?1", (token_id, now))
    conn.execute("DELETE FROM adoption_candidates WHERE mac = ?", (mac,))
    if node_id is not None:
        # The new device takes over the node; the old device's token stops working.
        try:
            conn.execute(
                "UPDATE nodes SET mac = ?2, token_hash = ?3, model = ?4, agent_version = ?5, ip = ?6,"
                " last_seen_at = NULL, adopted_at = ?7, updated_at = ?7 WHERE id = ?1",
                (node_id, mac, claim.node_token_hash, claim.model, claim.agent_version, claim.address, now),
            )
        except sqlite3.IntegrityError as err:
            if is_unique_violation(err):
                raise Conflict("a node with this MAC exists") from None
            raise
        replaced = True
    else:
        try:
            cursor = conn.execute(
                "INSERT INTO nodes (name, mac, model, agent_version, ip, token_hash, adopted_at, created_at,"
                " updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?7)",
                (name, mac, claim.model, claim.agent_version, claim.address, claim.node_token_hash, now),
            )
        except sqlite3.IntegrityError as err:
            if is_unique_violation(err):
                raise Conflict("node name or MAC is taken") from None
            raise
        node_id = cursor.lastrowid
        for s in claim.sensors:
            insert_sensor(conn, node_id, s, now)
        for o in claim.outputs:
            insert_output(conn, node_id, o, now)
        replaced = False
    claimed = Claimed(node_id, replaced, None)  # type: ignore[arg-type]
    if replaced:
        by = Requester(CommandSource.RECONCILIATION, "replacement")
        requests = [command_sql.CommandRequest("", o.id, o.desired_state) for o in output_sql.list_of(conn, node_id)]
        issued = command_sql.issue_in(conn, requests, by, now)
        claimed.commands = issued.commands
        claimed.outputs = issued.outputs
    _log_attempt(conn, now, mac, token_id, "replaced" if replaced else "adopted", claim.address)
    claimed.bundle = bundle(conn, node_id)
    return claimed


class _Refused(Exception):
    def __init__(self, token_id: int | None, outcome: str, err: DomainError) -> None:
        super().__init__(outcome)
        self.token_id = token_id
        self.outcome = outcome
        self.err = err


def _claim(conn: sqlite3.Connection, claim: Claim, now: int) -> Claimed:
    conn.execute("BEGIN IMMEDIATE")
    try:
        claimed = _claim_in(conn, claim, now)
    except _Refused as refused:
        _log_attempt(conn, now, claim.mac, refused.token_id, refused.outcome, claim.address)
        conn.execute("COMMIT")
        raise refused.err from None
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return claimed


class AdoptionStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def announce(self, a: Announcement, now: int) -> None:
        await self._db.write(_announce, a, now)

    async def candidates(self, now: int) -> list[Candidate]:
        """Announced within the last ten minutes and not adopted, newest first."""
        return await self._db.run(_candidates, now)

    async def token_create(self, request: TokenRequest, now: int) -> AdoptionToken:
        return await self._db.write(_token_create, request, now)

    async def claim(self, claim: Claim, now: int) -> Claimed:
        """Redeems a token; every attempt is logged, failed ones too."""
        return await self._db.write(_claim, claim, now)

    async def bundle(self, node_id: int) -> NodeBundle:
        return await self._db.run(bundle, node_id)
