"""Backups: list, create (202, progress as `backup` events), download, delete, upload, restore,
and the settings (folder, daily time) the setup wizard first chose."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import shutil
import sqlite3
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import unquote_to_bytes

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from farm_core import VERSION, backup, migrations
from farm_core.auth.capabilities import Capability
from farm_core.auth.principal import Principal, require
from farm_core.backup import BackupError, Kind, Manifest, Status
from farm_core.domain.errors import BadRequest, NotFound, PayloadTooLarge, Validation
from farm_core.domain.setup import parse_backup_dir, parse_daily_at
from farm_core.engine import backups as jobs
from farm_core.http import header_str, json_text, read_json, wire
from farm_core.http.contract import STRING, operation, param
from farm_core.state import AppState

log = logging.getLogger("farm_core")

BackupsView = Depends(require(Capability.BACKUPS_VIEW))
BackupsManage = Depends(require(Capability.BACKUPS_MANAGE))

# Largest upload accepted.
UPLOAD_LIMIT = 2 * 1024 * 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}", re.ASCII)


class BackupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    wait: bool | None = Field(
        None,
        description="Answer when the backup is written and verified (201 with its manifest) instead of at"
        " once (202); for scripts.",
    )


class BackupRestore(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirm: str = Field(description="The backup's name, typed again: restoring replaces everything.")


class BackupManifest(BaseModel):
    format: int
    name: str
    kind: str
    app_version: str
    schema_version: int
    created_at: str
    sha256: str = Field(description="Of the compressed file.")
    size: int
    row_counts: dict[str, int]
    status: str
    verified_at: str | None
    problem: str | None = Field(description="Why verification failed.")


class RunningBackup(BaseModel):
    name: str
    kind: str
    started_at: str
    phase: str


class BackupList(BaseModel):
    items: list[BackupManifest] = Field(description="Newest first; only `verified` ones are good to restore.")
    running: list[RunningBackup] = Field(description="Backups being written now.")


class BackupStarted(BaseModel):
    name: str


class BackupRestored(BaseModel):
    restored: str
    safety_backup: str = Field(description="The backup of the data as it was just before, in case this was a mistake.")


class BackupSettings(BaseModel):
    """Where backups go and when the daily one runs."""

    dir: str = Field(description="The backups folder, an absolute path.")
    daily_at: str | None = Field(
        None, description="`HH:MM` in the site's time zone; `null`: no scheduled backups (back up by hand)."
    )


class BackupSettingsUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dir: str = Field(
        description="An absolute folder path such as `/var/backups/farm`; it is created if needed and must be writable."
    )
    daily_at: str | None = Field(
        None,
        description='`HH:MM` (24-hour) in the site\'s time zone; `null` (or `"off"`, as in the configuration)'
        " turns scheduled backups off.",
    )


def absolute(path: str) -> str:
    """Rust's `std::path::absolute` on Unix: a relative path is joined to the working directory;
    `.` parts and repeated slashes go, `..` parts and a trailing slash stay."""
    if path.startswith("/"):
        out = "//" if path.startswith("//") and not path.startswith("///") else "/"
    else:
        out = os.getcwd()
    for part in path.split("/"):
        if part not in ("", "."):
            out = f"{out}{part}" if out.endswith("/") else f"{out}/{part}"
    if path.endswith("/") and not out.endswith("/"):
        out += "/"
    return out


def settings_json(dir_: str, daily_at: str | None) -> str:
    # The configuration's folder may be relative to the working directory.
    return f'{{"dir":{wire.string(absolute(dir_))},"daily_at":{wire.opt_str(daily_at)}}}'


def path_name(request: Request) -> str:
    """The `name` path parameter as axum's `Path<String>` reads it (percent-decoded)."""
    try:
        return unquote_to_bytes(request.path_params["name"]).decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("Invalid URL: Invalid UTF-8 in `name`") from None


def checked(name: str) -> str:
    if not backup.check_name(name):
        raise NotFound("backup")
    return name


def manifest_of(state: AppState, name: str) -> Manifest:
    try:
        return backup.read_manifest(jobs.folder(state), checked(name))
    except BackupError:
        raise NotFound("backup") from None


