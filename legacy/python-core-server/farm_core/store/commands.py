"""SQL for output commands and the node side of their lifecycle: delivery, acknowledgement,
expiry, and heartbeats that reconcile reported states with desired ones."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from farm_core.db import Database, Transaction
from farm_core.domain.errors import Conflict, FieldError, Forbidden, NotFound, Validation
from farm_core.domain.nodes import Node, NodeStatus
from farm_core.domain.outputs import (
    COMMAND_TTL_MS,
    Ack,
    Command,
    CommandSource,
    Output,
    Requester,
    source_from_db,
    status_from_db,
)
from farm_core.store import nodes as node_sql
from farm_core.store import outputs as output_sql


@dataclass(frozen=True, slots=True)
class CommandRequest:
    """One requested state change; `field` prefixes its validation errors (`commands[2].`)."""

    field: str
    output_id: int
    state: int


@dataclass(slots=True)
class Issued:
    """What a command request changed: the new commands, the ones they superseded, the outputs."""

    commands: list[Command] = field(default_factory=list)
    superseded: list[Command] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Heartbeat:
    agent_version: str | None
    uptime_s: int | None
    ip: str | None
    # (output key, reported state)
    outputs: list[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class HeartbeatOutcome:
    node: Node
    previous_status: NodeStatus
    outputs: list[Output]
    # Commands issued because a reported state differed from the desired one.
    reconciliation: list[Command]
    expired: list[Command]


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Command]
    next_cursor: int | None


COLUMNS = (
    "c.id, c.output_id, c.node_id, o.key, c.state, c.source, c.requested_by, c.status, c.created_at,"
    " c.delivered_at, c.finished_at, c.error"
)


def command_at(r: tuple, at: int = 0) -> Command:
    """Reads the command columns (`COLUMNS`, in order) starting at column `at`."""
    return Command(
        r[at],
        r[at + 1],
        r[at + 2],
        r[at + 3],
        r[at + 4],
        source_from_db(r[at + 5]),
        r[at + 6],
        status_from_db(r[at + 7]),
        r[at + 8],
        r[at + 9],
        r[at + 10],
        r[at + 11],
    )


def get(conn: sqlite3.Connection, command_id: int) -> Command:
    row = conn.execute(
        f"SELECT {COLUMNS} FROM commands c JOIN outputs o ON o.id = c.output_id WHERE c.id = ?", (command_id,)
    ).fetchone()
    if row is None:
        raise NotFound("command")
    return command_at(row)


def by_ids(conn: sqlite3.Connection, ids: list[int]) -> list[Command]:
    return [get(conn, i) for i in ids]


def expire(conn: sqlite3.Connection, node_id: int | None, now: int) -> list[Command]:
    """Expires open commands past their time to live (of one node, or all), returning them."""
    ids = [
        row[0]
        for row in conn.execute(
            "UPDATE commands SET status = 'expired', finished_at = ?1,"
            " error = CASE status WHEN 'queued' THEN 'not delivered within 60 s'"
            " ELSE 'not acknowledged within 60 s' END"
            " WHERE (?2 IS NULL OR node_id = ?2)"
            " AND ((status = 'queued' AND created_at <= ?3) OR (status = 'delivered' AND delivered_at <= ?3))"
            " RETURNING id",
            (now, node_id, now - COMMAND_TTL_MS),
        ).fetchall()
    ]
    return by_ids(conn, ids)


def queue(conn: sqlite3.Connection, output: Output, state: int, by: Requester, now: int) -> tuple[int, list[int]]:
    """Queues a command for `output`, superseding any open one. Returns (new, superseded ids)."""
    superseded = [
        row[0]
        for row in conn.execute(
            "UPDATE commands SET status = 'expired', finished_at = ?2, error = 'superseded by a newer command'"
            " WHERE output_id = ?1 AND status IN ('queued', 'delivered') RETURNING id",
            (output.id, now),
        ).fetchall()
    ]
    cursor = conn.execute(
        "INSERT INTO commands (output_id, node_id, state, source, requested_by, status, created_at)"
        " VALUES (?, ?, ?, ?, ?, 'queued', ?)",
        (output.id, output.node_id, state, by.source.value, by.name, now),
    )
    return cursor.lastrowid, superseded


def _node_is_retired(conn: sqlite3.Connection, node_id: int) -> bool:
    return bool(conn.execute("SELECT retired_at IS NOT NULL FROM nodes WHERE id = ?", (node_id,)).fetchone()[0])


def _issue(conn: sqlite3.Connection, requests: list[CommandRequest], by: Requester, now: int) -> Issued:
    with Transaction(conn):
        return issue_in(conn, requests, by, now)


def issue_in(conn: sqlite3.Connection, requests: list[CommandRequest], by: Requester, now: int) -> Issued:
    """`_issue` inside a transaction the caller holds (adoption's replacement)."""
    problems: list[FieldError] = []
    targets: list[tuple[Output, int]] = []
    for req in requests:
        try:
            output = output_sql.get(conn, req.output_id)
        except NotFound:
            problems.append(FieldError(f"{req.field}output_id", "no such output"))
            continue
        try:
            output.kind.check_state(f"{req.field}state", req.state)
        except Validation as err:
            problems.extend(err.fields)
            continue
        targets.append((output, req.state))
    if problems:
        raise Validation(problems)
    new_ids: list[int] = []
    superseded_ids: list[int] = []
    output_ids: list[int] = []
    for output, state in targets:
        if _node_is_retired(conn, output.node_id):
            raise Conflict(f"output {output.id} belongs to a retired node")
        conn.execute("UPDATE outputs SET desired_state = ?, updated_at = ? WHERE id = ?", (state, now, output.id))
        new_id, superseded = queue(conn, output, state, by, now)
        new_ids.append(new_id)
        superseded_ids.extend(superseded)
        output_ids.append(output.id)
    return Issued(
        commands=by_ids(conn, new_ids),
        superseded=by_ids(conn, superseded_ids),
        outputs=[output_sql.get(conn, i) for i in output_ids],
    )


def _list(conn: sqlite3.Connection, output_id: int | None, limit: int, cursor: int | None) -> Page:
    items = [
        command_at(r)
        for r in conn.execute(
            f"SELECT {COLUMNS} FROM commands c JOIN outputs o ON o.id = c.output_id"
            " WHERE (?1 IS NULL OR c.output_id = ?1) AND (?2 IS NULL OR c.id < ?2) ORDER BY c.id DESC LIMIT ?3",
            (output_id, cursor, limit + 1),
        )
    ]
    if len(items) > limit:
        del items[limit:]
        return Page(items, items[-1].id if items else None)
    return Page(items, None)


def _take(conn: sqlite3.Connection, node_id: int, now: int) -> tuple[list[Command], list[Command]]:
    with Transaction(conn):
        expired = expire(conn, node_id, now)
        ids = sorted(
            row[0]
            for row in conn.execute(
                "UPDATE commands SET status = 'delivered', delivered_at = ?2"
                " WHERE node_id = ?1 AND status = 'queued' RETURNING id",
                (node_id, now),
            ).fetchall()
        )
        return by_ids(conn, ids), expired


def _ack(conn: sqlite3.Connection, node_id: int, command_id: int, ack: Ack, now: int) -> tuple[Command, Output]:
    with Transaction(conn):
        command = get(conn, command_id)
        if command.node_id != node_id:
            raise Forbidden("this command belongs to another node")
        if not command.status.is_open:
            raise Conflict(f"command is already {command.status.value}")
        output = output_sql.get(conn, command.output_id)
        if ack.reported_state is not None:
            reported: int | None = output.kind.check_state("reported_state", ack.reported_state)
        else:
            reported = command.state if ack.ok else None
        if ack.ok:
            status, error = "confirmed", None
        else:
            status, error = "failed", ack.error if ack.error is not None else "the node reported a failure"
        conn.execute(
            "UPDATE commands SET status = ?2, finished_at = ?3, error = ?4, delivered_at = COALESCE(delivered_at, ?3)"
            " WHERE id = ?1",
            (command_id, status, now, error),
        )
        if reported is not None:
            conn.execute(
                "UPDATE outputs SET reported_state = ?, reported_at = ? WHERE id = ?", (reported, now, output.id)
            )
        return get(conn, command_id), output_sql.get(conn, output.id)


def _expire_all(conn: sqlite3.Connection, now: int) -> list[Command]:
    with Transaction(conn):
        return expire(conn, None, now)


_RECONCILIATION = Requester(CommandSource.RECONCILIATION, None)


def _heartbeat(conn: sqlite3.Connection, node_id: int, beat: Heartbeat, now: int) -> HeartbeatOutcome:
    with Transaction(conn):
        before = node_sql.get(conn, node_id, now)
        expired = expire(conn, node_id, now)
        outputs = output_sql.list_of(conn, node_id)
        problems: list[FieldError] = []
        reported: list[tuple[Output, int]] = []
        for i, (key, state) in enumerate(beat.outputs):
            output = next((o for o in outputs if o.key == key), None)
            if output is None:
                problems.append(FieldError(f"outputs[{i}].key", f"no output '{key}' on this node"))
                continue
            try:
                reported.append((output, output.kind.check_state(f"outputs[{i}].state", state)))
            except Validation as err:
                problems.extend(err.fields)
        if problems:
            raise Validation(problems)
        conn.execute(
            "UPDATE nodes SET last_seen_at = ?2, agent_version = COALESCE(?3, agent_version),"
            " uptime_s = COALESCE(?4, uptime_s), ip = COALESCE(?5, ip), updated_at = ?2 WHERE id = ?1",
            (node_id, now, beat.agent_version, beat.uptime_s, beat.ip),
        )
        changed: list[int] = []
        reconciliation: list[int] = []
        for output, state in reported:
            conn.execute("UPDATE outputs SET reported_state = ?, reported_at = ? WHERE id = ?", (state, now, output.id))
            open_command = conn.execute(
                "SELECT EXISTS (SELECT 1 FROM commands WHERE output_id = ? AND status IN ('queued', 'delivered'))",
                (output.id,),
            ).fetchone()[0]
            if state != output.desired_state and not open_command:
                reconciliation.append(queue(conn, output, output.desired_state, _RECONCILIATION, now)[0])
            changed.append(output.id)
        return HeartbeatOutcome(
            node=node_sql.get(conn, node_id, now),
            previous_status=before.status,
            outputs=[output_sql.get(conn, i) for i in changed],
            reconciliation=by_ids(conn, reconciliation),
            expired=expired,
        )


class CommandStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def issue(self, requests: list[CommandRequest], by: Requester, now: int) -> Issued:
        """Sets desired states and queues one command per request, all or nothing. An open command
        for the same output is superseded (expired)."""
        return await self._db.write(_issue, requests, by, now)

    async def list(self, output_id: int | None, limit: int, cursor: int | None) -> Page:
        """Newest first; `cursor` is the last id of the previous page."""
        return await self._db.run(_list, output_id, limit, cursor)

    async def take(self, node_id: int, now: int) -> tuple[list[Command], list[Command]]:
        """The node's queued commands, marked delivered, and the ones that expired meanwhile."""
        return await self._db.write(_take, node_id, now)

    async def ack(self, node_id: int, command_id: int, ack: Ack, now: int) -> tuple[Command, Output]:
        return await self._db.write(_ack, node_id, command_id, ack, now)

    async def expire(self, now: int) -> list[Command]:
        """Expires commands past their time to live, everywhere."""
        return await self._db.write(_expire_all, now)

    async def heartbeat(self, node_id: int, beat: Heartbeat, now: int) -> HeartbeatOutcome:
        return await self._db.write(_heartbeat, node_id, beat, now)
