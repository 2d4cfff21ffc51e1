"""Backups as background work (Rust's `engine/backups.rs`): manual and scheduled ones with
progress events, retention, a restore that swaps the live database's contents, and an alarm when
the newest verified backup gets old."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import errno
import itertools
import json
import logging
import os
import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from farm_core import backup, migrations
from farm_core.backup import Kind, Manifest, Phase, Status
from farm_core.domain.errors import Conflict, NotFound, Validation
from farm_core.engine import schedules

if TYPE_CHECKING:
    from farm_core.state import AppState

log = logging.getLogger("farm_core")

# An alarm is raised when the newest verified backup is older than this.
STALE_AFTER_MS = 2 * 24 * 3_600_000
STALE_ALARM = "no verified backup in the last 2 days"
CHECK_EVERY_S = 60.0


@dataclass(slots=True)
class BackupJobs:
    """Backups being written now, with their phase; and one lock so backups and restores take turns."""

    jobs: dict[str, tuple[Kind, int, Phase]] = field(default_factory=dict)
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Backups started without waiting, while they run.
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # Bumped by every change this server makes to the backups folder.
    generation: int = 0
    # The newest verified backup as last read: (generation, folder mtime, its created_at).
    newest: tuple[int, int | None, int | None] | None = None

    def changed(self) -> None:
        """Call after changing the backups folder: the newest verified backup is read again."""
        self.generation += 1

    def running_json(self) -> list[str]:
        return [
            json.dumps(
                {"name": name, "kind": kind.value, "started_at": backup.to_rfc3339(at), "phase": phase.value},
                ensure_ascii=False,
                separators=(",", ":"),
            )
            for name, (kind, at, phase) in sorted(self.jobs.items(), key=lambda kv: kv[0].encode())
        ]

    def set(self, name: str, kind: Kind, at: int, phase: Phase | None) -> None:
        if phase is None:
            self.jobs.pop(name, None)
        else:
            self.jobs[name] = (kind, at, phase)


def settings(state: AppState) -> tuple[str, str | None]:
    """The backup folder and daily time in effect: the stored choice (the setup wizard's or the
    settings API's), else the configuration's."""
    if state.backup_settings is not None:
        return state.backup_settings
    return state.config.backups_path(), state.config.backup_time


async def load_settings(state: AppState) -> None:
    """Reads the stored backup settings (at start, and after a restore replaced the data)."""
    state.backup_settings = await state.store.backups.settings()


def folder(state: AppState) -> str:
    return settings(state)[0]


def _create_dir_all(path: PurePosixPath) -> None:
    """Rust's `fs::create_dir_all`, step for step, so a failure is the same error."""
    try:
        os.mkdir(path)
        return
    except FileNotFoundError:
        pass
    except OSError:
        if os.path.isdir(path):
            return
        raise
    if path.parent == path:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT))
    _create_dir_all(path.parent)
    try:
        os.mkdir(path)
    except OSError:
        if not os.path.isdir(path):
            raise


# Probes of this process get their own names, so checks of one folder may run at once.
_PROBES = itertools.count()


def _check_writable(dir_: str) -> None:
    try:
        _create_dir_all(PurePosixPath(dir_))
    except OSError as err:
        raise Validation.invalid("dir", f"cannot be created: {backup.describe(err)}") from None
    probe = os.path.join(dir_, f".farm-write-check-{os.getpid()}-{next(_PROBES)}")
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    except OSError as err:
        raise Validation.invalid("dir", f"is not writable: {backup.describe(err)}") from None
    os.close(fd)
    # The folder took a file, which is what was asked; a probe left behind harms nothing.
    with contextlib.suppress(OSError):
        os.remove(probe)


async def check_writable(dir_: str) -> None:
    """Creates the folder if needed and writes (then removes) a file in it: a `dir` validation
    error otherwise. The messages quote only the operating system's reason, not the probe's name,
    so the same folder always gets the same answer."""
    await asyncio.to_thread(_check_writable, dir_)


async def change_settings(state: AppState, dir_: str, daily_at: str | None) -> None:
    """Stores new backup settings and puts them into effect. The folder may be another one now, so
    the newest verified backup is read again."""
    await state.store.backups.settings_put(dir_, daily_at, state.clock.now_ms())
    state.backup_settings = (dir_, daily_at)
    state.backup_jobs.changed()


def _progress_json(name: str, phase: Phase | None, status: Status, problem: str | None) -> str:
    data = {"name": name, "phase": None if phase is None else phase.value, "status": status.value, "problem": problem}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


async def create(state: AppState, kind: Kind, name: str) -> Manifest:
    """Writes a backup, reporting each phase as a `backup` event; the result is in its manifest."""
    async with state.backup_jobs.turn:
        now = state.clock.now_ms()
        state.backup_jobs.set(name, kind, now, Phase.SNAPSHOT)
        loop = asyncio.get_running_loop()

        def report(phase: Phase) -> None:
            state.backup_jobs.set(name, kind, now, phase)
            state.events.publish("backup", _progress_json(name, phase, Status.RUNNING, None))

        def progress(phase: Phase) -> None:
            # Called on a database thread; events belong to the event loop.
            loop.call_soon_threadsafe(report, phase)

        try:
            manifest = await state.store.backups.create(folder(state), name, kind, now, progress)
        finally:
            # The progress callbacks queued before the result: let them run, then drop the job.
            await asyncio.sleep(0)
            state.backup_jobs.set(name, kind, now, None)
            state.backup_jobs.changed()
        state.events.publish("backup", _progress_json(manifest.name, None, manifest.status, manifest.problem))
        log.info("backup written name=%s status=%s size=%s", manifest.name, manifest.status.value, manifest.size)
        return manifest