async def backups_list(request: Request, _: Principal = BackupsView) -> Response:
    state: AppState = request.app.state.farm
    items = await asyncio.to_thread(backup.list_manifests, jobs.folder(state))
    running = state.backup_jobs.running_json()
    return json_text(f'{{"items":[{",".join(m.to_json() for m in items)}],"running":[{",".join(running)}]}}')


async def backup_create(request: Request, _: Principal = BackupsManage) -> Response:
    state: AppState = request.app.state.farm
    options = await read_json(request, BackupCreate)
    name = backup.name_for(jobs.folder(state), Kind.MANUAL, state.clock.now_ms())
    if options.wait is True:
        manifest = await jobs.create(state, Kind.MANUAL, name)
        return json_text(manifest.to_json(), 201)

    async def task() -> None:
        try:
            await jobs.create(state, Kind.MANUAL, name)
        except Exception as err:
            log.error("backup failed: %s", err)

    if state.background:
        running = asyncio.create_task(task())
        state.backup_jobs.tasks.add(running)
        running.add_done_callback(state.backup_jobs.tasks.discard)
    else:
        await task()
    return json_text(f'{{"name":{wire.string(name)}}}', 202)


async def backup_settings_get(request: Request, _: Principal = BackupsView) -> Response:
    state: AppState = request.app.state.farm
    return json_text(settings_json(*jobs.settings(state)))


async def backup_settings_update(request: Request, _: Principal = BackupsManage) -> Response:
    state: AppState = request.app.state.farm
    body = await read_json(request, BackupSettingsUpdate)
    dir_ = parse_backup_dir("dir", body.dir)
    daily_at = parse_daily_at("daily_at", body.daily_at) if body.daily_at is not None else None
    # Only a request that is otherwise valid touches the file system.
    await jobs.check_writable(dir_)
    await jobs.change_settings(state, dir_, daily_at)
    return json_text(settings_json(dir_, daily_at))


async def backup_get(request: Request, _: Principal = BackupsView) -> Response:
    state: AppState = request.app.state.farm
    return json_text(manifest_of(state, path_name(request)).to_json())


async def backup_delete(request: Request, _: Principal = BackupsManage) -> Response:
    state: AppState = request.app.state.farm
    name = path_name(request)
    manifest_of(state, name)
    try:
        jobs.delete_files(jobs.folder(state), name)
    finally:
        state.backup_jobs.changed()
    return Response(status_code=204)


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    f = await asyncio.to_thread(open, path, "rb")
    try:
        while chunk := await asyncio.to_thread(f.read, 64 * 1024):
            yield chunk
    finally:
        f.close()


async def backup_download(request: Request, _: Principal = BackupsManage) -> Response:
    state: AppState = request.app.state.farm
    manifest = manifest_of(state, path_name(request))
    path = backup.data_path(jobs.folder(state), manifest.name)
    if not path.is_file():
        raise NotFound("backup")
    headers = {
        "content-type": "application/zstd",
        "content-disposition": f'attachment; filename="{manifest.name}.db.zst"',
        "content-length": str(manifest.size),
        "x-backup-sha256": manifest.sha256,
    }
    return StreamingResponse(_file_chunks(path), headers=headers)


def admit_upload(folder: str, work: str, upload: str, name: str, newest_schema: int, now: int) -> Manifest:
    """Checks an uploaded file and, only when it is a good backup, moves it into the folder."""

    def reject(why: str) -> Validation:
        return Validation.invalid("body", why)

    db = os.path.join(work, "upload.db")
    try:
        backup.decompress(upload, db)
    except BackupError as err:
        raise reject(f"not a backup: {err}") from None
    try:
        conn = backup.open_read_only(db)
    except sqlite3.Error as err:
        raise reject(f"not an SQLite database: {err}") from None
    try:
        try:
            schema_version = migrations.schema_version(conn)
        except sqlite3.Error:
            raise reject("not a Farm Controller database") from None
        if schema_version > newest_schema:
            raise reject(f"schema version {schema_version} is newer than this server's {newest_schema}")
        try:
            counts = backup.row_counts(conn)
        except sqlite3.Error as err:
            raise reject(f"unreadable: {err}") from None
    finally:
        conn.close()
    try:
        backup.check_snapshot(db, schema_version, None)
    except BackupError as err:
        raise reject(str(err)) from None
    sha256, size = backup.sha256_file(upload)
    os.replace(upload, backup.data_path(folder, name))
    manifest = Manifest(
        backup.FORMAT, name, Kind.UPLOADED, VERSION, schema_version, now, sha256, size, counts, Status.RUNNING
    )
    backup.verify_into(folder, manifest, now)
    backup.write_manifest(folder, manifest)
    return manifest


