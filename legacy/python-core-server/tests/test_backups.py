"""Backups that are proven restorable (ported from the Rust crate's tests/api/backups.rs), and
the library's pieces: names, manifests, the schedule and the stale-backup alarm."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import zstandard
from conftest import ADMIN_PASSWORD, T0, TestApp, assert_error, json_of

from farm_core import backup
from farm_core.domain.errors import Validation
from farm_core.domain.setup import parse_backup_dir, parse_daily_at
from farm_core.domain.users import Role
from farm_core.engine import backups as jobs
from farm_core.http.backups import absolute

DAY_MS = 24 * 3_600_000


def take_backup(app: TestApp, admin: httpx.Client) -> dict:
    """Starts a backup and reads its manifest (the test server runs it before answering 202)."""
    status, started = json_of(admin.post("/api/backups", json={}))
    assert status == 202, started
    status, manifest = json_of(admin.get(f"/api/backups/{started['name']}"))
    assert status == 200, manifest
    return manifest


def backup_dir(app: TestApp) -> Path:
    return Path(app.config.backups_path())


def backup_file(app: TestApp, name: str) -> Path:
    return backup_dir(app) / f"{name}.db.zst"


def test_a_backup_is_verified_with_its_manifest(app: TestApp) -> None:
    admin = app.admin()
    manifest = take_backup(app, admin)
    assert manifest["status"] == "verified", manifest
    assert manifest["kind"] == "manual"
    assert manifest["name"] == "farm-20260301-060000-000-manual"
    assert manifest["row_counts"]["users"] == 1
    assert manifest["schema_version"] == app.count("schema_migrations")
    assert list(manifest) == [
        "format",
        "name",
        "kind",
        "app_version",
        "schema_version",
        "created_at",
        "sha256",
        "size",
        "row_counts",
        "status",
        "verified_at",
        "problem",
    ]
    _, listed = json_of(admin.get("/api/backups"))
    assert listed["items"][0]["name"] == manifest["name"]
    assert listed["running"] == []
    path = backup_file(app, manifest["name"])
    assert path.exists()
    assert hashlib.sha256(path.read_bytes()).hexdigest() == manifest["sha256"]
    assert path.stat().st_size == manifest["size"]
    # The manifest file is serde_json's pretty form, without a trailing newline.
    text = (backup_dir(app) / f"{manifest['name']}.json").read_text()
    assert text == json.dumps(manifest, indent=2, ensure_ascii=False)
    # A second backup in the same millisecond gets `-2`.
    status, second = json_of(admin.post("/api/backups", json={"wait": True}))
    assert status == 201, second
    assert second["name"] == "farm-20260301-060000-000-manual-2"


def test_a_corrupted_backup_fails_verification_and_cannot_be_restored(app: TestApp) -> None:
    admin = app.admin()
    name = take_backup(app, admin)["name"]
    path = backup_file(app, name)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))

    status, manifest = json_of(admin.post(f"/api/backups/{name}/verify"))
    assert status == 200
    assert manifest["status"] == "failed"
    assert "checksum" in manifest["problem"], manifest
    app.create_user("bob", Role.VIEWER, "bob password 1")
    status, body = json_of(admin.post(f"/api/backups/{name}/restore", json={"confirm": name}))
    assert_error(status, body, 409, "conflict")
    assert app.count("users") == 2, "a failed restore leaves the data as it was"


def test_restore_round_trip_undoes_a_later_change_and_keeps_a_safety_backup(app: TestApp) -> None:
    admin = app.admin()
    name = take_backup(app, admin)["name"]
    app.create_user("bob", Role.VIEWER, "bob password 1")
    assert app.count("users") == 2

    status, body = json_of(admin.post(f"/api/backups/{name}/restore", json={"confirm": "yes"}))
    assert_error(status, body, 422, "validation_failed")
    assert body["error"]["details"][0]["field"] == "confirm"
    assert app.count("users") == 2, "a wrong confirmation changes nothing"

    status, restored = json_of(admin.post(f"/api/backups/{name}/restore", json={"confirm": name}))
    assert status == 200, restored
    assert list(restored) == ["restored", "safety_backup"]
    assert app.count("users") == 1, "bob came after the backup"
    safety = restored["safety_backup"]
    status, manifest = json_of(admin.get(f"/api/backups/{safety}"))
    assert (status, manifest["kind"], manifest["row_counts"]["users"]) == (200, "safety", 2)
    # The server goes on, on the restored data, without a restart.
    status, _ = json_of(admin.get("/api/users"))
    assert status == 200
    assert app.column("engine_state", "evaluated_at") == [T0], "evaluated as Rust does after a restore"


def test_upload_round_trip_and_truncated_upload_is_rejected(app: TestApp) -> None:
    admin = app.admin()
    name = take_backup(app, admin)["name"]
    download = admin.get(f"/api/backups/{name}/download")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zstd"
    assert download.headers["content-disposition"] == f'attachment; filename="{name}.db.zst"'
    sha = download.headers["x-backup-sha256"]
    data = download.content
    assert hashlib.sha256(data).hexdigest() == sha
    before = len(os.listdir(backup_dir(app)))

    truncated = data[: len(data) // 2]
    truncated_sha = hashlib.sha256(truncated).hexdigest()
    for body, checksum in (
        (truncated, sha),
        (truncated, truncated_sha),
        (b"hello", hashlib.sha256(b"hello").hexdigest()),
    ):
        response = admin.post("/api/backups/upload", headers={"x-backup-sha256": checksum}, content=body)
        status, error = json_of(response)
        assert_error(status, error, 422, "validation_failed")
    assert len(os.listdir(backup_dir(app))) == before, "nothing left behind"

    response = admin.post("/api/backups/upload", headers={"x-backup-sha256": sha.upper()}, content=data)
    status, manifest = json_of(response)
    assert status == 201, manifest
    assert (manifest["kind"], manifest["status"]) == ("uploaded", "verified")


def test_upload_problems_are_named(app: TestApp) -> None:
    admin = app.admin()
    name = take_backup(app, admin)["name"]
    data = backup_file(app, name).read_bytes()

    def upload(body: bytes, checksum: str | None = None) -> dict:
        headers = {"x-backup-sha256": checksum or hashlib.sha256(body).hexdigest()}
        status, error = json_of(admin.post("/api/backups/upload", headers=headers, content=body))
        assert status == 422, error
        return error["error"]["details"][0]

    assert upload(data, "abc") == {"field": "x-backup-sha256", "problem": "must be the file's SHA-256 as 64 hex digits"}
    assert upload(data[:-10]) == {
        "field": "body",
        "problem": "not a backup: the compressed file is damaged or truncated: incomplete frame",
    }
    assert upload(b"not a backup")["problem"] == (
        "not a backup: the compressed file is damaged or truncated: Unknown frame descriptor"
    )
    assert upload(zstandard.ZstdCompressor().compress(b"x" * 4096))["problem"] == "not a Farm Controller database"


def test_retention_keeps_the_newest_verified_backups(spawn: Callable[..., TestApp]) -> None:
    app = spawn(backup_keep_days=30, backup_keep_min=2)
    admin = app.admin()
    names = []
    for day in (100, 90, 80, 5):
        app.clock.set_ms(T0 - day * DAY_MS)
        names.append(take_backup(app, admin)["name"])
    app.clock.set_ms(T0)
    deleted = jobs.retention(app.state)
    assert deleted == [names[1], names[0]], "older than 30 days and not among the newest 2 verified"
    _, listed = json_of(admin.get("/api/backups"))
    assert [m["name"] for m in listed["items"]] == [names[3], names[2]]


def test_viewers_list_backups_but_cannot_download_or_restore(app: TestApp) -> None:
    admin = app.admin()
    name = take_backup(app, admin)["name"]
    app.create_user("vera", Role.VIEWER, "vera password")
    viewer = app.login("vera", "vera password")
    assert viewer.get("/api/backups").status_code == 200
    for response in (viewer.get(f"/api/backups/{name}/download"), viewer.post("/api/backups", json={})):
        status, body = json_of(response)
        assert_error(status, body, 403, "forbidden")
    status, body = json_of(admin.get("/api/backups/..%2f..%2fetc"))
    assert_error(status, body, 404, "not_found")
    status, body = json_of(admin.delete(f"/api/backups/{name}"))
    assert status == 204
    assert os.listdir(backup_dir(app)) == []
    status, body = json_of(admin.get("/api/backups/upload"))
    assert_error(status, body, 405, "method_not_allowed")


def test_foreign_and_broken_manifests_are_skipped(app: TestApp) -> None:
    admin = app.admin()
    take_backup(app, admin)
    (backup_dir(app) / "farm-broken.json").write_text("{")
    (backup_dir(app) / "Not-A-Name.json").write_text("{}")
    _, listed = json_of(admin.get("/api/backups"))
    assert len(listed["items"]) == 1
    status, body = json_of(admin.get("/api/backups/farm-broken"))
    assert_error(status, body, 404, "not_found")


def test_the_schedule_takes_one_backup_a_day_and_the_alarm_says_when_none_is_recent(app: TestApp) -> None:
    state = app.state
    assert jobs.due_today(state, "UTC", T0) == T0 - 3 * 3_600_000, "03:00 site time"
    assert jobs.due_today(state, "Europe/Berlin", T0) == T0 - 4 * 3_600_000
    # 2026-03-29 02:30 does not exist in Berlin: the first valid instant after the gap.
    berlin_gap_day = 1_774_742_400_000  # 2026-03-29T00:00:00Z
    half_past_two = state.config.replace(backup_time="02:30")
    state.config = half_past_two
    assert jobs.due_today(state, "Europe/Berlin", berlin_gap_day) == berlin_gap_day + 90 * 60_000
    state.config = state.config.replace(backup_time=None)
    assert jobs.due_today(state, "UTC", T0) is None
    state.config = state.config.replace(backup_time="03:00")

    app.run(jobs.tick(state))
    _, listed = json_of(app.admin().get("/api/backups"))
    assert [m["kind"] for m in listed["items"]] == ["scheduled"]
    app.run(jobs.tick(state))
    assert len(backup.list_manifests(backup_dir(app))) == 1, "once a day"
    assert app.count("alarms") == 0, "a verified backup is recent"

    app.clock.advance_ms(3 * DAY_MS)
    state.config = state.config.replace(backup_time=None)
    app.run(jobs.tick(state))
    app.run(jobs.tick(state))
    assert app.column("alarms", "message") == [jobs.STALE_ALARM], "raised once while open"


def backup_health(admin: httpx.Client) -> dict:
    status, state = json_of(admin.get("/api/dashboard/state"))
    assert status == 200, state
    return state["backup"]


def test_the_dashboard_reports_the_newest_verified_backups_age(app: TestApp) -> None:
    admin = app.admin()
    assert backup_health(admin) == {"newest_verified_at": None, "age_s": None, "stale": True}

    first = take_backup(app, admin)
    assert backup_health(admin) == {"newest_verified_at": first["created_at"], "age_s": 0, "stale": False}

    app.clock.advance_ms(2 * DAY_MS + 1000)
    admin = app.login("ada", ADMIN_PASSWORD)  # the session expired meanwhile
    old = backup_health(admin)
    assert (old["age_s"], old["stale"]) == (2 * 86_400 + 1, True)

    # A newer backup that fails verification is not offered as good: the age stays.
    name = take_backup(app, admin)["name"]
    assert backup_health(admin)["age_s"] == 0
    backup_file(app, name).write_bytes(b"not a backup")
    assert admin.post(f"/api/backups/{name}/verify").status_code == 200
    assert backup_health(admin)["newest_verified_at"] == first["created_at"]

    # Deleting the last verified one leaves none.
    assert admin.delete(f"/api/backups/{first['name']}").status_code == 204
    assert backup_health(admin)["newest_verified_at"] is None


def test_backup_settings_stored_by_the_setup_wizard_win_over_the_configuration(app: TestApp, tmp_path: Path) -> None:
    chosen = tmp_path / "offsite"
    with sqlite3.connect(app.config.database) as conn:
        conn.execute(
            "INSERT INTO backup_settings (id, dir, daily_at, updated_at) VALUES (1, ?, '02:30', 0)", (str(chosen),)
        )
    app = app.restart()
    assert jobs.folder(app.state) == str(chosen)
    assert jobs.due_today(app.state, "UTC", T0) == T0 - 3 * 3_600_000 - 30 * 60_000, "02:30, not the configured 03:00"
    manifest = take_backup(app, app.admin())
    assert (chosen / f"{manifest['name']}.json").exists()


def settings_put(client: httpx.Client, body: dict) -> tuple[int, Any]:
    return json_of(client.put("/api/backups/settings", json=body))


def settings_get(client: httpx.Client) -> tuple[int, Any]:
    return json_of(client.get("/api/backups/settings"))


def test_backup_settings_are_the_configurations_until_changed_and_then_read_back(app: TestApp) -> None:
    admin = app.admin()
    response = admin.get("/api/backups/settings")
    assert response.status_code == 200
    assert response.text == json.dumps({"dir": app.config.backups_path(), "daily_at": "03:00"}, separators=(",", ":"))

    folder = str(app.dir / "elsewhere" / "backups")
    response = admin.put("/api/backups/settings", json={"dir": folder, "daily_at": "21:15"})
    assert response.status_code == 200, response.text
    assert response.text == f'{{"dir":"{folder}","daily_at":"21:15"}}'
    assert os.path.isdir(folder), "the folder is created"
    assert settings_get(admin) == (200, {"dir": folder, "daily_at": "21:15"})
    assert app.column("backup_settings", "dir") == [folder]
    assert app.column("backup_settings", "updated_at") == [T0]

    assert settings_put(admin, {"dir": folder, "daily_at": None}) == (200, {"dir": folder, "daily_at": None})
    assert app.column("backup_settings", "daily_at") == [None]
    assert jobs.due_today(app.state, "UTC", T0) is None, "in effect: no scheduled backup"
    app = app.restart()
    admin = app.login("ada", ADMIN_PASSWORD)
    assert settings_get(admin) == (200, {"dir": folder, "daily_at": None}), "stored, not only in memory"


def test_a_viewer_may_read_but_not_change_the_backup_settings(app: TestApp) -> None:
    app.create_user("vera", Role.VIEWER, "vera password")
    viewer = app.login("vera", "vera password")
    assert settings_get(viewer)[0] == 200

    folder = app.dir / "viewer-choice"
    status, body = settings_put(viewer, {"dir": str(folder), "daily_at": "04:00"})
    assert_error(status, body, 403, "forbidden")
    assert app.count("backup_settings") == 0
    assert not folder.exists(), "a refused request touches no file"


def test_invalid_backup_settings_name_the_field_and_change_nothing(app: TestApp) -> None:
    admin = app.admin()
    kept = str(app.dir / "kept")
    assert settings_put(admin, {"dir": kept, "daily_at": "02:30"})[0] == 200
    a_file = app.dir / "a-file"
    a_file.write_text("not a folder")
    fresh = str(app.dir / "fresh")
    cases = [
        ({"dir": "backups", "daily_at": "03:00"}, "dir", "must be an absolute path such as /var/backups/farm"),
        ({"dir": "", "daily_at": "03:00"}, "dir", "must be a folder path of at most 1024 characters"),
        ({"dir": "   ", "daily_at": None}, "dir", "must be a folder path of at most 1024 characters"),
        ({"dir": fresh, "daily_at": "25:00"}, "daily_at", "must be a time HH:MM such as 03:00, or off"),
        ({"dir": fresh, "daily_at": "3pm"}, "daily_at", "must be a time HH:MM such as 03:00, or off"),
        (
            {"dir": str(a_file / "backups"), "daily_at": "03:00"},
            "dir",
            "cannot be created: Not a directory (os error 20)",
        ),
        ({"dir": str(a_file), "daily_at": "03:00"}, "dir", "cannot be created: File exists (os error 17)"),
        ({"dir": fresh, "daily_at": "03:00", "keep": 3}, "keep", "is not a known field"),
    ]
    for body, field, problem in cases:
        status, error = settings_put(admin, body)
        assert_error(status, error, 422, "validation_failed")
        assert error["error"]["details"] == [{"field": field, "problem": problem}], body
        assert settings_get(admin) == (200, {"dir": kept, "daily_at": "02:30"}), body
    assert app.column("backup_settings", "dir") == [kept]
    assert not os.path.exists(fresh), "an invalid time stops before the folder is made"


def test_backups_go_to_and_are_listed_from_the_new_folder(app: TestApp) -> None:
    admin = app.admin()
    old = take_backup(app, admin)["name"]
    app.clock.advance_ms(60_000)
    folder = app.dir / "moved"
    assert settings_put(admin, {"dir": str(folder), "daily_at": "03:00"})[0] == 200

    status, manifest = json_of(admin.post("/api/backups", json={"wait": True}))
    assert (status, manifest["status"]) == (201, "verified"), manifest
    name = manifest["name"]
    assert name != old
    assert (folder / f"{name}.db.zst").exists(), "written into the new folder"
    assert not backup_file(app, name).exists(), "not into the old one"
    _, listed = json_of(admin.get("/api/backups"))
    assert [m["name"] for m in listed["items"]] == [name], "listed from the new folder only"


def test_after_a_folder_change_the_newest_verified_backup_is_read_from_the_new_folder(app: TestApp) -> None:
    admin = app.admin()
    take_backup(app, admin)
    assert backup_health(admin)["newest_verified_at"] is not None
    folder = app.dir / "empty"
    assert settings_put(admin, {"dir": str(folder), "daily_at": None})[0] == 200
    # Looking the same as the old folder from outside: only being told of the change rereads it.
    old = backup_dir(app).stat()
    os.utime(folder, ns=(old.st_atime_ns, old.st_mtime_ns))
    assert backup_health(admin)["newest_verified_at"] is None


def test_the_settings_path_is_not_a_backup_name(app: TestApp) -> None:
    admin = app.admin()
    response = admin.delete("/api/backups/settings")
    assert response.headers["allow"] == "GET,HEAD,PUT"
    assert_error(*json_of(response), 405, "method_not_allowed")
    assert_error(*json_of(admin.post("/api/backups/settings/verify")), 404, "not_found")


def test_daily_times_and_folders_are_read_as_the_rust_server_reads_them() -> None:
    # chrono's "%H:%M" within five bytes: one-digit hours, whitespace before the minutes.
    for raw, want in [("03:00", "03:00"), (" 23:59 ", "23:59"), ("3: 05", "3: 05"), ("1:\u00a05", "1:\u00a05")]:
        assert parse_daily_at("t", raw) == want, raw
    assert parse_daily_at("t", "OFF") is None
    for bad in ["", "3:00", "24:00", "12:60", "noon", "03:00:00", "1:\x1c05", "1 :05", "+3:05"]:
        with pytest.raises(Validation):
            parse_daily_at("t", bad)
    assert parse_backup_dir("d", " /srv/farm/backups ") == "/srv/farm/backups"
    for bad in ["", "  ", "backups", "./data/backups", "/a\nb", "/" + "é" * 512]:
        with pytest.raises(Validation):
            parse_backup_dir("d", bad)


def test_folders_are_shown_as_rusts_std_path_absolute_shows_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir("/tmp")
    cases = {
        "/srv/farm": "/srv/farm",
        "/srv//farm/./backups/": "/srv/farm/backups/",
        "/srv/../farm": "/srv/../farm",
        "//srv/farm": "//srv/farm",
        "///srv": "/srv",
        "/": "/",
        "data/backups": "/tmp/data/backups",
        "./data/backups": "/tmp/data/backups",
        "../data": "/tmp/../data",
    }
    for raw, want in cases.items():
        assert absolute(raw) == want, raw


def test_manifest_names_and_checks() -> None:
    assert backup.check_name("farm-20260301-060000-000-manual")
    for bad in ("", "a" * 81, "../x", "Farm", "a.b"):
        assert not backup.check_name(bad), bad