def newest_schema_version() -> int:
    known = migrations.load()
    return known[-1].version if known else 0


async def restore(state: AppState, name: str) -> str:
    """Restores a verified backup: verifies it again, takes a safety backup of the current data,
    then replaces the database's contents in one transaction and brings its schema up to date.
    Returns the safety backup's name."""
    dir_ = folder(state)
    try:
        manifest = backup.read_manifest(dir_, name)
    except backup.BackupError:
        raise NotFound("backup") from None
    if manifest.status != Status.VERIFIED:
        raise Conflict("only a verified backup can be restored")
    if manifest.schema_version > newest_schema_version():
        raise Conflict("the backup is from a newer version of the server; upgrade first")
    safety = await create(state, Kind.SAFETY, backup.name_for(dir_, Kind.SAFETY, state.clock.now_ms()))
    if safety.status != Status.VERIFIED:
        raise Conflict(f"the safety backup failed ({safety.problem or ''}); nothing was restored")
    async with state.backup_jobs.turn:
        await state.store.backups.restore(dir_, name, state.clock.now_ms())
    # The restored data may hold other backup settings (or none: then the configuration's).
    await load_settings(state)
    try:
        await schedules.evaluate(state)
    except Exception as err:
        log.warning("schedule evaluation after the restore failed: %s", err)
    state.schedules_changed.set()
    log.warning("database restored from a backup restored=%s safety=%s", manifest.name, safety.name)
    return safety.name


def delete_files(dir_: str, name: str) -> None:
    for path in (backup.manifest_path(dir_, name), backup.data_path(dir_, name)):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


def retention(state: AppState) -> list[str]:
    """Deletes backups older than `backup_keep_days`, always keeping the newest `backup_keep_min`
    verified ones."""
    dir_ = folder(state)
    cutoff = state.clock.now_ms() - state.config.backup_keep_days * 24 * 3_600_000
    every = backup.list_manifests(dir_)
    protected = [m.name for m in every if m.status == Status.VERIFIED][: state.config.backup_keep_min]
    deleted = []
    for m in every:
        if m.created_at < cutoff and m.name not in protected:
            delete_files(dir_, m.name)
            state.backup_jobs.changed()
            deleted.append(m.name)
    return deleted


def newest_verified(state: AppState) -> int | None:
    """The newest verified backup's time, if any. The overview asks on every refresh, so the
    answer is kept until this server changes the folder or the folder's modification time moves
    (a backup written by another process, such as `farmctl backup`)."""
    jobs = state.backup_jobs
    dir_ = folder(state)
    generation = jobs.generation
    try:
        modified: int | None = os.stat(dir_).st_mtime_ns
    except OSError:
        modified = None
    if jobs.newest is not None and jobs.newest[:2] == (generation, modified):
        return jobs.newest[2]
    try:
        every = backup.list_manifests(dir_)
    except OSError:
        return None
    created_at = next((m.created_at for m in every if m.status == Status.VERIFIED), None)
    jobs.newest = (generation, modified, created_at)
    return created_at


_HH_MM = re.compile(r"\s*([0-9]{1,2}):\s*([0-9]{1,2})")


def due_today(state: AppState, timezone: str, now: int) -> int | None:
    """The instant of today's scheduled backup (site time), or None when the setting is off."""
    daily_at = settings(state)[1]
    if daily_at is None:
        return None
    match = _HH_MM.fullmatch(daily_at)
    if match is None or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None
    try:
        tz = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
    today = datetime.datetime.fromtimestamp(now / 1000, tz).date()
    local = datetime.datetime.combine(today, datetime.time(int(match.group(1)), int(match.group(2))))
    for candidate in (local, local + datetime.timedelta(hours=1)):
        # In a DST gap, the first valid instant after it; in an overlap, the first occurrence.
        instant = candidate.replace(tzinfo=tz, fold=0)
        back = instant.astimezone(datetime.UTC).astimezone(tz).replace(tzinfo=None)
        if back == candidate:
            return int(instant.timestamp()) * 1000
    return None


def _alarm_json(row: tuple) -> str:
    id_, schedule_id, severity, message, raised_at, acknowledged_at, acknowledged_by = row
    data = {
        "id": id_,
        "schedule_id": schedule_id,
        "severity": severity,
        "message": message,
        "raised_at": backup.to_rfc3339(raised_at),
        "acknowledged_at": None if acknowledged_at is None else backup.to_rfc3339(acknowledged_at),
        "acknowledged_by": acknowledged_by,
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


async def tick(state: AppState) -> None:
    """One check: the scheduled backup when due, retention after it, the staleness alarm."""
    now = state.clock.now_ms()
    site = await state.store.site.get()
    dir_ = folder(state)
    due = due_today(state, site.timezone, now)
    if due is not None and due <= now:
        done = any(m.kind == Kind.SCHEDULED and m.created_at >= due for m in backup.list_manifests(dir_))
        if not done:
            await create(state, Kind.SCHEDULED, backup.name_for(dir_, Kind.SCHEDULED, now))
            for name in retention(state):
                log.info("retention deleted an old backup name=%s", name)
    newest = newest_verified(state)
    stale = newest is None or now - newest > STALE_AFTER_MS
    if stale and not await state.store.backups.alarm_open_with_message(STALE_ALARM):
        row = await state.store.backups.alarm_raise("warning", STALE_ALARM, now)
        state.events.publish("alarm", _alarm_json(row))


async def run(state: AppState) -> None:
    """`tick` at once, then every minute, until cancelled."""
    while True:
        try:
            await tick(state)
        except Exception as err:  # the loop must survive a bad check
            log.warning("backup check failed: %s", err)
        await asyncio.sleep(CHECK_EVERY_S)