async def backup_upload(request: Request, _: Principal = BackupsManage) -> Response:
    state: AppState = request.app.state.farm
    expected = (header_str(request, "x-backup-sha256") or "").lower()
    if _SHA256.fullmatch(expected) is None:
        raise Validation.invalid("x-backup-sha256", "must be the file's SHA-256 as 64 hex digits")
    folder = jobs.folder(state)
    await asyncio.to_thread(os.makedirs, folder, exist_ok=True)
    work = await asyncio.to_thread(tempfile.mkdtemp, prefix=".upload-", dir=folder)
    try:
        upload = os.path.join(work, "upload.db.zst")
        digest = hashlib.sha256()
        size = 0
        out = await asyncio.to_thread(open, upload, "wb")
        try:
            async for chunk in request.stream():
                size += len(chunk)
                if size > UPLOAD_LIMIT:
                    raise PayloadTooLarge("a backup upload may be at most 2 GiB")
                digest.update(chunk)
                await asyncio.to_thread(out.write, chunk)
        finally:
            out.close()
        if digest.hexdigest() != expected:
            raise Validation.invalid("body", "the file does not match x-backup-sha256: damaged or truncated in transit")
        now = state.clock.now_ms()
        name = backup.name_for(folder, Kind.UPLOADED, now)
        newest = jobs.newest_schema_version()
        manifest = await asyncio.to_thread(admit_upload, folder, work, upload, name, newest, now)
        state.backup_jobs.changed()
    finally:
        await asyncio.to_thread(shutil.rmtree, work, True)
    return json_text(manifest.to_json(), 201)


async def backup_verify(request: Request, _: Principal = BackupsManage) -> Response:
    state: AppState = request.app.state.farm
    manifest = manifest_of(state, path_name(request))
    folder = jobs.folder(state)
    now = state.clock.now_ms()

    def verify() -> Manifest:
        backup.verify_into(folder, manifest, now)
        backup.write_manifest(folder, manifest)
        return manifest

    try:
        verified = await asyncio.to_thread(verify)
    finally:
        state.backup_jobs.changed()
    return json_text(verified.to_json())


async def backup_restore(request: Request, _: Principal = BackupsManage) -> Response:
    state: AppState = request.app.state.farm
    name = path_name(request)
    body = await read_json(request, BackupRestore)
    manifest = manifest_of(state, name)
    if body.confirm != manifest.name:
        raise Validation.invalid("confirm", "must be the backup's name, typed again")
    safety = await jobs.restore(state, manifest.name)
    return json_text(f'{{"restored":{wire.string(manifest.name)},"safety_backup":{wire.string(safety)}}}')


# A byte body, as utoipa describes `Vec<u8>`.
BYTES = {"type": "array", "items": {"type": "integer", "format": "int32", "minimum": 0}}
NAME = (param("name", "path", dict(STRING), "Backup name", required=True),)


def register(app: FastAPI) -> None:
    """Adds this resource's routes to `app`."""
    add = app.add_api_route
    add(
        "/api/backups",
        backups_list,
        methods=["GET"],
        **operation(
            "backups_list",
            "backups",
            "Backups, newest first, with their verification result, and those being written.",
            description="Backups",
            response=BackupList,
            errors=(401, 403),
        ),
    )
    create = operation(
        "backup_create",
        "backups",
        "Start a backup (send `{}`). It is written and verified in the background: follow `backup`"
        ' events, or the list. With `"wait": true` the answer comes when it is done.',
        status=201,
        description="Written and verified (or failed: see status)",
        response=BackupManifest,
        body=BackupCreate,
        errors=(400, 401, 403, 422),
    )
    responses = create["openapi_extra"]["responses"]
    started_schema = {"schema": {"$ref": "#/components/schemas/BackupStarted"}}
    started = {"description": "Started", "content": {"application/json": started_schema}}
    create["openapi_extra"]["responses"] = {"201": responses["201"], "202": started} | {
        k: v for k, v in responses.items() if k != "201"
    }
    add("/api/backups", backup_create, methods=["POST"], **create)
    upload = operation(
        "backup_upload",
        "backups",
        "Upload a backup file (as downloaded), streamed, up to 2 GiB, with its SHA-256 in the"
        " `x-backup-sha256` header. It is checked and verified before it is listed; a bad, truncated"
        " or foreign file is a 422 and leaves nothing behind.",
        status=201,
        description="Stored and verified",
        response=BackupManifest,
        params=(
            param(
                "x-backup-sha256",
                "header",
                {**STRING, "pattern": "^[0-9A-Fa-f]{64}$"},
                "SHA-256 of the file, hex",
                required=True,
            ),
        ),
        errors=(400, 401, 403, 413, 422),
    )
    upload["openapi_extra"]["requestBody"] = {
        "content": {"application/zstd": {"schema": BYTES}},
        "required": True,
    }
    add("/api/backups/upload", backup_upload, methods=["POST"], **upload)
    add(
        "/api/backups/settings",
        backup_settings_get,
        methods=["GET"],
        **operation(
            "backup_settings_get",
            "backups",
            "Where backups go and when the daily one runs.",
            description="The settings in effect",
            response=BackupSettings,
            errors=(401, 403),
        ),
    )
    add(
        "/api/backups/settings",
        backup_settings_update,
        methods=["PUT"],
        **operation(
            "backup_settings_update",
            "backups",
            "Change the backups folder and the daily backup time. The folder is created if needed and must"
            " take a file; backups already written stay in the old folder. Nothing changes on a 422.",
            description="The new settings, in effect",
            response=BackupSettings,
            body=BackupSettingsUpdate,
            errors=(400, 401, 403, 413, 422),
        ),
    )
    add(
        "/api/backups/{name:backup_name}",
        backup_get,
        methods=["GET"],
        **operation(
            "backup_get",
            "backups",
            "One backup's manifest.",
            description="The manifest",
            response=BackupManifest,
            params=NAME,
            errors=(401, 403, 404),
        ),
    )
    add(
        "/api/backups/{name:backup_name}",
        backup_delete,
        methods=["DELETE"],
        **operation(
            "backup_delete",
            "backups",
            "Delete a backup's files.",
            status=204,
            description="Deleted",
            params=NAME,
            errors=(401, 403, 404),
        ),
    )
    download = operation(
        "backup_download",
        "backups",
        "Download the compressed database (it holds password hashes: `backups.manage` only). The"
        " `x-backup-sha256` header carries the checksum the upload will ask for.",
        description="The zstd-compressed SQLite database",
        params=NAME,
        errors=(401, 403, 404),
    )
    download["openapi_extra"]["responses"]["200"]["content"] = {"application/zstd": {"schema": BYTES}}
    add("/api/backups/{name}/download", backup_download, methods=["GET"], **download)
    add(
        "/api/backups/{name}/restore",
        backup_restore,
        methods=["POST"],
        **operation(
            "backup_restore",
            "backups",
            "Restore a verified backup: it is verified again, a safety backup of the current data is"
            " taken, then the database's contents are replaced in one transaction. The server goes on"
            " with the restored data; sessions not in the backup end.",
            description="Restored",
            response=BackupRestored,
            body=BackupRestore,
            params=NAME,
            errors=(400, 401, 403, 404, 409, 422),
        ),
    )
    add(
        "/api/backups/{name}/verify",
        backup_verify,
        methods=["POST"],
        **operation(
            "backup_verify",
            "backups",
            "Verify a backup again (its file may have changed on disk) and record the result.",
            description="The manifest with the new result",
            response=BackupManifest,
            params=NAME,
            errors=(401, 403, 404),
        ),
    )
